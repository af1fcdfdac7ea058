"""The demand side of the enterprises app (issue 4): enterprise profiles, talent demands with required skills,
staff-training needs, technology problems, and one audit trail of every status change of the three.

Read policy (``shared_read_q``): enterprise profiles are readable consortium-wide; a demand or need is readable
consortium-wide once published (demands: approved / partly filled / filled; needs: published / closed); drafts,
submitted, returned, expired and withdrawn rows only by the owning unit, the secretariat and officials.
Writes: unit admins of the owning enterprise and the secretariat (``UNIT_WRITE_ROLES``); which status moves are
allowed, and who may publish, is decided in ``enterprises.services.demands``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.models import Industry, MemberUnit, TenantModel

from ..choices.demands import (
    DEMAND_PUBLISHED,
    NEED_PUBLISHED,
    DemandKind,
    DemandStatus,
    EducationLevel,
    EnterpriseSize,
    NeedStatus,
    ZoneType,
)

__all__ = [
    "EnterpriseProfile",
    "TalentDemand",
    "DemandSkill",
    "StaffTrainingNeed",
    "TechnologyProblem",
    "DemandStatusChange",
]

ADMIN_WRITES = frozenset({UnitRole.UNIT_ADMIN})


def _unit_fk(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        MemberUnit, verbose_name=_("企业"), on_delete=models.PROTECT, related_name=related_name, db_index=True
    )


class EnterpriseProfile(TenantModel):
    """Enterprise data of a member unit of kind ``enterprise``. Industries and local chains live on the unit."""

    unit = models.OneToOneField(
        MemberUnit, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="enterprise_profile"
    )
    size = models.CharField(
        _("企业规模"), max_length=12, choices=EnterpriseSize.choices, default=EnterpriseSize.SMALL
    )
    zone_type = models.CharField(
        _("所在区域类型"), max_length=20, choices=ZoneType.choices, default=ZoneType.COUNTY_TOWN
    )
    zone_name = models.CharField(_("开发区/乡镇名称"), max_length=80, blank=True)
    employees = models.PositiveIntegerField(_("职工人数"), default=0)
    is_integration_enterprise = models.BooleanField(_("产教融合型企业"), default=False)
    recognised_on = models.DateField(_("认定日期"), null=True, blank=True)
    notes = models.TextField(_("企业概况"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("企业概况")
        verbose_name_plural = pgettext_lazy("plural", "企业概况")
        ordering = ["consortium", "unit__name"]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(pk__isnull=False)  # every row of the consortium

    def clean(self) -> None:
        super().clean()
        if self.recognised_on and not self.is_integration_enterprise:
            raise ValidationError({"recognised_on": [_("只有产教融合型企业才填写认定日期。")]})

    def __str__(self) -> str:
        return str(self.unit)


class ReviewedNeed(TenantModel):
    """Common fields of everything an enterprise submits for review and the secretariat publishes."""

    return_reason = models.TextField(_("退回原因"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES
    PUBLISHED: frozenset[str] = frozenset()

    class Meta:
        abstract = True

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(status__in=list(cls.PUBLISHED))

    @property
    def is_published(self) -> bool:
        return self.status in self.PUBLISHED  # type: ignore[attr-defined]


class TalentDemand(ReviewedNeed):
    """A talent demand (人才需求) of an enterprise: position, kind, headcount, requirements, validity.

    Natural key of the Excel import: (unit, position, start_date)."""

    unit = _unit_fk("talent_demands")
    position = models.CharField(_("岗位"), max_length=80)
    kind = models.CharField(_("需求类型"), max_length=20, choices=DemandKind.choices, default=DemandKind.EMPLOYMENT)
    headcount = models.PositiveIntegerField(_("需求人数"), validators=[MinValueValidator(1)])
    filled_count = models.PositiveIntegerField(_("已满足人数"), default=0)
    programmes = models.ManyToManyField(
        "schools.Programme", verbose_name=_("对口专业"), related_name="talent_demands", blank=True
    )
    programme_keywords = models.CharField(
        _("专业关键词"), max_length=200, blank=True, help_text=_("未在专业目录中的专业方向，多个用逗号分隔。")
    )
    education_level = models.CharField(
        _("学历要求"), max_length=12, choices=EducationLevel.choices, default=EducationLevel.ANY
    )
    place = models.CharField(_("工作地点"), max_length=80, blank=True)
    salary_min = models.PositiveIntegerField(_("月薪下限（元）"), null=True, blank=True)
    salary_max = models.PositiveIntegerField(_("月薪上限（元）"), null=True, blank=True)
    start_date = models.DateField(_("到岗日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    description = models.TextField(_("岗位说明"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=DemandStatus.choices, default=DemandStatus.DRAFT)

    PUBLISHED = DEMAND_PUBLISHED

    class Meta:
        verbose_name = _("人才需求")
        verbose_name_plural = pgettext_lazy("plural", "人才需求")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(salary_min__isnull=True) | Q(salary_max__isnull=True) | Q(salary_min__lte=F("salary_max")),
                name="demand_salary_range",
            ),
            models.CheckConstraint(condition=Q(filled_count__lte=F("headcount")), name="demand_filled_le_headcount"),
        ]
        indexes = [
            models.Index(fields=["consortium", "status", "kind"], name="demand_scope_idx"),
            models.Index(fields=["unit", "position", "start_date"], name="demand_natural_key_idx"),
        ]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[Any]] = {}
        if self.salary_min is not None and self.salary_max is not None and self.salary_min > self.salary_max:
            errors["salary_max"] = [_("月薪上限不能低于下限。")]
        if self.headcount is not None and self.filled_count is not None and self.filled_count > self.headcount:
            errors["filled_count"] = [_("已满足人数不能超过需求人数。")]
        if errors:
            raise ValidationError(errors)

    @property
    def open_count(self) -> int:
        return max(self.headcount - self.filled_count, 0)

    def __str__(self) -> str:
        return self.position


class DemandSkill(TenantModel):
    """A skill a talent demand requires, with its importance (1 = nice to have … 5 = essential)."""

    unit = _unit_fk("+")
    demand = models.ForeignKey(
        TalentDemand, verbose_name=_("人才需求"), on_delete=models.CASCADE, related_name="skills"
    )
    name = models.CharField(_("技能"), max_length=60)
    importance = models.PositiveSmallIntegerField(
        _("重要程度"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("技能要求")
        verbose_name_plural = pgettext_lazy("plural", "技能要求")
        ordering = ["demand", "-importance", "name"]
        constraints = [
            models.UniqueConstraint(fields=["demand", "name"], name="uniq_demand_skill"),
            models.CheckConstraint(condition=Q(importance__gte=1, importance__lte=5), name="demand_skill_importance"),
        ]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(demand__status__in=list(DEMAND_PUBLISHED))

    def __str__(self) -> str:
        return f"{self.name} ({self.importance})"


class StaffTrainingNeed(ReviewedNeed):
    """A staff-training need (员工培训) of an enterprise: topic, trainees, period."""

    unit = _unit_fk("training_needs")
    topic = models.CharField(_("培训主题"), max_length=120)
    trainees = models.PositiveIntegerField(_("培训人数"), validators=[MinValueValidator(1)])
    period_start = models.DateField(_("培训开始"))
    period_end = models.DateField(_("培训结束"))
    content = models.TextField(_("培训内容"), blank=True)
    budget = models.DecimalField(
        _("预算（万元）"), max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    status = models.CharField(_("状态"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.DRAFT)

    PUBLISHED = NEED_PUBLISHED

    class Meta:
        verbose_name = _("员工培训需求")
        verbose_name_plural = pgettext_lazy("plural", "员工培训需求")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="training_need_period"),
        ]
        indexes = [models.Index(fields=["consortium", "status"], name="training_need_scope_idx")]

    def clean(self) -> None:
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": [_("培训结束日期不能早于开始日期。")]})

    def __str__(self) -> str:
        return self.topic


class TechnologyProblem(ReviewedNeed):
    """A technology problem (技术攻关/技术服务需求) an enterprise asks schools and institutes to solve."""

    unit = _unit_fk("technology_problems")
    title = models.CharField(_("题目"), max_length=120)
    description = models.TextField(_("问题描述"))
    field = models.ForeignKey(
        Industry, verbose_name=_("所属领域"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    budget = models.DecimalField(
        _("预算（万元）"), max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    deadline = models.DateField(_("期望完成日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.DRAFT)

    PUBLISHED = NEED_PUBLISHED

    class Meta:
        verbose_name = _("技术攻关需求")
        verbose_name_plural = pgettext_lazy("plural", "技术攻关需求")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["consortium", "status"], name="tech_problem_scope_idx")]

    def __str__(self) -> str:
        return self.title


class DemandStatusChange(TenantModel):
    """Audit trail of every status change of a talent demand, training need or technology problem
    (exactly one of the three foreign keys is set)."""

    unit = _unit_fk("+")
    demand = models.ForeignKey(
        TalentDemand, verbose_name=_("人才需求"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="status_changes",
    )
    training_need = models.ForeignKey(
        StaffTrainingNeed, verbose_name=_("员工培训需求"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="status_changes",
    )
    technology_problem = models.ForeignKey(
        TechnologyProblem, verbose_name=_("技术攻关需求"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="status_changes",
    )
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16)
    reason = models.TextField(_("原因"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    SCOPE_UNIT_FIELD = "unit"

    class Meta:
        verbose_name = _("需求状态变更")
        verbose_name_plural = pgettext_lazy("plural", "需求状态变更")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(demand__isnull=False, training_need__isnull=True, technology_problem__isnull=True)
                    | Q(demand__isnull=True, training_need__isnull=False, technology_problem__isnull=True)
                    | Q(demand__isnull=True, training_need__isnull=True, technology_problem__isnull=False)
                ),
                name="status_change_one_subject",
            )
        ]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return (
            Q(demand__status__in=list(DEMAND_PUBLISHED))
            | Q(training_need__status__in=list(NEED_PUBLISHED))
            | Q(technology_problem__status__in=list(NEED_PUBLISHED))
        )

    @property
    def subject(self) -> Any:
        return self.demand or self.training_need or self.technology_problem

    def status_label(self, value: str) -> str:
        choices = DemandStatus if self.demand_id else NeedStatus
        return str(dict(choices.choices).get(value, value))

    @property
    def from_label(self) -> str:
        return self.status_label(self.from_status) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return self.status_label(self.to_status)

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
