"""Practice centres (plan §三(三)): centres with opening hours and closures, bookable resources, bookings with
cross-unit approval and a waiting list, social training sessions with trainees, production records.

Read policy:

* centres, their opening hours, closures and resources: the owner and operator units always; every member of the
  consortium while the centre is published (``is_published``);
* bookings (and their status history): the booking unit and the centre's owner and operator units;
* training sessions: the organising unit and the centre's owner/operator; consortium-wide while the centre is
  published; trainees (personal data): the organising unit only;
* production records: the recording unit and the centre's owner/operator; the client unit reads its own.

Secretariat and officials read the whole consortium (kernel rule). Writes: unit admins of the owner/operator
(centre data), of the organising unit (trainees) or of the recording unit; bookings also by staff of the booking
unit. Workflow decisions (approve, refuse, cancel, ...) go through ``practice_center.services``, which checks the
specific party.

Double booking is prevented in the database: ``Booking.resource_exclusive`` copies ``Resource.exclusive`` so that a
PostgreSQL exclusion constraint (migration 0002) rejects overlapping holding bookings of an exclusive resource;
shared resources are serialised by a row lock on the resource in ``services.booking_request``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.models import Industry, MemberUnit, TenantModel
from consortium.tenancy.scoping import unit_roles
from schools.rules import validate_id_number

from .choices import (
    BookingPurpose,
    BookingStatus,
    CentreForm,
    CentreKind,
    ProductionKind,
    ResourceKind,
    TrainingStatus,
    Weekday,
)

__all__ = [
    "PracticeCentre",
    "OpeningHours",
    "CentreClosure",
    "Resource",
    "Booking",
    "BookingStatusChange",
    "TrainingSession",
    "Trainee",
    "ProductionRecord",
    "EXCLUSION_CONSTRAINT_NAME",
]

ADMIN_WRITES = frozenset({UnitRole.UNIT_ADMIN})
ADMIN_AND_STAFF_WRITES = frozenset({UnitRole.UNIT_ADMIN, UnitRole.UNIT_STAFF})

#: Name of the PostgreSQL exclusion constraint of migration 0002 (services translate its IntegrityError).
EXCLUSION_CONSTRAINT_NAME = "practice_booking_no_overlap_exclusive"


def _money(verbose: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=12, decimal_places=2, validators=[MinValueValidator(0)], **kwargs)


def _user_unit_ids(user: Any) -> list[int]:
    return list(unit_roles(user)) if user is not None and getattr(user, "is_authenticated", False) else []


def _centre_q(prefix: str, unit_ids: list[int]) -> Q:
    """Rows whose centre (reached through ``prefix``) is owned or operated by one of ``unit_ids``."""
    return Q(**{f"{prefix}owner_unit_id__in": unit_ids}) | Q(**{f"{prefix}operator_unit_id__in": unit_ids})


# --- centres --------------------------------------------------------------------------------------------------


class PracticeCentre(TenantModel):
    """A practice centre (实践中心): public regional, enterprise or school centre (校中厂, 厂中校, ...).

    ``owner_unit`` owns it, ``operator_unit`` runs it (they may differ); ``unit`` mirrors ``owner_unit`` for the
    uniform tenant filter and is kept in sync by ``save()``."""

    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        blank=True,  # derived from owner_unit by clean()/save()
    )
    owner_unit = models.ForeignKey(
        MemberUnit, verbose_name=_("产权单位"), on_delete=models.PROTECT, related_name="practice_centres_owned"
    )
    operator_unit = models.ForeignKey(
        MemberUnit, verbose_name=_("运营单位"), on_delete=models.PROTECT, related_name="practice_centres_operated"
    )
    name = models.CharField(_("中心名称"), max_length=120)
    kind = models.CharField(_("中心类型"), max_length=20, choices=CentreKind.choices)
    form = models.CharField(_("建设形式"), max_length=24, choices=CentreForm.choices, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    description = models.TextField(_("简介"), blank=True)
    offers_practice_teaching = models.BooleanField(_("提供实践教学"), default=True)
    offers_social_training = models.BooleanField(_("提供社会培训"), default=False)
    offers_production = models.BooleanField(_("提供真实生产"), default=False)
    offers_technical_service = models.BooleanField(_("提供技术服务"), default=False)
    is_published = models.BooleanField(
        _("对联合体公开"), default=True, help_text=_("公开后，联合体全体成员可查看中心及其资源并预约。")
    )
    auto_approve_own = models.BooleanField(
        _("本单位预约自动批准"), default=True, help_text=_("产权单位和运营单位自己的预约无需审批。")
    )
    contact_person = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("实践中心")
        verbose_name_plural = pgettext_lazy("plural", "实践中心")
        ordering = ["consortium", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "name"],
                name="uniq_practice_centre_name",
                violation_error_message=_("联合体内已有同名的实践中心。"),
            ),
            models.CheckConstraint(
                condition=Q(unit=F("owner_unit")),
                name="practice_centre_unit_is_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["consortium", "unit"], name="practice_centre_scope_idx"),
            models.Index(fields=["consortium", "operator_unit"], name="practice_centre_operator_idx"),
        ]

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return _centre_q("", unit_ids)

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(is_published=True)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.unit_id = self.owner_unit_id
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "owner_unit" in update_fields:
            kwargs["update_fields"] = {*update_fields, "unit"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self.unit_id = self.owner_unit_id

    @property
    def unit_ids(self) -> set[int]:
        """The centre's own units (owner and operator)."""
        return {self.owner_unit_id, self.operator_unit_id}

    @property
    def offered_purposes(self) -> list[str]:
        flags = {
            BookingPurpose.PRACTICE_TEACHING: self.offers_practice_teaching,
            BookingPurpose.SOCIAL_TRAINING: self.offers_social_training,
            BookingPurpose.PRODUCTION: self.offers_production,
            BookingPurpose.TECHNICAL_SERVICE: self.offers_technical_service,
        }
        return [purpose.value for purpose, offered in flags.items() if offered]

    def __str__(self) -> str:
        return self.name


class CentreChild(TenantModel):
    """Rows that belong to a centre: scoped like the centre (owner/operator; consortium-wide when published)."""

    SCOPE_UNIT_FIELD = "centre__unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        abstract = True

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return _centre_q("centre__", unit_ids)

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(centre__is_published=True)


class OpeningHours(CentreChild):
    """One opening window of a centre on a weekday (local time); several per weekday, no overlap; none = closed."""

    centre = models.ForeignKey(
        PracticeCentre, verbose_name=_("实践中心"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(
        _("星期"), choices=Weekday.choices, validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    opens = models.TimeField(_("开放时间"))
    closes = models.TimeField(_("关闭时间"))

    class Meta:
        verbose_name = _("开放时间")
        verbose_name_plural = pgettext_lazy("plural", "开放时间")
        ordering = ["centre", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")),
                name="practice_opening_hours_closes_after_opens",
                violation_error_message=_("关闭时间必须晚于开放时间。"),
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="practice_opening_hours_weekday_range"
            ),
        ]
        indexes = [models.Index(fields=["centre", "weekday"], name="practice_hours_centre_idx")]

    def clean(self) -> None:
        super().clean()
        if self.opens is not None and self.closes is not None and self.closes <= self.opens:
            raise ValidationError({"closes": _("关闭时间必须晚于开放时间。")})

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class CentreClosure(CentreChild):
    """A period when the centre is closed (holiday, maintenance); bookings may not overlap it."""

    centre = models.ForeignKey(
        PracticeCentre, verbose_name=_("实践中心"), on_delete=models.CASCADE, related_name="closures"
    )
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("闭馆安排")
        verbose_name_plural = pgettext_lazy("plural", "闭馆安排")
        ordering = ["centre", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="practice_closure_end_after_start",
                violation_error_message=_("结束时间必须晚于开始时间。"),
            )
        ]
        indexes = [models.Index(fields=["centre", "start"], name="practice_closure_centre_idx")]

    def clean(self) -> None:
        super().clean()
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("结束时间必须晚于开始时间。")})

    def __str__(self) -> str:
        return f"{self.centre_id}: {self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"


class Resource(CentreChild):
    """A bookable resource of a centre: a room, a workstation or a piece of equipment.

    ``exclusive``: one booking at a time (``capacity`` is then 1); otherwise shared by up to ``capacity`` people
    (seats) at any moment."""

    centre = models.ForeignKey(
        PracticeCentre, verbose_name=_("实践中心"), on_delete=models.CASCADE, related_name="resources"
    )
    kind = models.CharField(_("资源类型"), max_length=16, choices=ResourceKind.choices)
    name = models.CharField(_("名称"), max_length=120)
    code = models.CharField(_("编号"), max_length=40, blank=True)
    exclusive = models.BooleanField(
        _("整体预约"), default=True, help_text=_("整体预约的资源同一时段只接受一个预约；否则按座位数共享。")
    )
    capacity = models.PositiveIntegerField(_("座位数"), default=1, validators=[MinValueValidator(1)])
    programmes = models.ManyToManyField(
        "schools.Programme", verbose_name=_("服务专业"), related_name="practice_resources", blank=True
    )
    industries = models.ManyToManyField(
        Industry, verbose_name=_("服务产业"), related_name="practice_resources", blank=True
    )
    hourly_fee = _money(_("收费标准（元/小时）"), null=True, blank=True)
    is_active = models.BooleanField(_("可预约"), default=True)
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("实践资源")
        verbose_name_plural = pgettext_lazy("plural", "实践资源")
        ordering = ["centre", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "name"],
                name="uniq_practice_resource_name",
                violation_error_message=_("该中心已有同名资源。"),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="practice_resource_capacity_positive",
                violation_error_message=_("座位数至少为1。"),
            ),
            models.CheckConstraint(
                condition=Q(exclusive=False) | Q(capacity=1),
                name="practice_resource_exclusive_capacity_one",
                violation_error_message=_("整体预约的资源座位数必须为1。"),
            ),
            models.CheckConstraint(
                condition=Q(hourly_fee__isnull=True) | Q(hourly_fee__gte=0),
                name="practice_resource_fee_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["consortium", "centre"], name="practice_resource_scope_idx")]

    def clean(self) -> None:
        super().clean()
        if self.exclusive and self.capacity != 1:
            raise ValidationError({"capacity": _("整体预约的资源座位数必须为1。")})

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name


# --- bookings -------------------------------------------------------------------------------------------------


class Booking(TenantModel):
    """A booking of a resource by a member unit (``unit``) for a purpose and a half-open time range [start, end).

    ``pending`` and ``approved`` bookings hold the slot; ``waitlisted`` ones wait for it to free. ``centre`` and
    ``resource_exclusive`` are copied from the resource so that the database can enforce the rules alone."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("预约单位"), on_delete=models.PROTECT, related_name="practice_bookings"
    )
    centre = models.ForeignKey(
        PracticeCentre, verbose_name=_("实践中心"), on_delete=models.PROTECT, related_name="bookings"
    )
    resource = models.ForeignKey(Resource, verbose_name=_("资源"), on_delete=models.PROTECT, related_name="bookings")
    resource_exclusive = models.BooleanField(_("整体预约"), default=True, editable=False)
    purpose = models.CharField(_("用途"), max_length=20, choices=BookingPurpose.choices)
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    headcount = models.PositiveIntegerField(_("人数"), default=1, validators=[MinValueValidator(1)])
    order_class = models.ForeignKey(
        "enterprises.OrderClass",
        verbose_name=_("所属订单班"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practice_bookings",
    )
    training_session = models.ForeignKey(
        "TrainingSession",
        verbose_name=_("所属培训班"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
    )
    title = models.CharField(_("事由"), max_length=160, blank=True)
    note = models.TextField(_("备注"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.PENDING, db_index=True
    )
    decision_reason = models.TextField(_("审批意见"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    fee = _money(_("费用（元）"), null=True, blank=True)
    government_purchase = models.BooleanField(_("政府购买服务"), default=False)
    government_amount = _money(_("政府购买金额（元）"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_AND_STAFF_WRITES

    class Meta:
        verbose_name = _("资源预约")
        verbose_name_plural = pgettext_lazy("plural", "资源预约")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="practice_booking_end_after_start",
                violation_error_message=_("结束时间必须晚于开始时间。"),
            ),
            models.CheckConstraint(
                condition=Q(headcount__gte=1),
                name="practice_booking_headcount_positive",
                violation_error_message=_("人数至少为1。"),
            ),
            models.CheckConstraint(
                condition=Q(fee__isnull=True) | Q(fee__gte=0), name="practice_booking_fee_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(government_amount__isnull=True) | Q(government_amount__gte=0, government_purchase=True),
                name="practice_booking_government_amount",
                violation_error_message=_("只有政府购买服务的预约才能填写政府购买金额。"),
            ),
        ]
        indexes = [
            models.Index(fields=["consortium", "unit"], name="practice_booking_scope_idx"),
            models.Index(fields=["resource", "start"], name="practice_booking_resource_idx"),
            models.Index(fields=["centre", "start"], name="practice_booking_centre_idx"),
            models.Index(fields=["consortium", "status", "start"], name="practice_booking_status_idx"),
        ]

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return Q(unit_id__in=unit_ids) | _centre_q("centre__", unit_ids)

    def clean(self) -> None:
        super().clean()
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("结束时间必须晚于开始时间。")})
        if self.government_amount is not None and not self.government_purchase:
            raise ValidationError({"government_amount": _("只有政府购买服务的预约才能填写政府购买金额。")})

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600 if self.start and self.end else 0.0

    def __str__(self) -> str:
        return f"{self.resource_id} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


class BookingStatusChange(TenantModel):
    """Audit trail of a booking: who moved it from which status to which, when and why (services only)."""

    unit = models.ForeignKey(MemberUnit, verbose_name=_("预约单位"), on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(
        Booking, verbose_name=_("资源预约"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=BookingStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=BookingStatus.choices)
    reason = models.TextField(_("原因"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("操作时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "unit"

    class Meta:
        verbose_name = _("预约状态变更")
        verbose_name_plural = pgettext_lazy("plural", "预约状态变更")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["booking", "at"], name="practice_booking_change_idx")]

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return Q(unit_id__in=unit_ids) | _centre_q("booking__centre__", unit_ids)

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status} → {self.to_status}"


# --- social training ------------------------------------------------------------------------------------------


class TrainingSession(TenantModel):
    """A social training session (社会培训班) organised by ``unit`` at a centre; ``hours`` per trainee."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="practice_training_sessions"
    )
    centre = models.ForeignKey(
        PracticeCentre, verbose_name=_("实践中心"), on_delete=models.PROTECT, related_name="training_sessions"
    )
    course = models.CharField(_("培训课程"), max_length=160)
    trainer_teacher = models.ForeignKey(
        "schools.Teacher",
        verbose_name=_("培训教师"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practice_training_sessions",
    )
    trainer_expert = models.ForeignKey(
        "schools.PoolExpert",
        verbose_name=_("企业专家"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practice_training_sessions",
    )
    trainer_name = models.CharField(
        _("培训师"), max_length=60, blank=True, help_text=_("培训师不在教师或专家库中时填写。")
    )
    start_date = models.DateField(_("开班日期"))
    end_date = models.DateField(_("结业日期"))
    hours = models.DecimalField(
        _("培训学时"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(0)],
        help_text=_("每名学员的学时。"),
    )
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=TrainingStatus.choices, default=TrainingStatus.PLANNED, db_index=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("社会培训班")
        verbose_name_plural = pgettext_lazy("plural", "社会培训班")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="practice_training_end_after_start",
                violation_error_message=_("结业日期不能早于开班日期。"),
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0),
                name="practice_training_hours_positive",
                violation_error_message=_("培训学时必须大于0。"),
            ),
            models.CheckConstraint(
                condition=Q(trainer_teacher__isnull=True) | Q(trainer_expert__isnull=True),
                name="practice_training_one_trainer",
                violation_error_message=_("培训教师和企业专家只能选择其一。"),
            ),
        ]
        indexes = [
            models.Index(fields=["consortium", "unit"], name="practice_training_scope_idx"),
            models.Index(fields=["centre", "start_date"], name="practice_training_centre_idx"),
        ]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        # The hosting centre's units read the sessions held there; published centres' sessions are public.
        return Q(centre__is_published=True) | _centre_q("centre__", _user_unit_ids(user))

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("结业日期不能早于开班日期。")})
        if self.hours is not None and self.hours <= 0:
            raise ValidationError({"hours": _("培训学时必须大于0。")})
        if self.trainer_teacher_id and self.trainer_expert_id:
            raise ValidationError({"trainer_expert": _("培训教师和企业专家只能选择其一。")})

    @property
    def trainer_display(self) -> str:
        if self.trainer_teacher_id:
            return str(self.trainer_teacher)
        if self.trainer_expert_id:
            return str(self.trainer_expert)
        return self.trainer_name

    def __str__(self) -> str:
        return self.course


class Trainee(TenantModel):
    """A trainee of a session. Personal data (``id_number``, ``phone``): only the organising unit (``unit``),
    the secretariat and officials read these rows."""

    unit = models.ForeignKey(MemberUnit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        TrainingSession, verbose_name=_("培训班"), on_delete=models.CASCADE, related_name="trainees"
    )
    name = models.CharField(_("姓名"), max_length=60)
    employer_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("工作单位（成员）"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    employer_name = models.CharField(_("工作单位（非成员）"), max_length=120, blank=True)
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True, validators=[validate_id_number])
    phone = models.CharField(_("手机"), max_length=30, blank=True)
    attended_hours = models.DecimalField(
        _("出勤学时"), max_digits=6, decimal_places=1, default=0, validators=[MinValueValidator(0)]
    )
    completed = models.BooleanField(_("已结业"), default=False)
    certificate_no = models.CharField(_("证书编号"), max_length=60, blank=True)
    certificate_issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("培训学员")
        verbose_name_plural = pgettext_lazy("plural", "培训学员")
        ordering = ["session", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(attended_hours__gte=0), name="practice_trainee_attendance_non_negative"),
            models.CheckConstraint(
                condition=Q(completed=True) | (Q(certificate_no="") & Q(certificate_issued_on__isnull=True)),
                name="practice_trainee_certificate_needs_completion",
                violation_error_message=_("学员结业后才能发放证书。"),
            ),
        ]
        indexes = [models.Index(fields=["consortium", "unit"], name="practice_trainee_scope_idx")]

    @property
    def employer_display(self) -> str:
        return str(self.employer_unit) if self.employer_unit_id else self.employer_name

    def __str__(self) -> str:
        return self.name


# --- production -----------------------------------------------------------------------------------------------


class ProductionRecord(TenantModel):
    """Real production or a technical service delivered at a centre (``unit`` = the recording unit, normally the
    operator), for a member client unit or an external client."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("登记单位"), on_delete=models.PROTECT, related_name="practice_production_records"
    )
    centre = models.ForeignKey(
        PracticeCentre, verbose_name=_("实践中心"), on_delete=models.PROTECT, related_name="production_records"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=ProductionKind.choices)
    client_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("客户（成员单位）"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    client_name = models.CharField(_("客户（非成员）"), max_length=120, blank=True)
    item = models.CharField(_("产品或服务"), max_length=160)
    quantity = models.CharField(_("数量"), max_length=60, blank=True)
    value = models.DecimalField(
        _("产值（万元）"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    date = models.DateField(_("日期"))
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("生产与技术服务记录")
        verbose_name_plural = pgettext_lazy("plural", "生产与技术服务记录")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="practice_production_value_non_negative"),
            models.CheckConstraint(
                condition=Q(client_unit__isnull=False) | ~Q(client_name=""),
                name="practice_production_has_client",
                violation_error_message=_("请选择客户成员单位或填写客户名称。"),
            ),
        ]
        indexes = [
            models.Index(fields=["consortium", "unit"], name="practice_production_scope_idx"),
            models.Index(fields=["centre", "date"], name="practice_production_centre_idx"),
        ]

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return Q(unit_id__in=unit_ids) | _centre_q("centre__", unit_ids)

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(client_unit_id__in=_user_unit_ids(user))

    @property
    def client_display(self) -> str:
        return str(self.client_unit) if self.client_unit_id else self.client_name

    def __str__(self) -> str:
        return self.item
