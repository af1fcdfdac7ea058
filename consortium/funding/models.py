"""Policy and funding (plan §三(九)), kernel side: funding records and the policy library.

* ``FundingRecord``: who funds what, how much, from which source and in which year. What it funds is a generic
  relation (``target_type`` + ``target_id``) to a row of a model a domain app registered with
  ``registry.register_fundable`` (R&D projects, practice centres, order classes); the services check the target is
  registered, lives in the record's consortium and is visible to the actor. The secretariat writes; officials read
  all; a member unit reads the records where it is the recipient.
* ``PolicyDocument``: the policy library. Published documents are readable consortium-wide; drafts only by the
  secretariat and officials; the secretariat writes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consortium.tenancy.models import MemberUnit, TenantModel
from consortium.tenancy.validators import validate_upload_size

from .choices import FundingSource, PolicyStatus

POLICY_EXTENSIONS = ["pdf", "doc", "docx", "ofd", "jpg", "jpeg", "png"]


class FundingRecord(TenantModel):
    """An amount of funding from one source in one year, optionally for a recipient unit and a funded object."""

    source = models.CharField(_("经费来源"), max_length=24, choices=FundingSource.choices)
    amount = models.DecimalField(
        _("金额（万元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)], db_index=True
    )
    recipient = models.ForeignKey(
        MemberUnit,
        verbose_name=_("受资助单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_records",
    )
    purpose = models.TextField(_("用途"), blank=True)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("资助对象类型"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(_("资助对象编号"), null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "recipient"
    UNIT_WRITE_ROLES: Any = frozenset()  # the secretariat writes

    class Meta:
        verbose_name = _("经费记录")
        verbose_name_plural = pgettext_lazy("plural", "经费记录")
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funding_amount_positive"),
            models.CheckConstraint(
                condition=Q(target_type__isnull=True, target_id__isnull=True)
                | Q(target_type__isnull=False, target_id__isnull=False),
                name="funding_target_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["consortium", "year", "source"], name="funding_scope_idx"),
            models.Index(fields=["target_type", "target_id"], name="funding_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_source_display()} {self.amount}"


def _policy_upload(instance: PolicyDocument, filename: str) -> str:
    return f"policies/{instance.consortium_id}/{filename}"


class PolicyDocument(TenantModel):
    """A policy in the library (政策库): issuer, date, summary, eligibility and the units it benefits."""

    title = models.CharField(_("政策名称"), max_length=200)
    issuer = models.CharField(_("发文机关"), max_length=120)
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    issued_on = models.DateField(_("发布日期"))
    summary = models.TextField(_("内容摘要"), blank=True)
    eligibility = models.TextField(_("适用条件"), blank=True)
    link = models.URLField(_("原文链接"), blank=True)
    attachment = models.FileField(
        _("附件"),
        upload_to=_policy_upload,
        blank=True,
        validators=[FileExtensionValidator(POLICY_EXTENSIONS), validate_upload_size],
    )
    benefiting_units = models.ManyToManyField(
        MemberUnit, verbose_name=_("受益单位"), related_name="benefiting_policies", blank=True
    )
    status = models.CharField(_("状态"), max_length=12, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    UNIT_WRITE_ROLES: Any = frozenset()

    class Meta:
        verbose_name = _("政策文件")
        verbose_name_plural = pgettext_lazy("plural", "政策文件")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["consortium", "status"], name="policy_scope_idx")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(status=PolicyStatus.PUBLISHED)

    def __str__(self) -> str:
        return self.title
