"""Schools (plan §三(一) planning alignment, 三(四) programmes, 三(六) teachers) and students (the supply side).

Every tenant row carries ``consortium`` and its owning member unit ``unit`` as indexed foreign keys (DESIGN.md §3).
Read policy per model (see ``shared_read_q``):

* published, consortium-wide: school profiles, campuses, programmes, programme groups, offerings, industry links,
  industry professors, studios, training bases, student certificates, listed pool experts;
* own unit + secretariat + officials only: teachers, dual-qualification certifications, enterprise practice;
* both units of an engagement request (requesting school and the expert's unit);
* students: every user of the consortium may list them (they are the supply side of matching), but the personal
  fields (name, student number, ID number, phone) are shown only to the owning school, the secretariat and users the
  record was explicitly shared with (``student_share``; guardian direct-FK tables). Serializers and templates use
  ``schools.selectors.student_view_mode`` / ``STUDENT_PUBLIC_FIELDS`` to decide.

Writes: unit admins of the owning unit (``UNIT_WRITE_ROLES``) and the secretariat. Multi-row invariants (the part-time
cap, same-school relations, engagement decisions) are enforced in ``schools.services``.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from consortium.tenancy.choices import UnitKind, UnitRole
from consortium.tenancy.models import Industry, LocalChain, MemberUnit, TenantModel
from consortium.tenancy.scoping import is_platform_admin
from consortium.tenancy.validators import validate_upload_size

from .choices import (
    CatalogueLevel,
    CertificateKind,
    DualLevel,
    Employment,
    EngagementStatus,
    Gender,
    OfferingStatus,
    PriorityClass,
    ProfessorKind,
    SchoolLevel,
    StudentStatus,
    StudioKind,
    TrainingBaseKind,
)
from .rules import practice_hours_problem, validate_id_number

ADMIN_WRITES = frozenset({UnitRole.UNIT_ADMIN})
EVIDENCE_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "doc", "docx"]


def _all_rows(cls: type, user: Any) -> Q:
    """``shared_read_q`` of published models: every row of the consortium."""
    return Q(pk__isnull=False)  # every row of the consortium (an empty Q() would vanish when OR-ed)


def _unit_fk(verbose: Any, related_name: str, **kwargs: Any) -> models.ForeignKey:
    return models.ForeignKey(
        MemberUnit, verbose_name=verbose, on_delete=models.PROTECT, related_name=related_name, db_index=True, **kwargs
    )


# --- reference data (global) --------------------------------------------------------------------------------------


class ProgrammeMajorCategoryQuerySet(models.QuerySet):
    """Reference data: readable by every signed-in user, written by platform admins (like ``tenancy.Industry``)."""

    def visible_to(self, user: Any) -> ProgrammeMajorCategoryQuerySet:
        return self if (user and user.is_authenticated and user.is_active) else self.none()

    def editable_by(self, user: Any) -> ProgrammeMajorCategoryQuerySet:
        return self if is_platform_admin(user) else self.none()


class ProgrammeMajorCategory(models.Model):
    """A major category (专业大类) of the 2021 vocational programme catalogue, with its two-digit code per level."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    code_secondary = models.CharField(_("中职代码"), max_length=2, unique=True)
    code_associate = models.CharField(_("高职专科代码"), max_length=2, unique=True)
    code_bachelor = models.CharField(_("职业本科代码"), max_length=2, unique=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = ProgrammeMajorCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("专业大类")
        verbose_name_plural = pgettext_lazy("plural", "专业大类")
        ordering = ["position", "code_associate"]

    def code_for(self, level: str) -> str:
        """The two-digit code of this category at catalogue ``level`` ("" for an unknown level)."""
        return {
            CatalogueLevel.SECONDARY: self.code_secondary,
            CatalogueLevel.ASSOCIATE: self.code_associate,
            CatalogueLevel.BACHELOR: self.code_bachelor,
        }.get(level, "")

    def __str__(self) -> str:
        return self.name


# --- schools ------------------------------------------------------------------------------------------------------


class SchoolProfile(TenantModel):
    """The school-specific data of a member unit of kind ``school``. Its ``staffing_quota`` drives the part-time cap."""

    unit = models.OneToOneField(
        MemberUnit, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="school_profile"
    )
    level = models.CharField(_("办学层次"), max_length=24, choices=SchoolLevel.choices)
    staffing_quota = models.PositiveIntegerField(
        _("编制员额"), default=0, help_text=_("核定编制员额；兼职教师不得超过其20%。")
    )
    enrolment = models.PositiveIntegerField(_("在校生规模"), default=0)
    founded_year = models.PositiveSmallIntegerField(
        _("建校年份"), null=True, blank=True, validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    notes = models.TextField(_("办学概况"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("学校概况")
        verbose_name_plural = pgettext_lazy("plural", "学校概况")
        ordering = ["consortium", "unit__name"]

    def __str__(self) -> str:
        return str(self.unit)


class Campus(TenantModel):
    """A campus (校区) of a school."""

    unit = _unit_fk(_("学校"), "campuses")
    school = models.ForeignKey(
        SchoolProfile, verbose_name=_("学校概况"), on_delete=models.CASCADE, related_name="campuses"
    )
    name = models.CharField(_("校区名称"), max_length=80)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    area_mu = models.DecimalField(
        _("占地面积（亩）"), max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    building_area_m2 = models.DecimalField(
        _("建筑面积（平方米）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("校区")
        verbose_name_plural = pgettext_lazy("plural", "校区")
        ordering = ["unit", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="uniq_campus_name")]

    def __str__(self) -> str:
        return self.name


# --- programmes ---------------------------------------------------------------------------------------------------


class Programme(TenantModel):
    """A programme (专业) a school runs, on the 2021 catalogue. Natural key: (unit, code)."""

    unit = _unit_fk(_("学校"), "programmes")
    level = models.CharField(_("层次"), max_length=12, choices=CatalogueLevel.choices)
    code = models.CharField(_("专业代码"), max_length=6)
    name = models.CharField(_("专业名称"), max_length=80)
    major_category = models.ForeignKey(
        ProgrammeMajorCategory, verbose_name=_("专业大类"), on_delete=models.PROTECT, related_name="programmes"
    )
    is_active = models.BooleanField(_("在办"), default=True)
    description = models.TextField(_("专业简介"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("专业")
        verbose_name_plural = pgettext_lazy("plural", "专业")
        ordering = ["unit", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "code"],
                name="uniq_programme_code",
                violation_error_message=_("本校已登记该专业代码。"),
            )
        ]
        indexes = [models.Index(fields=["consortium", "level", "code"], name="programme_scope_idx")]

    def clean(self) -> None:
        super().clean()
        from .rules import programme_code_problem

        if self.code and self.level and self.major_category_id:
            problem = programme_code_problem(self.code, self.level, self.major_category.code_for(self.level))
            if problem:
                raise ValidationError({"code": problem})

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProgrammeGroup(TenantModel):
    """A programme group (专业群) of one school, led by one of its programmes."""

    unit = _unit_fk(_("学校"), "programme_groups")
    name = models.CharField(_("专业群名称"), max_length=80)
    lead_programme = models.ForeignKey(
        Programme, verbose_name=_("核心专业"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    programmes = models.ManyToManyField(Programme, verbose_name=_("组群专业"), related_name="groups", blank=True)
    description = models.TextField(_("建设说明"), blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("专业群")
        verbose_name_plural = pgettext_lazy("plural", "专业群")
        ordering = ["unit", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name"],
                name="uniq_programme_group_name",
                violation_error_message=_("本校已有同名专业群。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProgrammeOffering(TenantModel):
    """A programme in one year: planned intake, declared enrolment, status and the plan's priority class.

    Expected graduates and actual counts are derived from ``Student`` rows (``selectors.supply_by_offering``)."""

    unit = _unit_fk(_("学校"), "programme_offerings")
    programme = models.ForeignKey(Programme, verbose_name=_("专业"), on_delete=models.CASCADE, related_name="offerings")
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    planned_intake = models.PositiveIntegerField(_("计划招生数"), default=0)
    reported_enrolled = models.PositiveIntegerField(_("申报在校生数"), null=True, blank=True)
    status = models.CharField(
        _("专业状态"), max_length=12, choices=OfferingStatus.choices, default=OfferingStatus.STABLE
    )
    priority_class = models.CharField(
        _("重点类别"), max_length=24, choices=PriorityClass.choices, default=PriorityClass.NONE
    )
    note = models.TextField(_("备注"), blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("年度专业开设")
        verbose_name_plural = pgettext_lazy("plural", "年度专业开设")
        ordering = ["unit", "-year", "programme__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "year"],
                name="uniq_offering_year",
                violation_error_message=_("该专业本年度的开设记录已存在。"),
            )
        ]
        indexes = [models.Index(fields=["consortium", "year"], name="offering_scope_idx")]

    def __str__(self) -> str:
        return f"{self.programme} ({self.year})"


class ProgrammeIndustryLink(TenantModel):
    """Mapping of a programme to ONE target — a 4567 industry or a local chain — with a weight 1–100."""

    unit = _unit_fk(_("学校"), "programme_links")
    programme = models.ForeignKey(
        Programme, verbose_name=_("专业"), on_delete=models.CASCADE, related_name="industry_links"
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("产业"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programme_links",
    )
    local_chain = models.ForeignKey(
        LocalChain,
        verbose_name=_("本地产业链"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programme_links",
    )
    weight = models.PositiveSmallIntegerField(
        _("对应权重"), default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("专业产业对应")
        verbose_name_plural = pgettext_lazy("plural", "专业产业对应")
        ordering = ["programme", "-weight"]
        constraints = [
            models.CheckConstraint(
                condition=Q(industry__isnull=False, local_chain__isnull=True)
                | Q(industry__isnull=True, local_chain__isnull=False),
                name="link_exactly_one_target",
                violation_error_message=_("请选择一个产业或一条本地产业链（只能二选一）。"),
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=100),
                name="link_weight_1_100",
                violation_error_message=_("权重应在1到100之间。"),
            ),
            models.UniqueConstraint(
                fields=["programme", "industry"], condition=Q(industry__isnull=False), name="uniq_link_industry"
            ),
            models.UniqueConstraint(
                fields=["programme", "local_chain"], condition=Q(local_chain__isnull=False), name="uniq_link_chain"
            ),
        ]

    @property
    def target(self) -> Any:
        return self.industry if self.industry_id else self.local_chain

    def __str__(self) -> str:
        return f"{self.programme_id} → {self.target} ({self.weight})"


# --- teachers -----------------------------------------------------------------------------------------------------

TEACHER_PERSONAL_FIELDS = ("id_number", "phone")


class Teacher(TenantModel):
    """A teacher of a school, full- or part-time. ``id_number`` and ``phone`` are personal (see selectors).

    Natural key: (unit, id_number) when the ID number is known. Rows are readable by the owning school, the
    secretariat and officials only; teachers who opt in appear consortium-wide through ``PoolExpert``."""

    unit = _unit_fk(_("学校"), "teachers")
    name = models.CharField(_("姓名"), max_length=60)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    employment = models.CharField(
        _("聘用方式"), max_length=12, choices=Employment.choices, default=Employment.FULL_TIME
    )
    source_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("来源单位"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="seconded_teachers",
        help_text=_("兼职教师所在的企业或单位。"),
    )
    title = models.CharField(_("职称"), max_length=40, blank=True)
    qualifications = models.TextField(_("资格与资质"), blank=True)
    programmes = models.ManyToManyField(Programme, verbose_name=_("任教专业"), related_name="teachers", blank=True)
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True, validators=[validate_id_number])
    phone = models.CharField(_("手机"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在职"), default=True)
    in_shared_pool = models.BooleanField(_("加入兼职教师库"), default=False)
    expertise = models.TextField(_("专长（公开）"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("教师")
        verbose_name_plural = pgettext_lazy("plural", "教师")
        ordering = ["unit", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "id_number"],
                condition=~Q(id_number=""),
                name="uniq_teacher_id_number",
                violation_error_message=_("本校已登记该身份证号码的教师。"),
            )
        ]
        indexes = [models.Index(fields=["unit", "employment", "is_active"], name="teacher_cap_idx")]

    @property
    def is_part_time(self) -> bool:
        return self.employment == Employment.PART_TIME

    def __str__(self) -> str:
        return self.name


def evidence_path(instance: DualQualification, filename: str) -> str:
    return f"schools/{instance.consortium_id}/dual/{instance.unit_id}/{os.path.basename(filename)}"


class DualQualification(TenantModel):
    """A dual-qualified (双师型) certification of a teacher. Expiry warnings: ``tasks.warn_expiring_certifications``."""

    unit = _unit_fk(_("学校"), "dual_qualifications")
    teacher = models.ForeignKey(
        Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="dual_qualifications"
    )
    level = models.CharField(_("认定等级"), max_length=16, choices=DualLevel.choices)
    evidence = models.TextField(_("认定依据"), blank=True)
    evidence_file = models.FileField(
        _("证明材料"),
        upload_to=evidence_path,
        blank=True,
        max_length=255,
        validators=[FileExtensionValidator(allowed_extensions=EVIDENCE_EXTENSIONS), validate_upload_size],
    )
    certified_on = models.DateField(_("认定日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    # Idempotent expiry warnings: the expiry date that was warned about (a renewal changes expires_on → warn again).
    warned_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True, editable=False)
    warned_expires_on = models.DateField(_("已提醒的到期日"), null=True, blank=True, editable=False)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("双师型认定")
        verbose_name_plural = pgettext_lazy("plural", "双师型认定")
        ordering = ["unit", "expires_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("certified_on")),
                name="dual_expires_after_certified",
                violation_error_message=_("有效期截止日期必须晚于认定日期。"),
            )
        ]
        indexes = [models.Index(fields=["consortium", "expires_on"], name="dual_expiry_idx")]

    def clean(self) -> None:
        super().clean()
        if self.certified_on and self.expires_on and self.expires_on <= self.certified_on:
            raise ValidationError({"expires_on": _("有效期截止日期必须晚于认定日期。")})

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.get_level_display()}"


class IndustryProfessor(TenantModel):
    """An industry / tech-extension professor (产业教授 / 科技推广教授) a school appoints from an enterprise."""

    unit = _unit_fk(_("聘任学校"), "industry_professors")
    person_name = models.CharField(_("姓名"), max_length=60)
    from_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("来源单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="professors_provided",
    )
    kind = models.CharField(_("类别"), max_length=32, choices=ProfessorKind.choices)
    term_start = models.DateField(_("聘期开始"))
    term_end = models.DateField(_("聘期结束"))
    workload_hours_per_year = models.PositiveIntegerField(_("年工作量（学时）"), default=0)
    outputs = models.TextField(_("工作成果"), blank=True)
    teacher = models.ForeignKey(
        Teacher, verbose_name=_("对应教师"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("产业教授")
        verbose_name_plural = pgettext_lazy("plural", "产业教授")
        ordering = ["unit", "-term_start", "person_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gte=F("term_start")),
                name="professor_term_end_after_start",
                violation_error_message=_("聘期结束日期不能早于聘期开始日期。"),
            )
        ]

    def clean(self) -> None:
        super().clean()
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError({"term_end": _("聘期结束日期不能早于聘期开始日期。")})

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_name}"


STUDIO_HOST_KIND = {StudioKind.MASTER_STUDIO: UnitKind.SCHOOL, StudioKind.FAMOUS_TEACHER_STUDIO: UnitKind.ENTERPRISE}


class Studio(TenantModel):
    """A master's studio (大师工作室, in a school) or a famous-teacher studio (名师工作室, in an enterprise)."""

    unit = _unit_fk(_("依托单位"), "studios")
    kind = models.CharField(_("类别"), max_length=24, choices=StudioKind.choices)
    name = models.CharField(_("工作室名称"), max_length=120)
    lead_name = models.CharField(_("领衔人"), max_length=60)
    partner_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("合作单位"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_studios",
    )
    established_on = models.DateField(_("设立日期"), null=True, blank=True)
    description = models.TextField(_("简介"), blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("工作室")
        verbose_name_plural = pgettext_lazy("plural", "工作室")
        ordering = ["kind", "name"]

    def clean(self) -> None:
        super().clean()
        if self.kind and self.unit_id:
            expected = STUDIO_HOST_KIND.get(self.kind)
            if expected and self.unit.kind != expected:
                raise ValidationError(
                    {
                        "unit": _("%(kind)s应依托%(host)s设立。")
                        % {"kind": self.get_kind_display(), "host": expected.label}
                    }
                )

    def __str__(self) -> str:
        return self.name


# --- shared part-time teacher pool --------------------------------------------------------------------------------


class PoolExpert(TenantModel):
    """An entry of the consortium's shared part-time teacher pool (兼职教师库).

    Owned by an enterprise or school; listed entries are readable consortium-wide. Only non-personal fields live
    here: contact goes through the owning unit."""

    unit = _unit_fk(_("所属单位"), "pool_experts")
    name = models.CharField(_("姓名"), max_length=60)
    expertise = models.TextField(_("专长"))
    industries = models.ManyToManyField(Industry, verbose_name=_("擅长产业"), related_name="pool_experts", blank=True)
    programme_keywords = models.CharField(_("可授课专业（关键词）"), max_length=200, blank=True)
    available_hours_per_term = models.PositiveIntegerField(_("每学期可授课时数"), default=0)
    bio = models.TextField(_("简介"), blank=True)
    teacher = models.OneToOneField(
        Teacher,
        verbose_name=_("对应教师"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pool_entry",
    )
    is_listed = models.BooleanField(_("公开"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("兼职教师库专家")
        verbose_name_plural = pgettext_lazy("plural", "兼职教师库专家")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["consortium", "is_listed"], name="pool_scope_idx")]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(is_listed=True)

    def __str__(self) -> str:
        return self.name


class EngagementRequest(TenantModel):
    """A school asks to engage a pool expert; the expert's unit (``unit``) approves or declines.

    Visible to and editable by both units (``unit_scope_q``); the services decide who may do what."""

    school_unit = _unit_fk(_("申请学校"), "engagements_requested")
    unit = _unit_fk(_("专家所属单位"), "engagements_received")
    expert = models.ForeignKey(PoolExpert, verbose_name=_("专家"), on_delete=models.PROTECT, related_name="engagements")
    period_start = models.DateField(_("聘用开始"))
    period_end = models.DateField(_("聘用结束"))
    hours = models.PositiveIntegerField(_("授课时数"), default=0)
    note = models.TextField(_("说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=EngagementStatus.choices, default=EngagementStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)
    created_teacher = models.ForeignKey(
        Teacher,
        verbose_name=_("聘用后的兼职教师"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="engagements",
    )

    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("兼职教师聘用申请")
        verbose_name_plural = pgettext_lazy("plural", "兼职教师聘用申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="engagement_period_end_after_start",
                violation_error_message=_("聘用结束日期不能早于开始日期。"),
            )
        ]
        indexes = [models.Index(fields=["consortium", "status"], name="engagement_scope_idx")]

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return Q(unit__in=unit_ids) | Q(school_unit__in=unit_ids)

    def clean(self) -> None:
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("聘用结束日期不能早于开始日期。")})

    def __str__(self) -> str:
        return f"{self.school_unit_id} → {self.expert_id} ({self.get_status_display()})"


# --- enterprise practice and training bases -----------------------------------------------------------------------


class EnterprisePractice(TenantModel):
    """A teacher's enterprise practice (教师企业实践): where, from–to, hours, content."""

    unit = _unit_fk(_("学校"), "enterprise_practices")
    teacher = models.ForeignKey(Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="practices")
    host_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("实践单位"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hosted_practices",
    )
    host_name = models.CharField(_("实践单位名称"), max_length=120, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    hours = models.PositiveIntegerField(_("实践时长（小时）"))
    content = models.TextField(_("实践内容"), blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("教师企业实践")
        verbose_name_plural = pgettext_lazy("plural", "教师企业实践")
        ordering = ["unit", "-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="practice_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]
        indexes = [models.Index(fields=["unit", "teacher", "start_date"], name="practice_totals_idx")]

    def clean(self) -> None:
        super().clean()
        if not self.host_unit_id and not self.host_name.strip():
            raise ValidationError({"host_name": _("请选择实践单位或填写实践单位名称。")})
        problem = practice_hours_problem(self.start_date, self.end_date, self.hours)
        if problem:
            field = "end_date" if self.end_date and self.start_date and self.end_date < self.start_date else "hours"
            raise ValidationError({field: problem})

    @property
    def host_display(self) -> str:
        return self.host_unit.name if self.host_unit_id else self.host_name

    def __str__(self) -> str:
        return f"{self.teacher_id} @ {self.host_name or self.host_unit_id}"


class TrainingBase(TenantModel):
    """A dual-qualified teacher training base or teacher enterprise-practice base, hosted by a member unit."""

    unit = _unit_fk(_("依托单位"), "training_bases")
    name = models.CharField(_("基地名称"), max_length=120)
    kind = models.CharField(_("基地类型"), max_length=24, choices=TrainingBaseKind.choices)
    capacity = models.PositiveIntegerField(_("年接纳能力（人次）"), default=0)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    description = models.TextField(_("简介"), blank=True)
    is_active = models.BooleanField(_("运行中"), default=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("教师培训基地")
        verbose_name_plural = pgettext_lazy("plural", "教师培训基地")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name"],
                name="uniq_training_base_name",
                violation_error_message=_("本单位已有同名基地。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- students -----------------------------------------------------------------------------------------------------

#: Fields of a student everyone in the consortium may see (the supply side of matching): nothing identifying.
STUDENT_PUBLIC_FIELDS = (
    "id",
    "unit",
    "offering",
    "cohort",
    "expected_graduation",
    "status",
    "skills",
    "willing_to_work_locally",
    "preferred_industries",
    "preferred_places",
)
#: Fields shown only to the owning school, the secretariat and users the record was shared with.
STUDENT_PERSONAL_FIELDS = ("student_no", "name", "gender", "id_number", "phone")


class Student(TenantModel):
    """A student or graduate of a school. Natural key: (unit, student_no).

    Row visibility: every user of the consortium may list students (non-identifying fields only:
    ``STUDENT_PUBLIC_FIELDS``); the personal fields are for the owning school, the secretariat, and users the record
    was shared with through ``StudentUserObjectPermission`` (``services.student_share``)."""

    unit = _unit_fk(_("学校"), "students")
    offering = models.ForeignKey(
        ProgrammeOffering, verbose_name=_("专业（年度）"), on_delete=models.PROTECT, related_name="students"
    )
    student_no = models.CharField(_("学号"), max_length=32)
    name = models.CharField(_("姓名"), max_length=60)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True, validators=[validate_id_number])
    phone = models.CharField(_("手机"), max_length=30, blank=True)
    cohort = models.PositiveSmallIntegerField(
        _("入学年级"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    expected_graduation = models.DateField(_("预计毕业时间"), help_text=_("按月记录，日期取当月1日。"))
    status = models.CharField(_("状态"), max_length=16, choices=StudentStatus.choices, default=StudentStatus.STUDYING)
    skills = models.TextField(_("技能特长"), blank=True)
    willing_to_work_locally = models.BooleanField(_("愿意本地就业"), default=False)
    preferred_industries = models.ManyToManyField(
        Industry, verbose_name=_("意向产业"), related_name="interested_students", blank=True
    )
    preferred_places = models.CharField(_("意向就业地"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    OBJECT_PERMISSION_MODEL = "schools.StudentUserObjectPermission"
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("学生")
        verbose_name_plural = pgettext_lazy("plural", "学生")
        ordering = ["unit", "student_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "student_no"],
                name="uniq_student_no",
                violation_error_message=_("本校已有该学号的学生。"),
            )
        ]
        indexes = [
            models.Index(fields=["consortium", "offering", "status"], name="student_supply_idx"),
            models.Index(fields=["consortium", "expected_graduation"], name="student_grad_idx"),
        ]

    def clean(self) -> None:
        super().clean()
        if self.expected_graduation and self.cohort and self.expected_graduation.year < self.cohort:
            raise ValidationError({"expected_graduation": _("预计毕业时间不能早于入学年级。")})

    def __str__(self) -> str:
        return f"{self.student_no} {self.name}"


class StudentUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian table: a student record shared with a named user (never a global permission)."""

    content_object = models.ForeignKey(Student, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("学生用户授权")
        verbose_name_plural = pgettext_lazy("plural", "学生用户授权")


class StudentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Student, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("学生用户组授权")
        verbose_name_plural = pgettext_lazy("plural", "学生用户组授权")


class StudentCertificate(TenantModel):
    """A certificate a student holds (职业技能等级证书, 1+X, ...). Non-identifying: readable consortium-wide."""

    unit = _unit_fk(_("学校"), "student_certificates")
    student = models.ForeignKey(Student, verbose_name=_("学生"), on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(_("证书类别"), max_length=16, choices=CertificateKind.choices)
    name = models.CharField(_("证书名称"), max_length=120)
    level = models.CharField(_("等级"), max_length=40, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    issuer = models.CharField(_("发证机构"), max_length=120, blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("学生证书")
        verbose_name_plural = pgettext_lazy("plural", "学生证书")
        ordering = ["student", "-issued_on", "id"]

    def __str__(self) -> str:
        return self.name
