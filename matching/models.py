"""Matching (issue 6): per-consortium settings, runs, their stored results, and the hiring workflow after a run.

Read policy (DESIGN.md §3, ``consortium/tenancy/scoping.py``):

* ``MatchSettings`` – readable consortium-wide (the weights are part of the explanation); the secretariat writes.
* ``MatchRun`` – the secretariat and officials see every run; member units see PUBLISHED runs only.
* ``Recommendation`` – units see the rows of PUBLISHED runs where they are the school or the enterprise
  (``unit_scope_q``); another enterprise's candidates are never visible.
* ``NeedMatch`` – units see the rows of PUBLISHED runs where they own the need or are the provider's unit.
* ``Candidacy`` / ``CandidacyStatusChange`` – the school and the enterprise of the pair (candidacies exist only after
  a run is published). Unit admins of either side pass ``editable_by``; which side may take which step is decided
  in ``matching.services`` (the enterprise moves the pair along, the school may withdraw).

Results are derived data: a re-run of the same run replaces its rows in one transaction (``matching.tasks``).
Candidacies are unique per (student, demand), so publishing several runs never duplicates the workflow.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.models import MemberUnit, TenantModel

from .choices import CandidacyStatus, NeedKind, ProviderKind, RunStatus
from .engine.types import DEFAULT_WEIGHTS

__all__ = [
    "MatchSettings",
    "MatchRun",
    "Recommendation",
    "NeedMatch",
    "Candidacy",
    "CandidacyStatusChange",
]

ADMIN_WRITES = frozenset({UnitRole.UNIT_ADMIN})


def default_weights() -> dict[str, float]:
    return dict(DEFAULT_WEIGHTS)


def _unit_fk(verbose: Any, *, null: bool = False, db_index: bool = True) -> models.ForeignKey:
    return models.ForeignKey(
        MemberUnit, verbose_name=verbose, on_delete=models.PROTECT, related_name="+", db_index=db_index,
        null=null, blank=null,
    )


def _published_run_q(unit_q: Q) -> Q:
    return Q(run__status=RunStatus.PUBLISHED) & unit_q


class MatchSettings(TenantModel):
    """Matching parameters of one consortium: weights of the score components, how many recommendations to keep,
    the score threshold, the allocation mode, extra skill synonyms and the place names that count as local."""

    weights = models.JSONField(_("评分权重"), default=default_weights)
    top_k = models.PositiveSmallIntegerField(
        _("每方推荐数"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    candidate_k = models.PositiveSmallIntegerField(
        _("候选数"), default=30, validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("分配前为每名学生生成的候选岗位数。"),
    )
    min_score = models.FloatField(
        _("最低匹配分"), default=0.2, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    stable = models.BooleanField(
        _("稳定匹配"), default=False, help_text=_("勾选后按稳定匹配分配，否则按总分最大分配。")
    )
    synonyms = models.TextField(
        _("同义词"), blank=True, help_text=_("每行一条，格式：同义词=规范词，例如“电焊=焊接”。")
    )
    local_terms = models.TextField(
        _("本地地名"), blank=True, help_text=_("每行一个，工作地点含这些地名即视为本地岗位，例如本县各乡镇。")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("更新人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("匹配设置")
        verbose_name_plural = pgettext_lazy("plural", "匹配设置")
        ordering = ["consortium"]
        constraints = [
            models.UniqueConstraint(fields=["consortium"], name="uniq_match_settings_consortium"),
            models.CheckConstraint(condition=Q(min_score__gte=0, min_score__lte=1), name="match_settings_min_score"),
            models.CheckConstraint(condition=Q(top_k__gte=1, top_k__lte=100), name="match_settings_top_k"),
            models.CheckConstraint(condition=Q(candidate_k__gte=1, candidate_k__lte=500), name="match_settings_cand_k"),
        ]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(pk__isnull=False)  # every member reads the weights (they explain the scores)

    def __str__(self) -> str:
        return str(_("匹配设置"))


class MatchRun(TenantModel):
    """One matching run: scope, parameters and input hash (so it can be reproduced), progress, counts, outcome."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    kinds = models.JSONField(_("匹配内容"), default=list, help_text=_("人才需求、员工培训、技术攻关中的一项或多项。"))
    cohort = models.PositiveSmallIntegerField(
        _("毕业年份"), null=True, blank=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("留空表示全部学生。"),
    )
    demand_kinds = models.JSONField(_("需求类型"), default=list, blank=True, help_text=_("留空表示全部类型。"))
    params = models.JSONField(_("参数"), default=dict, blank=True)
    input_hash = models.CharField(_("输入数据指纹"), max_length=64, blank=True)
    algorithm_version = models.CharField(_("算法版本"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(
        _("进度（%）"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    progress_message = models.CharField(_("进度说明"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(_("最近进度时间"), null=True, blank=True)
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    student_count = models.PositiveIntegerField(_("学生数"), default=0)
    demand_count = models.PositiveIntegerField(_("需求数"), default=0)
    recommendation_count = models.PositiveIntegerField(_("推荐数"), default=0)
    assignment_count = models.PositiveIntegerField(_("分配数"), default=0)
    need_count = models.PositiveIntegerField(_("培训/技术需求数"), default=0)
    need_match_count = models.PositiveIntegerField(_("服务方推荐数"), default=0)
    total_score = models.FloatField(_("分配总分"), default=0.0)
    stats = models.JSONField(_("运行统计"), default=dict, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("匹配运行")
        verbose_name_plural = pgettext_lazy("plural", "匹配运行")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="match_run_progress_0_100"),
        ]
        indexes = [
            models.Index(fields=["consortium", "status"], name="match_run_scope_idx"),
            models.Index(fields=["consortium", "-created_at"], name="match_run_recent_idx"),
        ]

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q(status=RunStatus.PUBLISHED)

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def duration(self) -> Any:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"


class Recommendation(TenantModel):
    """A recommended student–demand pair of a run: score, its named components, explanation, missing skills, ranks
    on both sides, and whether the pair is in the run's allocation plan."""

    run = models.ForeignKey(
        MatchRun, verbose_name=_("匹配运行"), on_delete=models.CASCADE, related_name="recommendations"
    )
    student = models.ForeignKey(
        "schools.Student", verbose_name=_("学生"), on_delete=models.CASCADE, related_name="recommendations"
    )
    demand = models.ForeignKey(
        "enterprises.TalentDemand", verbose_name=_("人才需求"), on_delete=models.CASCADE,
        related_name="recommendations",
    )
    # Indexed by the composite (unit, run) indexes below: results are the biggest table of the app.
    school_unit = _unit_fk(_("学校"), db_index=False)
    enterprise_unit = _unit_fk(_("企业"), db_index=False)
    score = models.FloatField(_("匹配分"))
    components = models.JSONField(_("评分构成"), default=list, blank=True)
    explanation = models.CharField(_("匹配说明"), max_length=400, blank=True)
    missing_skills = models.JSONField(_("欠缺技能"), default=list, blank=True)
    rank_for_student = models.PositiveSmallIntegerField(_("学生侧排名"), default=0)
    rank_for_demand = models.PositiveSmallIntegerField(_("需求侧排名"), default=0)
    in_plan = models.BooleanField(_("列入分配方案"), default=False)

    SCOPE_UNIT_FIELD = "enterprise_unit"

    class Meta:
        verbose_name = _("匹配推荐")
        verbose_name_plural = pgettext_lazy("plural", "匹配推荐")
        ordering = ["run", "demand", "rank_for_demand", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "student", "demand"], name="uniq_recommendation_pair"),
            models.CheckConstraint(condition=Q(score__gte=0), name="recommendation_score_ge_0"),
        ]
        indexes = [
            models.Index(fields=["run", "student", "rank_for_student"], name="rec_run_student_idx"),
            models.Index(fields=["run", "demand", "rank_for_demand"], name="rec_run_demand_idx"),
            models.Index(fields=["school_unit", "run"], name="rec_school_idx"),
            models.Index(fields=["enterprise_unit", "run"], name="rec_enterprise_idx"),
        ]

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return _published_run_q(Q(school_unit_id__in=unit_ids) | Q(enterprise_unit_id__in=unit_ids))

    def __str__(self) -> str:
        return f"{self.student_id} → {self.demand_id} ({self.score:.2f})"


class NeedMatch(TenantModel):
    """A provider recommended for a staff-training need or a technology problem in a run."""

    run = models.ForeignKey(MatchRun, verbose_name=_("匹配运行"), on_delete=models.CASCADE, related_name="need_matches")
    need_kind = models.CharField(_("需求类别"), max_length=16, choices=NeedKind.choices)
    training_need = models.ForeignKey(
        "enterprises.StaffTrainingNeed", verbose_name=_("员工培训需求"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="need_matches",
    )
    technology_problem = models.ForeignKey(
        "enterprises.TechnologyProblem", verbose_name=_("技术攻关需求"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="need_matches",
    )
    unit = _unit_fk(_("需求企业"))
    provider_kind = models.CharField(_("服务方类型"), max_length=16, choices=ProviderKind.choices)
    provider_id = models.PositiveBigIntegerField(_("服务方编号"))
    provider_label = models.CharField(_("服务方"), max_length=200)
    provider_unit = _unit_fk(_("服务方单位"), null=True)
    score = models.FloatField(_("匹配分"))
    matched_terms = models.JSONField(_("匹配关键词"), default=list, blank=True)
    components = models.JSONField(_("评分构成"), default=list, blank=True)
    explanation = models.CharField(_("匹配说明"), max_length=400, blank=True)
    rank = models.PositiveSmallIntegerField(_("排名"), default=0)

    SCOPE_UNIT_FIELD = "unit"

    class Meta:
        verbose_name = _("服务方推荐")
        verbose_name_plural = pgettext_lazy("plural", "服务方推荐")
        ordering = ["run", "need_kind", "training_need", "technology_problem", "rank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(need_kind=NeedKind.TRAINING, training_need__isnull=False, technology_problem__isnull=True)
                    | Q(need_kind=NeedKind.TECHNOLOGY, training_need__isnull=True, technology_problem__isnull=False)
                ),
                name="need_match_one_subject",
            ),
            models.UniqueConstraint(
                fields=["run", "training_need", "provider_kind", "provider_id"],
                condition=Q(training_need__isnull=False),
                name="uniq_need_match_training",
            ),
            models.UniqueConstraint(
                fields=["run", "technology_problem", "provider_kind", "provider_id"],
                condition=Q(technology_problem__isnull=False),
                name="uniq_need_match_technology",
            ),
        ]
        indexes = [
            models.Index(fields=["run", "unit"], name="need_match_run_unit_idx"),
            models.Index(fields=["run", "provider_unit"], name="need_match_run_provider_idx"),
        ]

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return _published_run_q(Q(unit_id__in=unit_ids) | Q(provider_unit_id__in=unit_ids))

    @property
    def need(self) -> Any:
        return self.training_need if self.need_kind == NeedKind.TRAINING else self.technology_problem

    def __str__(self) -> str:
        return f"{self.need_kind}:{self.training_need_id or self.technology_problem_id} → {self.provider_label}"


class Candidacy(TenantModel):
    """A student put forward for a demand by a published run, and where the pair stands in the hiring workflow.

    Unique per (student, demand): publishing another run updates the existing row (its run, recommendation, score)
    instead of creating a second one. At most one hire per student (partial unique constraint)."""

    student = models.ForeignKey(
        "schools.Student", verbose_name=_("学生"), on_delete=models.CASCADE, related_name="candidacies"
    )
    demand = models.ForeignKey(
        "enterprises.TalentDemand", verbose_name=_("人才需求"), on_delete=models.CASCADE, related_name="candidacies"
    )
    school_unit = _unit_fk(_("学校"))
    enterprise_unit = _unit_fk(_("企业"))
    run = models.ForeignKey(
        MatchRun, verbose_name=_("匹配运行"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="candidacies",
    )
    recommendation = models.ForeignKey(
        Recommendation, verbose_name=_("匹配推荐"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    score = models.FloatField(_("匹配分"), default=0.0)
    status = models.CharField(
        _("状态"), max_length=16, choices=CandidacyStatus.choices, default=CandidacyStatus.RECOMMENDED
    )
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now)

    SCOPE_UNIT_FIELD = "enterprise_unit"
    UNIT_WRITE_ROLES = ADMIN_WRITES

    class Meta:
        verbose_name = _("候选人")
        verbose_name_plural = pgettext_lazy("plural", "候选人")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "demand"], name="uniq_candidacy_pair",
                violation_error_message=_("该学生已是此岗位的候选人。"),
            ),
            models.UniqueConstraint(
                fields=["student"], condition=Q(status=CandidacyStatus.HIRED), name="uniq_candidacy_one_hire",
                violation_error_message=_("该学生已被录用。"),
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise_unit", "status"], name="candidacy_enterprise_idx"),
            models.Index(fields=["school_unit", "status"], name="candidacy_school_idx"),
            models.Index(fields=["demand", "status"], name="candidacy_demand_idx"),
            models.Index(fields=["consortium", "status"], name="candidacy_scope_idx"),
        ]

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return Q(school_unit_id__in=unit_ids) | Q(enterprise_unit_id__in=unit_ids)

    @property
    def is_open(self) -> bool:
        from .choices import CANDIDACY_OPEN

        return self.status in CANDIDACY_OPEN

    def __str__(self) -> str:
        return f"{self.student_id} → {self.demand_id}: {self.get_status_display()}"


class CandidacyStatusChange(TenantModel):
    """Audit trail of a candidacy: who moved it from where to where, and why. Scoped like its candidacy."""

    candidacy = models.ForeignKey(
        Candidacy, verbose_name=_("候选人"), on_delete=models.CASCADE, related_name="status_changes"
    )
    school_unit = _unit_fk(_("学校"))
    enterprise_unit = _unit_fk(_("企业"))
    from_status = models.CharField(_("原状态"), max_length=16, choices=CandidacyStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=CandidacyStatus.choices)
    reason = models.TextField(_("原因"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    SCOPE_UNIT_FIELD = "enterprise_unit"

    class Meta:
        verbose_name = _("候选状态变更")
        verbose_name_plural = pgettext_lazy("plural", "候选状态变更")
        ordering = ["candidacy", "at", "id"]

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return Q(school_unit_id__in=unit_ids) | Q(enterprise_unit_id__in=unit_ids)

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
