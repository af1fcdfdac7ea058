"""Leadership layer models (plan §四).

* Leadership group (领导小组) with its members and the joint meetings (联席会议) it convenes.
* The plan as data: phases, the nine key tasks of §三, each decomposed into sub-tasks with a lead unit, co-units,
  a responsible person, a deadline, deliverables and the evidence required ("任务分解到位、落实到事、责任到人").
* Progress returns with evidence files; supervision evaluations (督导评价); the log of overdue reminders.
* Precomputed KPI facts (``KpiFact``, refreshed by Celery) that both the dashboards and the reports read.
* Report schedules (one django-celery-beat entry each), the report archive (period and version) and deliveries.

Read policy (scoping.py): plan data (group, members, meetings, phases, key tasks, sub-tasks) is readable by every
member of the consortium; progress returns and evidence by the reporting unit and the sub-task's lead unit;
evaluations by the evaluated unit; KPI facts, reports and deliveries of one unit by that unit, the consortium-wide
ones (unit empty) by the secretariat and officials only. Secretariat and officials read everything of their
consortium; only the secretariat writes, except progress returns, which the lead unit and co-units submit through
``services.progress_return_submit``. Officials write nothing.
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

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.models import MemberUnit, TenantModel
from consortium.tenancy.validators import validate_upload_size

from .choices import (
    Cadence,
    EvaluationGrade,
    GroupRole,
    RefreshStatus,
    ReminderKind,
    ReportKind,
    ReportStatus,
    TaskStatus,
)

__all__ = [
    "LeadershipGroup",
    "GroupMember",
    "JointMeeting",
    "PlanPhase",
    "KeyTask",
    "SubTask",
    "ProgressReturn",
    "ProgressEvidence",
    "SupervisionEvaluation",
    "TaskReminder",
    "KpiRefresh",
    "KpiFact",
    "ReportSchedule",
    "Report",
    "ReportDelivery",
]

EVIDENCE_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "zip"]
RETURN_WRITES = frozenset({UnitRole.UNIT_ADMIN, UnitRole.UNIT_STAFF})


class ConsortiumWide(TenantModel):
    """Plan data: every member of the consortium reads it; the secretariat writes it."""

    class Meta:
        abstract = True

    @classmethod
    def shared_read_q(cls, user: Any) -> Q:
        return Q()


# --- leadership group --------------------------------------------------------------------------------------------


class LeadershipGroup(ConsortiumWide):
    """领导小组: headed by the county head in charge, member departments as members (plan §四, third phase)."""

    name = models.CharField(_("名称"), max_length=120)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    responsibilities = models.TextField(_("职责"), blank=True)
    joint_meeting_rules = models.TextField(_("联席会议制度"), blank=True)

    class Meta:
        verbose_name = _("领导小组")
        verbose_name_plural = pgettext_lazy("plural", "领导小组")
        ordering = ["consortium", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium"], name="uniq_leadership_group", violation_error_message=_("本联合体已有领导小组。")
            )
        ]

    def __str__(self) -> str:
        return self.name


class GroupMember(ConsortiumWide):
    """A member of the leadership group. ``scope_unit`` set: the member receives the reports of that unit only."""

    group = models.ForeignKey(
        LeadershipGroup, verbose_name=_("领导小组"), on_delete=models.CASCADE, related_name="members"
    )
    role = models.CharField(_("职务"), max_length=16, choices=GroupRole.choices, default=GroupRole.MEMBER)
    name = models.CharField(_("姓名"), max_length=60)
    position = models.CharField(_("职务/职称"), max_length=120, blank=True)
    department = models.CharField(_("成员部门"), max_length=120, blank=True)
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("所属成员单位"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("平台账号"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="leadership_memberships",
    )
    email = models.EmailField(_("电子邮箱"), blank=True)
    receives_reports = models.BooleanField(_("接收定期报告"), default=True)
    scope_unit = models.ForeignKey(
        MemberUnit, verbose_name=_("报告范围（单位）"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text=_("留空：接收全联合体报告；选择单位：只接收该单位的报告。"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("领导小组成员")
        verbose_name_plural = pgettext_lazy("plural", "领导小组成员")
        ordering = ["group", "order", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class JointMeeting(ConsortiumWide):
    """A meeting of the joint meeting system (联席会议): topics, decisions and the sub-tasks it discussed."""

    group = models.ForeignKey(
        LeadershipGroup, verbose_name=_("领导小组"), on_delete=models.CASCADE, related_name="meetings"
    )
    title = models.CharField(_("会议名称"), max_length=200)
    held_on = models.DateField(_("召开日期"))
    location = models.CharField(_("地点"), max_length=200, blank=True)
    convener = models.ForeignKey(
        GroupMember, verbose_name=_("召集人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attendees = models.ManyToManyField(GroupMember, verbose_name=_("出席人员"), blank=True, related_name="meetings")
    topics = models.TextField(_("议题"), blank=True)
    decisions = models.TextField(_("议定事项"), blank=True)
    subtasks = models.ManyToManyField("SubTask", verbose_name=_("涉及任务"), blank=True, related_name="meetings")

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = pgettext_lazy("plural", "联席会议")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


# --- the plan as data --------------------------------------------------------------------------------------------


class PlanPhase(ConsortiumWide):
    """A phase of plan §四 (打基础、建机制 / 强功能、出成果 / 强化组织领导) with goals and dates."""

    number = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("阶段名称"), max_length=120)
    goals = models.TextField(_("阶段目标"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("实施阶段")
        verbose_name_plural = pgettext_lazy("plural", "实施阶段")
        ordering = ["consortium", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "number"], name="uniq_plan_phase", violation_error_message=_("该阶段序号已存在。")
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="phase_ends_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class KeyTask(ConsortiumWide):
    """One of the key tasks of plan §三 (nine in the county plan)."""

    number = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("任务名称"), max_length=200)
    plan_section = models.CharField(_("规划条目"), max_length=32, blank=True)
    description = models.TextField(_("任务内容"), blank=True)

    class Meta:
        verbose_name = _("重点任务")
        verbose_name_plural = pgettext_lazy("plural", "重点任务")
        ordering = ["consortium", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "number"], name="uniq_key_task", violation_error_message=_("该任务序号已存在。")
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class SubTask(ConsortiumWide):
    """A decomposed task with one lead unit and one responsible person. ``progress`` and ``last_return_on`` follow
    the latest progress return; the RAG colour is computed (``rules.rag_status``), never stored."""

    key_task = models.ForeignKey(KeyTask, verbose_name=_("重点任务"), on_delete=models.CASCADE, related_name="subtasks")
    phase = models.ForeignKey(
        PlanPhase, verbose_name=_("实施阶段"), on_delete=models.SET_NULL, null=True, blank=True, related_name="subtasks"
    )
    code = models.CharField(_("编号"), max_length=16, blank=True)
    title = models.CharField(_("子任务"), max_length=200)
    description = models.TextField(_("任务要求"), blank=True)
    lead_unit = models.ForeignKey(
        MemberUnit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="led_subtasks"
    )
    co_units = models.ManyToManyField(MemberUnit, verbose_name=_("配合单位"), blank=True, related_name="co_subtasks")
    responsible_person = models.CharField(_("责任人"), max_length=60)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人账号"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="responsible_subtasks",
    )
    starts_on = models.DateField(_("开始日期"))
    deadline = models.DateField(_("完成时限"))
    deliverables = models.TextField(_("交付成果"), blank=True)
    evidence_required = models.TextField(_("佐证材料要求"), blank=True)
    cadence = models.CharField(_("报送频次"), max_length=16, choices=Cadence.choices, default=Cadence.MONTHLY)
    status = models.CharField(_("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(
        _("完成进度（%）"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    last_return_on = models.DateField(_("最近报送日期"), null=True, blank=True, editable=False)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "lead_unit"

    class Meta:
        verbose_name = _("子任务")
        verbose_name_plural = pgettext_lazy("plural", "子任务")
        ordering = ["key_task__number", "code", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=F("starts_on")), name="subtask_deadline_after_start",
                violation_error_message=_("完成时限不能早于开始日期。"),
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="subtask_progress_max_100",
                violation_error_message=_("完成进度不能超过100%。"),
            ),
        ]
        indexes = [
            models.Index(fields=["consortium", "deadline"], name="subtask_deadline_idx"),
            models.Index(fields=["consortium", "lead_unit"], name="subtask_lead_idx"),
        ]

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.deadline and self.deadline < self.starts_on:
            raise ValidationError({"deadline": _("完成时限不能早于开始日期。")})
        if self.key_task_id and self.consortium_id and self.key_task.consortium_id != self.consortium_id:
            raise ValidationError({"key_task": _("重点任务不属于本联合体。")})

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()


def evidence_path(instance: ProgressEvidence, filename: str) -> str:
    return f"leadership/{instance.consortium_id}/evidence/{instance.unit_id}/{os.path.basename(filename)}"


class ProgressReturn(TenantModel):
    """A progress return (进度报送) by the lead unit or a co-unit of a sub-task."""

    subtask = models.ForeignKey(SubTask, verbose_name=_("子任务"), on_delete=models.CASCADE, related_name="returns")
    unit = models.ForeignKey(MemberUnit, verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="+")
    reported_on = models.DateField(_("报送日期"))
    progress = models.PositiveSmallIntegerField(
        _("完成进度（%）"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    text = models.TextField(_("进展情况"))
    problems = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下一步计划"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = RETURN_WRITES

    class Meta:
        verbose_name = _("进度报送")
        verbose_name_plural = pgettext_lazy("plural", "进度报送")
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="return_progress_max_100",
                violation_error_message=_("完成进度不能超过100%。"),
            )
        ]
        indexes = [models.Index(fields=["subtask", "reported_on"], name="return_subtask_idx")]

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return Q(unit_id__in=unit_ids) | Q(subtask__lead_unit_id__in=unit_ids)

    @classmethod
    def unit_write_scope_q(cls, unit_ids: list[int]) -> Q:
        """The lead unit reads its co-units' returns; only the reporting unit changes them."""
        return Q(unit_id__in=unit_ids)

    def __str__(self) -> str:
        return f"{self.subtask_id} {self.reported_on} {self.progress}%"


class ProgressEvidence(TenantModel):
    """An evidence file (佐证材料) attached to a progress return; ``unit`` copies the return's unit."""

    progress_return = models.ForeignKey(
        ProgressReturn, verbose_name=_("进度报送"), on_delete=models.CASCADE, related_name="evidence"
    )
    unit = models.ForeignKey(MemberUnit, verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="+")
    file = models.FileField(
        _("文件"), upload_to=evidence_path, max_length=255,
        validators=[FileExtensionValidator(allowed_extensions=EVIDENCE_EXTENSIONS), validate_upload_size],
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "unit"
    UNIT_WRITE_ROLES = RETURN_WRITES

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = pgettext_lazy("plural", "佐证材料")
        ordering = ["progress_return", "id"]

    @classmethod
    def unit_scope_q(cls, unit_ids: list[int]) -> Q:
        return Q(unit_id__in=unit_ids) | Q(progress_return__subtask__lead_unit_id__in=unit_ids)

    @classmethod
    def unit_write_scope_q(cls, unit_ids: list[int]) -> Q:
        return Q(unit_id__in=unit_ids)

    @property
    def filename(self) -> str:
        return os.path.basename(self.file.name)

    def __str__(self) -> str:
        return self.filename


class SupervisionEvaluation(TenantModel):
    """督导评价: a score (0–100) and comments on a unit's work, optionally on one sub-task, for a period."""

    unit = models.ForeignKey(MemberUnit, verbose_name=_("被评价单位"), on_delete=models.PROTECT, related_name="+")
    subtask = models.ForeignKey(
        SubTask, verbose_name=_("子任务"), on_delete=models.CASCADE, null=True, blank=True, related_name="evaluations"
    )
    period_label = models.CharField(_("评价周期"), max_length=40)
    evaluated_on = models.DateField(_("评价日期"))
    score = models.DecimalField(
        _("得分"), max_digits=4, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    grade = models.CharField(_("等级"), max_length=16, choices=EvaluationGrade.choices, editable=False)
    comments = models.TextField(_("评价意见"), blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评价人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    SCOPE_UNIT_FIELD = "unit"

    class Meta:
        verbose_name = _("督导评价")
        verbose_name_plural = pgettext_lazy("plural", "督导评价")
        ordering = ["-evaluated_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="evaluation_score_range",
                violation_error_message=_("得分必须在0到100之间。"),
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        from .rules import grade_for

        if self.score is not None:
            self.grade = grade_for(self.score)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period_label} {self.score}"


class TaskReminder(TenantModel):
    """One overdue / due-soon / return-due reminder sent for a sub-task on a day (makes the reminder idempotent)."""

    subtask = models.ForeignKey(SubTask, verbose_name=_("子任务"), on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("类型"), max_length=16, choices=ReminderKind.choices)
    sent_on = models.DateField(_("发送日期"))
    recipients = models.PositiveSmallIntegerField(_("收件人数"), default=0)

    SCOPE_UNIT_FIELD = "subtask__lead_unit"

    class Meta:
        verbose_name = _("任务提醒")
        verbose_name_plural = pgettext_lazy("plural", "任务提醒")
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subtask", "kind", "sent_on"], name="uniq_task_reminder_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.subtask_id} {self.kind} {self.sent_on}"


# --- KPIs ----------------------------------------------------------------------------------------------------------


class KpiRefresh(TenantModel):
    """One recomputation of a consortium's KPI facts (what the dashboard's "data as of" shows)."""

    status = models.CharField(_("状态"), max_length=16, choices=RefreshStatus.choices, default=RefreshStatus.RUNNING)
    trigger = models.CharField(_("触发方式"), max_length=16, default="beat")
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    facts = models.PositiveIntegerField(_("指标数据条数"), default=0)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("指标刷新记录")
        verbose_name_plural = pgettext_lazy("plural", "指标刷新记录")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["consortium", "status", "started_at"], name="kpi_refresh_idx")]

    def __str__(self) -> str:
        return f"{self.consortium_id} {self.started_at:%Y-%m-%d %H:%M}"


class KpiFact(TenantModel):
    """A precomputed KPI value: ``metric`` (a key of ``kpis.METRICS``) for ``year`` (0 = current stock) and ``unit``
    (empty = the whole consortium), optionally broken down by ``dimension`` (a choice value or an id; ``label`` is
    the data label for data dimensions such as a chain or a programme name)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("成员单位"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    metric = models.CharField(_("指标"), max_length=64)
    dimension = models.CharField(_("维度"), max_length=64, blank=True, default="")
    label = models.CharField(_("维度名称"), max_length=200, blank=True, default="")
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4)
    computed_at = models.DateTimeField(_("计算时间"))

    SCOPE_UNIT_FIELD = "unit"

    class Meta:
        verbose_name = _("指标数据")
        verbose_name_plural = pgettext_lazy("plural", "指标数据")
        ordering = ["metric", "year", "dimension", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "year", "metric", "dimension"], condition=Q(unit__isnull=True),
                name="uniq_kpi_fact_consortium",
            ),
            models.UniqueConstraint(
                fields=["consortium", "year", "unit", "metric", "dimension"], condition=Q(unit__isnull=False),
                name="uniq_kpi_fact_unit",
            ),
        ]
        indexes = [models.Index(fields=["consortium", "year", "unit", "metric"], name="kpi_fact_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.metric}[{self.dimension}] {self.year} = {self.value}"


# --- reports -------------------------------------------------------------------------------------------------------


def report_file_path(instance: Report, filename: str) -> str:
    return f"leadership/{instance.consortium_id}/reports/{os.path.basename(filename)}"


class ReportSchedule(TenantModel):
    """When a report kind is generated and mailed for this consortium. Its crontab lives in django-celery-beat
    (``periodic_task``, kept in sync by ``services.report_schedule_save``)."""

    kind = models.CharField(_("报告类型"), max_length=16, choices=ReportKind.choices)
    enabled = models.BooleanField(_("启用"), default=True)
    minute = models.CharField(pgettext_lazy("cron", "分"), max_length=20, default="0")
    hour = models.CharField(_("时"), max_length=20, default="8")
    day_of_week = models.CharField(_("星期"), max_length=20, default="*")
    day_of_month = models.CharField(_("日"), max_length=20, default="*")
    month_of_year = models.CharField(_("月"), max_length=20, default="*")
    recipients = models.ManyToManyField(GroupMember, verbose_name=_("收件人"), blank=True, related_name="schedules")
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", verbose_name=_("定时任务"), on_delete=models.SET_NULL, null=True,
        blank=True, editable=False, related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("报告计划")
        verbose_name_plural = pgettext_lazy("plural", "报告计划")
        ordering = ["consortium", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "kind"], name="uniq_report_schedule",
                violation_error_message=_("该类型报告的计划已存在。"),
            )
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class Report(TenantModel):
    """An archived report: kind, period, scope (``unit`` empty = whole consortium) and version. ``content`` is the
    snapshot every format renders from (HTML view, Excel, PDF), so the three always show the same figures."""

    kind = models.CharField(_("报告类型"), max_length=16, choices=ReportKind.choices)
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("报告范围（单位）"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="+",
    )
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(_("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    message = models.TextField(_("说明"), blank=True)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    content = models.JSONField(_("报告内容"), default=dict, blank=True, editable=False)
    xlsx = models.FileField(_("Excel 文件"), upload_to=report_file_path, max_length=255, blank=True, editable=False)
    pdf = models.FileField(_("PDF 文件"), upload_to=report_file_path, max_length=255, blank=True, editable=False)
    schedule = models.ForeignKey(
        ReportSchedule, verbose_name=_("报告计划"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="reports",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    SCOPE_UNIT_FIELD = "unit"

    class Meta:
        verbose_name = _("报告")
        verbose_name_plural = pgettext_lazy("plural", "报告")
        ordering = ["-period_start", "kind", "-version", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "kind", "period_start", "version"], condition=Q(unit__isnull=True),
                name="uniq_report_version_consortium",
            ),
            models.UniqueConstraint(
                fields=["consortium", "kind", "period_start", "unit", "version"], condition=Q(unit__isnull=False),
                name="uniq_report_version_unit",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="report_period_order",
                violation_error_message=_("周期结束不能早于周期开始。"),
            ),
        ]
        indexes = [models.Index(fields=["consortium", "kind", "period_start"], name="report_period_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start}–{self.period_end} v{self.version}"


class ReportDelivery(TenantModel):
    """One e-mail of a report to one recipient (unique per report and address: re-sending never duplicates)."""

    report = models.ForeignKey(Report, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey(
        GroupMember, verbose_name=_("收件人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("电子邮箱"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    SCOPE_UNIT_FIELD = "report__unit"

    class Meta:
        verbose_name = _("报告发送记录")
        verbose_name_plural = pgettext_lazy("plural", "报告发送记录")
        ordering = ["report", "email"]
        constraints = [models.UniqueConstraint(fields=["report", "email"], name="uniq_report_delivery")]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.email}"
