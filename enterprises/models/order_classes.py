"""Order classes (订单班 / 订制班 / 委托培养班) and modern industry colleges (现代产业学院), plan §三(五).

Visibility (DESIGN.md §3):

* ``OrderClass`` and every row hanging off it (enrolments, plan, team, resources, assessments, scores, employment,
  retention checks, stage history) belong to the school (``unit``). The school, the secretariat and officials read
  them; the school's admins and the secretariat write them.
* The partner enterprise reads the class and its rows only through an explicit share: guardian's direct-FK table
  ``OrderClassUserObjectPermission`` (``services.order_class_share``; never a global permission). Child rows follow
  their class's share (``shared_read_q``). Students' personal fields are masked for the partner (serializers and
  templates use ``schools.selectors.can_see_personal``).
* Order classes are NOT published consortium-wide (not even agreed ones): a third unit sees nothing of them. The
  consortium-wide picture is the modern industry college page, which lists only class names, kinds and stages of
  classes the reader can see, plus aggregate counts.
* The partner's own steps (confirming the agreement, enterprise scores, employment, transitions owned by the
  enterprise) go through services that check the party, not through ``editable_by``.
* Modern industry colleges and their members, governance and annual reports are readable consortium-wide; the lead
  unit's admins and the secretariat write them.
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
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.models import MemberUnit, TenantModel

from ..choices.order_classes import (
    CollegeRole,
    EnrolmentStatus,
    OrderClassKind,
    OrderClassStage,
    Party,
    ProposedBy,
    ResourceKind,
    RetentionMonths,
    TaughtBy,
    TeamSide,
    cost_sharing_problem,
    final_score,
)

__all__ = [
    "Assessment",
    "AssessmentScore",
    "CollegeAnnualReport",
    "CollegeGovernanceMember",
    "CollegeMember",
    "Employment",
    "ModernIndustryCollege",
    "OrderClass",
    "OrderClassEnrolment",
    "OrderClassGroupObjectPermission",
    "OrderClassStageChange",
    "OrderClassUserObjectPermission",
    "RetentionCheck",
    "TeachingResource",
    "TeamMember",
    "TrainingPlanItem",
]

ADMIN_WRITES = frozenset({UnitRole.UNIT_ADMIN})
PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
SCORE = [MinValueValidator(0), MaxValueValidator(100)]


def _all_rows(cls: type, user: Any) -> Q:
    return Q(pk__isnull=False)


def _unit_fk(verbose: Any, related_name: str, **kwargs: Any) -> models.ForeignKey:
    return models.ForeignKey(
        MemberUnit, verbose_name=verbose, on_delete=models.PROTECT, related_name=related_name, db_index=True, **kwargs
    )


def shared_class_ids(user: Any) -> models.QuerySet:
    """Subquery of order-class ids shared with ``user`` through the guardian direct-FK table."""
    return OrderClassUserObjectPermission.objects.filter(
        user_id=getattr(user, "pk", None), permission__codename="view_orderclass"
    ).values("content_object_id")


# --- modern industry colleges ---------------------------------------------------------------------------------


class ModernIndustryCollege(TenantModel):
    """A modern industry college (现代产业学院): multi-party, containing programmes and order classes."""

    unit = _unit_fk(_("牵头单位"), "led_colleges")
    name = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("简介"), blank=True)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    programmes = models.ManyToManyField(
        "schools.Programme", verbose_name=_("所含专业"), related_name="industry_colleges", blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("现代产业学院")
        verbose_name_plural = pgettext_lazy("plural", "现代产业学院")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "name"],
                name="uniq_college_name",
                violation_error_message=_("已有同名的现代产业学院。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class CollegeMember(TenantModel):
    """A member unit of a college with its role. ``unit`` is the college's lead unit (the owner of the row)."""

    college = models.ForeignKey(
        ModernIndustryCollege, verbose_name=_("产业学院"), on_delete=models.CASCADE, related_name="members"
    )
    unit = _unit_fk(_("牵头单位"), "+")
    member_unit = _unit_fk(_("成员单位"), "college_memberships")
    role = models.CharField(_("角色"), max_length=16, choices=CollegeRole.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("产业学院成员单位")
        verbose_name_plural = pgettext_lazy("plural", "产业学院成员单位")
        ordering = ["college", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["college", "member_unit"],
                name="uniq_college_member",
                violation_error_message=_("该单位已是产业学院成员。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_unit_id} ({self.get_role_display()})"


class CollegeGovernanceMember(TenantModel):
    """A person on a college's governing body (理事会/管委会): person, unit, role and term."""

    college = models.ForeignKey(
        ModernIndustryCollege, verbose_name=_("产业学院"), on_delete=models.CASCADE, related_name="governance"
    )
    unit = _unit_fk(_("牵头单位"), "+")
    person_name = models.CharField(_("姓名"), max_length=60)
    person_unit = models.ForeignKey(
        MemberUnit, verbose_name=_("所在单位"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("职务"), max_length=60)
    term_start = models.DateField(_("任期开始"), null=True, blank=True)
    term_end = models.DateField(_("任期结束"), null=True, blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("产业学院治理成员")
        verbose_name_plural = pgettext_lazy("plural", "产业学院治理成员")
        ordering = ["college", "id"]

    def clean(self) -> None:
        super().clean()
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError({"term_end": _("任期结束不能早于任期开始。")})

    def __str__(self) -> str:
        return f"{self.person_name} ({self.role})"


class CollegeAnnualReport(TenantModel):
    """A college's annual outputs."""

    college = models.ForeignKey(
        ModernIndustryCollege, verbose_name=_("产业学院"), on_delete=models.CASCADE, related_name="annual_reports"
    )
    unit = _unit_fk(_("牵头单位"), "+")
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    students_trained = models.PositiveIntegerField(_("培养学生数"), default=0)
    courses_developed = models.PositiveIntegerField(_("开发课程数"), default=0)
    textbooks = models.PositiveIntegerField(_("编写教材数"), default=0)
    projects = models.PositiveIntegerField(_("合作项目数"), default=0)
    notes = models.TextField(_("说明"), blank=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    shared_read_q = classmethod(_all_rows)

    class Meta:
        verbose_name = _("产业学院年度报告")
        verbose_name_plural = pgettext_lazy("plural", "产业学院年度报告")
        ordering = ["college", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["college", "year"],
                name="uniq_college_report_year",
                violation_error_message=_("该年度报告已存在。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.college_id} {self.year}"


# --- order classes --------------------------------------------------------------------------------------------


class OrderClass(TenantModel):
    """An order / customised / commissioned-training class of a school (``unit``) for an enterprise
    (``partner_unit``). Lifecycle and parties: ``choices.order_classes.TRANSITIONS``."""

    unit = _unit_fk(_("学校"), "order_classes")
    partner_unit = _unit_fk(_("合作企业"), "partner_order_classes")
    college = models.ForeignKey(
        ModernIndustryCollege,
        verbose_name=_("所属产业学院"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_classes",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=OrderClassKind.choices, default=OrderClassKind.ORDER)
    name = models.CharField(_("班级名称"), max_length=120)
    programme = models.ForeignKey(
        "schools.Programme", verbose_name=_("专业"), on_delete=models.PROTECT, related_name="order_classes"
    )
    cohort = models.PositiveSmallIntegerField(_("年级"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quota = models.PositiveIntegerField(_("名额"), validators=[MinValueValidator(1)])
    cost_school_pct = models.PositiveSmallIntegerField(_("学校分担比例（%）"), default=0, validators=PERCENT)
    cost_enterprise_pct = models.PositiveSmallIntegerField(_("企业分担比例（%）"), default=0, validators=PERCENT)
    cost_government_pct = models.PositiveSmallIntegerField(_("政府分担比例（%）"), default=0, validators=PERCENT)
    cost_note = models.TextField(_("成本分担说明"), blank=True)
    employment_commitment = models.TextField(_("就业承诺"), blank=True)
    committed_positions = models.PositiveIntegerField(_("承诺岗位数"), default=0)
    stage = models.CharField(
        _("阶段"), max_length=20, choices=OrderClassStage.choices, default=OrderClassStage.PROPOSED
    )
    proposed_by = models.CharField(_("提议方"), max_length=12, choices=ProposedBy.choices, default=ProposedBy.SCHOOL)
    starts_on = models.DateField(_("开班日期"), null=True, blank=True)
    ends_on = models.DateField(_("结业日期"), null=True, blank=True)
    school_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("学校确认人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    school_confirmed_at = models.DateTimeField(_("学校确认时间"), null=True, blank=True)
    enterprise_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("企业确认人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    enterprise_confirmed_at = models.DateTimeField(_("企业确认时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    OBJECT_PERMISSION_MODEL = "enterprises.OrderClassUserObjectPermission"

    class Meta:
        verbose_name = _("订单班")
        verbose_name_plural = pgettext_lazy("plural", "订单班")
        ordering = ["-cohort", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(unit=F("partner_unit")),
                name="orderclass_partner_not_school",
                violation_error_message=_("合作企业不能是学校本身。"),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="orderclass_dates_ordered",
                violation_error_message=_("结业日期不能早于开班日期。"),
            ),
        ]
        indexes = [
            models.Index(fields=["consortium", "stage", "kind"], name="orderclass_scope_idx"),
            models.Index(fields=["partner_unit", "stage"], name="orderclass_partner_idx"),
        ]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        problem = cost_sharing_problem(self.cost_school_pct, self.cost_enterprise_pct, self.cost_government_pct)
        if problem:
            errors["cost_school_pct"] = problem
        if self.programme_id and self.unit_id and self.programme.unit_id != self.unit_id:
            errors["programme"] = _("专业须为本校开设的专业。")
        if self.unit_id and self.partner_unit_id and self.unit_id == self.partner_unit_id:
            errors["partner_unit"] = _("合作企业不能是学校本身。")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("结业日期不能早于开班日期。")
        if self.college_id and self.consortium_id and self.college.consortium_id != self.consortium_id:
            errors["college"] = _("所选对象属于其他产教联合体。")
        if errors:
            raise ValidationError(errors)

    @property
    def agreement_confirmed(self) -> bool:
        return bool(self.school_confirmed_at and self.enterprise_confirmed_at)

    def __str__(self) -> str:
        return self.name


class OrderClassUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian table: an order class shared with a user of the partner enterprise (never global)."""

    content_object = models.ForeignKey(OrderClass, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("订单班用户授权")
        verbose_name_plural = pgettext_lazy("plural", "订单班用户授权")


class OrderClassGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(OrderClass, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("订单班用户组授权")
        verbose_name_plural = pgettext_lazy("plural", "订单班用户组授权")


class ClassChild(TenantModel):
    """Base of rows hanging off an order class: owned by the class's school, shared along with the class."""

    unit = _unit_fk(_("学校"), "+")

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    CLASS_PATH = "order_class"

    class Meta:
        abstract = True

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(**{f"{cls.CLASS_PATH}__in": shared_class_ids(user)})


class OrderClassStageChange(ClassChild):
    """History of an order class's stage: who (which party) moved it from where to where, and why."""

    order_class = models.ForeignKey(
        OrderClass, verbose_name=_("订单班"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("原阶段"), max_length=20, choices=OrderClassStage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=20, choices=OrderClassStage.choices)
    party = models.CharField(_("操作方"), max_length=12, choices=Party.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField(_("说明"), blank=True)
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("订单班阶段变更")
        verbose_name_plural = pgettext_lazy("plural", "订单班阶段变更")
        ordering = ["order_class", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class OrderClassEnrolment(ClassChild):
    """A student of the school enrolled in the class, with the student's consent (tripartite agreement)."""

    order_class = models.ForeignKey(
        OrderClass, verbose_name=_("订单班"), on_delete=models.CASCADE, related_name="enrolments"
    )
    student = models.ForeignKey(
        "schools.Student", verbose_name=_("学生"), on_delete=models.PROTECT, related_name="order_class_enrolments"
    )
    consent_on = models.DateField(_("学生同意日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    enrolled_on = models.DateField(_("入班日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("订单班学生")
        verbose_name_plural = pgettext_lazy("plural", "订单班学生")
        ordering = ["order_class", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_class", "student"],
                name="uniq_orderclass_student",
                violation_error_message=_("该学生已在本班。"),
            )
        ]
        indexes = [models.Index(fields=["order_class", "status"], name="enrolment_status_idx")]

    def clean(self) -> None:
        super().clean()
        if self.student_id and self.order_class_id:
            student, oc = self.student, self.order_class
            if student.unit_id != oc.unit_id:
                raise ValidationError({"student": _("只能招收本校学生。")})
            if student.offering.programme_id != oc.programme_id or student.cohort != oc.cohort:
                raise ValidationError({"student": _("学生的专业或年级与订单班不一致。")})

    def __str__(self) -> str:
        return f"{self.order_class_id}:{self.student_id}"


class TrainingPlanItem(ClassChild):
    """A course of the joint training plan (共商培养方案)."""

    order_class = models.ForeignKey(
        OrderClass, verbose_name=_("订单班"), on_delete=models.CASCADE, related_name="plan_items"
    )
    course = models.CharField(_("课程"), max_length=120)
    hours = models.PositiveIntegerField(_("学时"), validators=[MinValueValidator(1)])
    taught_by = models.CharField(_("授课方"), max_length=12, choices=TaughtBy.choices, default=TaughtBy.BOTH)
    teacher_names = models.CharField(_("授课教师"), max_length=200, blank=True)
    term = models.CharField(_("学期"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("培养方案课程")
        verbose_name_plural = pgettext_lazy("plural", "培养方案课程")
        ordering = ["order_class", "id"]

    def __str__(self) -> str:
        return self.course


class TeamMember(ClassChild):
    """A member of the joint teaching team: a school teacher or an enterprise mentor (name + unit)."""

    order_class = models.ForeignKey(OrderClass, verbose_name=_("订单班"), on_delete=models.CASCADE, related_name="team")
    side = models.CharField(_("类别"), max_length=12, choices=TeamSide.choices, default=TeamSide.SCHOOL)
    teacher = models.ForeignKey(
        "schools.Teacher",
        verbose_name=_("学校教师"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_class_roles",
    )
    person_name = models.CharField(_("企业导师姓名"), max_length=60, blank=True)
    person_unit = models.ForeignKey(
        MemberUnit, verbose_name=_("所在单位"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("承担工作"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("教学团队成员")
        verbose_name_plural = pgettext_lazy("plural", "教学团队成员")
        ordering = ["order_class", "side", "id"]

    def clean(self) -> None:
        super().clean()
        if not self.teacher_id and not self.person_name:
            raise ValidationError({"person_name": _("请选择学校教师或填写企业导师姓名。")})
        if self.teacher_id and self.unit_id and self.teacher.unit_id != self.unit_id:
            raise ValidationError({"teacher": _("只能选择本校教师。")})

    @property
    def display_name(self) -> str:
        return self.teacher.name if self.teacher_id else self.person_name

    def __str__(self) -> str:
        return self.display_name


class TeachingResource(ClassChild):
    """A shared teaching resource of the class."""

    order_class = models.ForeignKey(
        OrderClass, verbose_name=_("订单班"), on_delete=models.CASCADE, related_name="resources"
    )
    title = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=12, choices=ResourceKind.choices, default=ResourceKind.OTHER)
    link = models.URLField(_("链接"), blank=True)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("共享教学资源")
        verbose_name_plural = pgettext_lazy("plural", "共享教学资源")
        ordering = ["order_class", "id"]

    def __str__(self) -> str:
        return self.title


class Assessment(ClassChild):
    """A jointly graded assessment; ``school_weight`` % of the final score comes from the school's grade."""

    order_class = models.ForeignKey(
        OrderClass, verbose_name=_("订单班"), on_delete=models.CASCADE, related_name="assessments"
    )
    title = models.CharField(_("考核名称"), max_length=120)
    held_on = models.DateField(_("考核日期"))
    school_weight = models.PositiveSmallIntegerField(_("学校成绩权重（%）"), default=50, validators=PERCENT)

    class Meta:
        verbose_name = _("联合考核")
        verbose_name_plural = pgettext_lazy("plural", "联合考核")
        ordering = ["order_class", "held_on", "id"]

    def __str__(self) -> str:
        return self.title


class AssessmentScore(ClassChild):
    """One enrolled student's grades in an assessment: school part, enterprise part, final (computed)."""

    CLASS_PATH = "assessment__order_class"

    assessment = models.ForeignKey(Assessment, verbose_name=_("考核"), on_delete=models.CASCADE, related_name="scores")
    enrolment = models.ForeignKey(
        OrderClassEnrolment, verbose_name=_("学生"), on_delete=models.CASCADE, related_name="scores"
    )
    school_score = models.DecimalField(
        _("学校评分"), max_digits=5, decimal_places=1, null=True, blank=True, validators=SCORE
    )
    enterprise_score = models.DecimalField(
        _("企业评分"), max_digits=5, decimal_places=1, null=True, blank=True, validators=SCORE
    )

    class Meta:
        verbose_name = _("考核成绩")
        verbose_name_plural = pgettext_lazy("plural", "考核成绩")
        ordering = ["assessment", "enrolment"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "enrolment"],
                name="uniq_assessment_score",
                violation_error_message=_("该学生本次考核已有成绩。"),
            )
        ]

    def clean(self) -> None:
        super().clean()
        if self.assessment_id and self.enrolment_id and self.assessment.order_class_id != self.enrolment.order_class_id:
            raise ValidationError({"enrolment": _("学生不在该考核所属的订单班。")})

    @property
    def final_score(self):
        return final_score(self.school_score, self.enterprise_score, self.assessment.school_weight)

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.enrolment_id}"


class Employment(ClassChild):
    """A graduate of the class employed at the partner enterprise."""

    order_class = models.ForeignKey(
        OrderClass, verbose_name=_("订单班"), on_delete=models.CASCADE, related_name="employments"
    )
    enrolment = models.OneToOneField(
        OrderClassEnrolment, verbose_name=_("学生"), on_delete=models.CASCADE, related_name="employment"
    )
    employed_on = models.DateField(_("入职日期"))
    position = models.CharField(_("岗位"), max_length=80)

    class Meta:
        verbose_name = _("企业就业")
        verbose_name_plural = pgettext_lazy("plural", "企业就业")
        ordering = ["order_class", "employed_on", "id"]

    def clean(self) -> None:
        super().clean()
        if self.enrolment_id and self.order_class_id and self.enrolment.order_class_id != self.order_class_id:
            raise ValidationError({"enrolment": _("学生不在该订单班。")})

    def __str__(self) -> str:
        return self.position


class RetentionCheck(ClassChild):
    """A retention check 6 or 12 months after employment."""

    order_class = models.ForeignKey(
        OrderClass, verbose_name=_("订单班"), on_delete=models.CASCADE, related_name="retention_checks"
    )
    enrolment = models.ForeignKey(
        OrderClassEnrolment, verbose_name=_("学生"), on_delete=models.CASCADE, related_name="retention_checks"
    )
    months = models.PositiveSmallIntegerField(_("跟踪节点"), choices=RetentionMonths.choices)
    still_employed = models.BooleanField(_("仍在岗"), default=True)
    checked_on = models.DateField(_("核查日期"))

    class Meta:
        verbose_name = _("留任跟踪")
        verbose_name_plural = pgettext_lazy("plural", "留任跟踪")
        ordering = ["order_class", "months", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "months"],
                name="uniq_retention_check",
                violation_error_message=_("该学生该节点已有跟踪记录。"),
            )
        ]

    def clean(self) -> None:
        super().clean()
        if self.enrolment_id and self.order_class_id and self.enrolment.order_class_id != self.order_class_id:
            raise ValidationError({"enrolment": _("学生不在该订单班。")})

    def __str__(self) -> str:
        return f"{self.enrolment_id} +{self.months}"
