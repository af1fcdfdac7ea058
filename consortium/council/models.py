"""Council governance (plan §三(二)): the council (理事会), its seats, governance documents with versions,
meetings with agenda, attendance, resolutions and votes.

Every row carries ``consortium`` (indexed) even where it is derivable through a parent (DESIGN.md §3).
Only the secretariat writes (``UNIT_WRITE_ROLES`` stays empty); reads follow ``shared_read_q`` below.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from consortium.tenancy.models import MemberUnit, TenantModel
from consortium.tenancy.validators import MaxFileSizeValidator as _KernelMaxFileSizeValidator

from .choices import (
    ATTENDING_STATUSES,
    AttendanceStatus,
    DocumentKind,
    MeetingKind,
    MeetingStatus,
    PassRule,
    ResolutionStatus,
    SeatRole,
    VersionStatus,
    VoteChoice,
)

ATTACHMENT_EXTENSIONS = ["pdf", "doc", "docx", "odt", "txt"]

# Historical migrations import the validator from here.
MaxFileSizeValidator = _KernelMaxFileSizeValidator


validate_attachment_extension = FileExtensionValidator(
    allowed_extensions=ATTACHMENT_EXTENSIONS,
    message=_("不支持的附件类型“%(extension)s”，仅允许：%(allowed_extensions)s。"),
)
validate_attachment_size = MaxFileSizeValidator()


def version_attachment_path(instance: DocumentVersion, filename: str) -> str:
    base = os.path.basename(filename)
    return f"council/{instance.consortium_id}/documents/{instance.document_id}/{base}"


# --- council and seats ----------------------------------------------------------------------------------------


class Council(TenantModel):
    """The council (理事会) of a consortium: exactly one per consortium; every member reads it."""

    name = models.CharField(_("名称"), max_length=120)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        verbose_name = _("理事会")
        verbose_name_plural = pgettext_lazy("plural", "理事会")
        ordering = ["consortium", "name"]
        constraints = [models.UniqueConstraint(fields=["consortium"], name="uniq_council_per_consortium")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(pk__isnull=False)  # all rows (an empty Q() would vanish when OR-ed)

    def __str__(self) -> str:
        return self.name


class CouncilSeat(TenantModel):
    """A seat on the council held by a person on behalf of a member unit for a term."""

    council = models.ForeignKey(Council, verbose_name=_("理事会"), on_delete=models.CASCADE, related_name="seats")
    role = models.CharField(_("职务"), max_length=20, choices=SeatRole.choices, default=SeatRole.MEMBER)
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("成员单位"), on_delete=models.PROTECT, related_name="council_seats"
    )
    person_name = models.CharField(_("姓名"), max_length=60)
    person_title = models.CharField(_("单位职务"), max_length=80, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("门户账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="council_seats",
    )
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期结束"))

    SCOPE_UNIT_FIELD = "unit"

    class Meta:
        verbose_name = _("理事席位")
        verbose_name_plural = pgettext_lazy("plural", "理事席位")
        ordering = ["council", "role", "person_name"]
        constraints = [
            models.CheckConstraint(condition=Q(term_end__gte=F("term_start")), name="seat_term_end_after_start"),
        ]
        indexes = [models.Index(fields=["consortium", "term_start", "term_end"], name="seat_scope_idx")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(pk__isnull=False)  # the council's composition is public inside the consortium

    def clean(self) -> None:
        super().clean()
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError({"term_end": _("任期结束日期不能早于任期开始日期。")})

    def is_active_on(self, day: Any) -> bool:
        return self.term_start <= day <= self.term_end

    @property
    def is_active(self) -> bool:
        return self.is_active_on(timezone.localdate())

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.person_name}"


# --- governance documents -------------------------------------------------------------------------------------


class GovernanceDocument(TenantModel):
    """Charter, rules of procedure, assessment & incentive rules... The text lives in its versions."""

    kind = models.CharField(_("类型"), max_length=24, choices=DocumentKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    OBJECT_PERMISSION_MODEL = "council.GovernanceDocumentUserObjectPermission"

    class Meta:
        verbose_name = _("治理文件")
        verbose_name_plural = pgettext_lazy("plural", "治理文件")
        ordering = ["consortium", "kind", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "kind"], condition=~Q(kind="other"), name="uniq_governance_document_kind"
            ),
        ]
        indexes = [models.Index(fields=["consortium", "kind"], name="govdoc_scope_idx")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        # Adopted documents are public inside the consortium; drafts only for secretariat, officials and shares.
        # A subquery, not a join: no duplicate rows.
        adopted = DocumentVersion.objects.filter(status=VersionStatus.ADOPTED).values("document_id")
        return Q(pk__in=adopted)

    def __str__(self) -> str:
        return self.title


class GovernanceDocumentUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian table: a draft document shared with a named user (never a global permission)."""

    content_object = models.ForeignKey(GovernanceDocument, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("治理文件用户授权")
        verbose_name_plural = pgettext_lazy("plural", "治理文件用户授权")


class GovernanceDocumentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(GovernanceDocument, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("治理文件用户组授权")
        verbose_name_plural = pgettext_lazy("plural", "治理文件用户组授权")


class DocumentVersion(TenantModel):
    """One version of a governance document. Adopting a version supersedes the previously adopted one."""

    document = models.ForeignKey(
        GovernanceDocument, verbose_name=_("治理文件"), on_delete=models.CASCADE, related_name="versions"
    )
    version_no = models.PositiveIntegerField(_("版本号"))
    text = models.TextField(_("正文"), blank=True)
    attachment = models.FileField(
        _("附件"),
        upload_to=version_attachment_path,
        blank=True,
        max_length=255,
        validators=[validate_attachment_extension, validate_attachment_size],
        help_text=_("PDF、DOC、DOCX、ODT 或 TXT 文件。"),
    )
    status = models.CharField(_("状态"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    adopted_at_meeting = models.ForeignKey(
        "council.Meeting",
        verbose_name=_("通过会议"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adopted_versions",
    )
    adopted_on = models.DateField(_("通过日期"), null=True, blank=True)
    # Rules of procedure only.
    quorum_numerator = models.PositiveSmallIntegerField(_("法定人数分子"), null=True, blank=True)
    quorum_denominator = models.PositiveSmallIntegerField(_("法定人数分母"), null=True, blank=True)
    pass_rule = models.CharField(_("表决通过规则"), max_length=20, choices=PassRule.choices, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文件版本")
        verbose_name_plural = pgettext_lazy("plural", "文件版本")
        ordering = ["document", "-version_no"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version_no"], name="uniq_document_version_no"),
            models.CheckConstraint(
                condition=Q(quorum_numerator__isnull=True)
                | Q(quorum_denominator__isnull=True)
                | Q(quorum_numerator__lte=F("quorum_denominator")),
                name="version_quorum_at_most_one",
            ),
        ]
        indexes = [models.Index(fields=["consortium", "status"], name="docversion_scope_idx")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        # Adopted and superseded (once adopted, now history) versions are public inside the consortium;
        # drafts follow the document's explicit shares.
        shared_docs = GovernanceDocumentUserObjectPermission.objects.filter(
            user_id=user.pk, permission__codename="view_governancedocument"
        ).values("content_object_id")
        return Q(status__in=[VersionStatus.ADOPTED, VersionStatus.SUPERSEDED]) | Q(document_id__in=shared_docs)

    @property
    def quorum_fraction(self) -> tuple[int, int] | None:
        if self.quorum_numerator and self.quorum_denominator:
            return self.quorum_numerator, self.quorum_denominator
        return None

    def __str__(self) -> str:
        return f"{self.document} v{self.version_no}"


# --- meetings -------------------------------------------------------------------------------------------------


def _meeting_public_q(prefix: str = "") -> Q:
    return ~Q(**{f"{prefix}status": MeetingStatus.DRAFT})


class Meeting(TenantModel):
    """A council meeting: noticed, held, minuted and closed (or cancelled)."""

    council = models.ForeignKey(Council, verbose_name=_("理事会"), on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("会议名称"), max_length=200)
    kind = models.CharField(_("会议类型"), max_length=16, choices=MeetingKind.choices, default=MeetingKind.REGULAR)
    scheduled_at = models.DateTimeField(_("召开时间"))
    location = models.CharField(_("地点"), max_length=200, blank=True)
    notice = models.TextField(_("会议通知"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT)
    minutes = models.TextField(_("会议纪要"), blank=True)
    rules_version = models.ForeignKey(
        DocumentVersion,
        verbose_name=_("适用议事规程"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
    )
    noticed_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    notice_sent_at = models.DateTimeField(_("通知邮件发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("理事会会议")
        verbose_name_plural = pgettext_lazy("plural", "理事会会议")
        ordering = ["-scheduled_at", "-id"]
        indexes = [models.Index(fields=["consortium", "status", "scheduled_at"], name="meeting_scope_idx")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return _meeting_public_q()  # drafts: secretariat and officials only

    @property
    def meeting_date(self) -> Any:
        return timezone.localtime(self.scheduled_at).date()

    def __str__(self) -> str:
        return self.title


class AgendaItem(TenantModel):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    title = models.CharField(_("议题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    presenter = models.CharField(_("汇报人"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("会议议程")
        verbose_name_plural = pgettext_lazy("plural", "会议议程")
        ordering = ["meeting", "position", "id"]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return _meeting_public_q("meeting__")

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Attendance(TenantModel):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendances")
    seat = models.ForeignKey(
        CouncilSeat, verbose_name=_("理事席位"), on_delete=models.CASCADE, related_name="attendances"
    )
    status = models.CharField(_("出席情况"), max_length=10, choices=AttendanceStatus.choices)
    proxy_name = models.CharField(_("受托人"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("出席记录")
        verbose_name_plural = pgettext_lazy("plural", "出席记录")
        ordering = ["meeting", "seat__role", "seat__person_name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "seat"], name="uniq_attendance_seat")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return _meeting_public_q("meeting__")

    @property
    def is_attending(self) -> bool:
        return self.status in ATTENDING_STATUSES

    def __str__(self) -> str:
        return f"{self.seat}: {self.get_status_display()}"


class Resolution(TenantModel):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="resolutions")
    agenda_item = models.ForeignKey(
        AgendaItem, verbose_name=_("议程"), on_delete=models.SET_NULL, null=True, blank=True, related_name="resolutions"
    )
    number = models.CharField(_("决议编号"), max_length=20, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("决议内容"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ResolutionStatus.choices, default=ResolutionStatus.PROPOSED
    )
    decided_at = models.DateTimeField(_("表决时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("决议")
        verbose_name_plural = pgettext_lazy("plural", "决议")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "number"], condition=~Q(number=""), name="uniq_resolution_number"
            ),
        ]
        indexes = [models.Index(fields=["consortium", "status", "number"], name="resolution_scope_idx")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return _meeting_public_q("meeting__")

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


class Vote(TenantModel):
    resolution = models.ForeignKey(Resolution, verbose_name=_("决议"), on_delete=models.CASCADE, related_name="votes")
    seat = models.ForeignKey(CouncilSeat, verbose_name=_("理事席位"), on_delete=models.CASCADE, related_name="votes")
    choice = models.CharField(_("表决意见"), max_length=10, choices=VoteChoice.choices)

    class Meta:
        verbose_name = _("表决票")
        verbose_name_plural = pgettext_lazy("plural", "表决票")
        ordering = ["resolution", "seat__role", "seat__person_name"]
        constraints = [models.UniqueConstraint(fields=["resolution", "seat"], name="uniq_vote_seat")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return _meeting_public_q("resolution__meeting__")

    def __str__(self) -> str:
        return f"{self.seat}: {self.get_choice_display()}"
