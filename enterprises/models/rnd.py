"""R&D and technical services (plan §三(七)): platforms, projects with milestones and history, technical services
delivered, achievements and their transfer (成果转化).

Read policy (``shared_read_q``):

* platforms, achievements and transfers: consortium-wide (published results of the consortium);
* projects (and their milestones and history): the proposer unit and the partner units always; every member of the
  consortium once the secretariat approved the project and while it is not terminated
  (``PUBLIC_PROJECT_STATUSES``: approved, in progress, closure review, closed) — proposals and terminated projects
  stay with the proposer, its partners, the secretariat and officials;
* technical services: the provider unit (owner) and the client unit.

Writes: unit admins of the owning unit (proposer, provider, lead unit, achievement owner) and the secretariat. Partner
and client units read only. Lifecycle decisions go through ``enterprises.services.rnd.project_transition``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.models import Industry, MemberUnit, TenantModel
from consortium.tenancy.scoping import unit_roles

from ..choices.rnd import (
    PUBLIC_PROJECT_STATUSES,
    AchievementKind,
    CoBuilderRole,
    PlatformKind,
    PlatformLevel,
    ProjectStatus,
    ServiceKind,
    TransferMode,
)

__all__ = [
    "RnDPlatform",
    "PlatformCoBuilder",
    "RnDProject",
    "ProjectMilestone",
    "ProjectStatusChange",
    "TechnicalService",
    "Achievement",
    "AchievementTransfer",
]

ADMIN_WRITES = frozenset({UnitRole.UNIT_ADMIN})


def _every_row(cls: type, user: Any) -> Q:
    return Q(pk__isnull=False)  # every row of the consortium (an empty Q() would vanish when OR-ed)


def _money(verbose: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=14, decimal_places=2, validators=[MinValueValidator(0)], **kwargs)


class RnDPlatform(TenantModel):
    """An R&D platform (研发平台) led by one unit (``unit``) and co-built by others (``co_builders``)."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="rnd_platforms_led"
    )
    kind = models.CharField(_("平台类型"), max_length=24, choices=PlatformKind.choices)
    name = models.CharField(_("平台名称"), max_length=120)
    level = models.CharField(_("级别"), max_length=12, choices=PlatformLevel.choices, default=PlatformLevel.COUNTY)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    description = models.TextField(_("简介"), blank=True)
    co_builders = models.ManyToManyField(
        MemberUnit,
        verbose_name=_("共建单位"),
        through="PlatformCoBuilder",
        related_name="rnd_platforms_cobuilt",
        blank=True,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_every_row)

    class Meta:
        verbose_name = _("研发平台")
        verbose_name_plural = pgettext_lazy("plural", "研发平台")
        ordering = ["consortium", "name"]
        constraints = [models.UniqueConstraint(fields=["consortium", "name"], name="uniq_rnd_platform_name")]

    def __str__(self) -> str:
        return self.name


class PlatformCoBuilder(TenantModel):
    """Link row platform ↔ co-building unit with its role (reached through its platform; carries the tenant like
    every tenant row, DESIGN.md §3). Readable consortium-wide like its platform; written through platform services."""

    platform = models.ForeignKey(RnDPlatform, on_delete=models.CASCADE, related_name="co_builder_links")
    unit = models.ForeignKey(MemberUnit, verbose_name=_("共建单位"), on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("角色"), max_length=16, choices=CoBuilderRole.choices, default=CoBuilderRole.CO_BUILDER)

    class Meta:
        verbose_name = _("平台共建单位")
        verbose_name_plural = pgettext_lazy("plural", "平台共建单位")
        constraints = [models.UniqueConstraint(fields=["platform", "unit"], name="uniq_platform_cobuilder")]

    SCOPE_UNIT_FIELD = "platform__unit"

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q()

    def __str__(self) -> str:
        return f"{self.platform_id} ← {self.unit_id} ({self.role})"


def _partner_project_ids(user: Any) -> models.QuerySet:
    """Ids of projects where one of the user's units is a partner (a subquery: no duplicate rows)."""
    return RnDProject.partners.through.objects.filter(memberunit_id__in=list(unit_roles(user))).values("rndproject_id")


class RnDProject(TenantModel):
    """An R&D project (研发项目) proposed by ``unit`` with partner units; lifecycle in ``choices.rnd``."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("申报单位"), on_delete=models.PROTECT, related_name="rnd_projects_proposed"
    )
    partners = models.ManyToManyField(
        MemberUnit, verbose_name=_("合作单位"), related_name="rnd_projects_partnered", blank=True
    )
    platform = models.ForeignKey(
        RnDPlatform,
        verbose_name=_("依托平台"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
    )
    title = models.CharField(_("项目名称"), max_length=160)
    summary = models.TextField(_("研究内容"), blank=True)
    field = models.ForeignKey(
        Industry, verbose_name=_("所属领域"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    budget = _money(_("预算（万元）"), default=0)
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PROPOSED, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("研发项目")
        verbose_name_plural = pgettext_lazy("plural", "研发项目")
        ordering = ["-start_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__gte=F("start_on")),
                name="rnd_project_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="rnd_project_budget_non_negative"),
        ]
        indexes = [models.Index(fields=["consortium", "status"], name="rnd_project_scope_idx")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(status__in=PUBLIC_PROJECT_STATUSES) | Q(pk__in=_partner_project_ids(user))

    def clean(self) -> None:
        super().clean()
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": _("结束日期不能早于开始日期。")})

    def __str__(self) -> str:
        return self.title


class ProjectMilestone(TenantModel):
    """A milestone of a project; ``unit`` is the project's proposer (denormalised for the uniform filter)."""

    unit = models.ForeignKey(MemberUnit, verbose_name=_("申报单位"), on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        RnDProject, verbose_name=_("研发项目"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("里程碑"), max_length=160)
    due_on = models.DateField(_("计划完成日期"))
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("项目里程碑")
        verbose_name_plural = pgettext_lazy("plural", "项目里程碑")
        ordering = ["project", "due_on", "id"]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(project__status__in=PUBLIC_PROJECT_STATUSES) | Q(project_id__in=_partner_project_ids(user))

    def __str__(self) -> str:
        return self.title


class ProjectStatusChange(TenantModel):
    """History of a project's lifecycle: who took which action, when and why (written by the service only)."""

    unit = models.ForeignKey(MemberUnit, verbose_name=_("申报单位"), on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        RnDProject, verbose_name=_("研发项目"), on_delete=models.CASCADE, related_name="status_changes"
    )
    action = models.CharField(_("操作"), max_length=16)
    from_status = models.CharField(_("原状态"), max_length=16, choices=ProjectStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=ProjectStatus.choices)
    reason = models.TextField(_("原因"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("操作时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "unit"

    class Meta:
        verbose_name = _("项目状态变更")
        verbose_name_plural = pgettext_lazy("plural", "项目状态变更")
        ordering = ["-decided_at", "-id"]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(project__status__in=PUBLIC_PROJECT_STATUSES) | Q(project_id__in=_partner_project_ids(user))

    def __str__(self) -> str:
        return f"{self.project_id}: {self.from_status} → {self.to_status}"


class TechnicalService(TenantModel):
    """A technical service (技术服务) a provider (school, institute) delivered to a client unit (enterprise)."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("服务提供单位"), on_delete=models.PROTECT, related_name="technical_services_given"
    )
    client_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("服务对象单位"),
        on_delete=models.PROTECT,
        related_name="technical_services_received",
    )
    project = models.ForeignKey(
        RnDProject,
        verbose_name=_("关联项目"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="technical_services",
    )
    kind = models.CharField(_("服务类型"), max_length=24, choices=ServiceKind.choices)
    title = models.CharField(_("服务名称"), max_length=160)
    delivered_on = models.DateField(_("完成日期"))
    value = _money(_("合同金额（万元）"), default=0)
    outcome = models.TextField(_("服务成效"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("技术服务")
        verbose_name_plural = pgettext_lazy("plural", "技术服务")
        ordering = ["-delivered_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="technical_service_value_non_negative"),
            models.CheckConstraint(
                condition=~Q(unit=F("client_unit")),
                name="technical_service_distinct_units",
                violation_error_message=_("服务提供单位与服务对象单位不能相同。"),
            ),
        ]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(client_unit_id__in=list(unit_roles(user)))

    def __str__(self) -> str:
        return self.title


class Achievement(TenantModel):
    """An achievement (成果): patent, software copyright, result or standard, owned by ``unit``."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("权属单位"), on_delete=models.PROTECT, related_name="achievements"
    )
    kind = models.CharField(_("成果类型"), max_length=24, choices=AchievementKind.choices)
    title = models.CharField(_("成果名称"), max_length=160)
    number = models.CharField(_("编号"), max_length=60, blank=True, help_text=_("专利号、登记号或标准号。"))
    obtained_on = models.DateField(_("取得日期"), null=True, blank=True)
    project = models.ForeignKey(
        RnDProject,
        verbose_name=_("来源项目"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="achievements",
    )
    description = models.TextField(_("简介"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_every_row)

    class Meta:
        verbose_name = _("科技成果")
        verbose_name_plural = pgettext_lazy("plural", "科技成果")
        ordering = ["-obtained_on", "-id"]

    def __str__(self) -> str:
        return self.title


class AchievementTransfer(TenantModel):
    """A transfer of an achievement (成果转化) to a member unit or an external licensee; ``unit`` = the owner."""

    unit = models.ForeignKey(MemberUnit, verbose_name=_("权属单位"), on_delete=models.PROTECT, related_name="+")
    achievement = models.ForeignKey(
        Achievement, verbose_name=_("成果"), on_delete=models.CASCADE, related_name="transfers"
    )
    licensee_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("受让单位（成员）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="achievements_received",
    )
    licensee_name = models.CharField(_("受让方（非成员）"), max_length=120, blank=True)
    mode = models.CharField(_("转化方式"), max_length=12, choices=TransferMode.choices)
    amount = _money(_("金额（万元）"), default=0)
    transferred_on = models.DateField(_("转化日期"))
    note = models.TextField(_("说明"), blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_every_row)

    class Meta:
        verbose_name = _("成果转化")
        verbose_name_plural = pgettext_lazy("plural", "成果转化")
        ordering = ["-transferred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="achievement_transfer_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(licensee_unit__isnull=False) | ~Q(licensee_name=""),
                name="achievement_transfer_has_licensee",
                violation_error_message=_("请选择受让成员单位或填写受让方名称。"),
            ),
        ]

    @property
    def licensee_display(self) -> str:
        return str(self.licensee_unit) if self.licensee_unit_id else self.licensee_name

    def __str__(self) -> str:
        return f"{self.achievement_id} → {self.licensee_unit_id or self.licensee_name}"
