"""Enumerations of the leadership layer."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GroupRole(models.TextChoices):
    HEAD = "head", _("组长")
    DEPUTY = "deputy", _("副组长")
    MEMBER = "member", _("成员")
    OFFICE = "office", _("办公室联络员")


class TaskStatus(models.TextChoices):
    """What the responsible side says; the RAG colour is computed (rules.rag_status)."""

    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    COMPLETED = "completed", _("已完成")
    SUSPENDED = "suspended", _("已暂停")


class Rag(models.TextChoices):
    """Red / amber / green status of a sub-task, computed from deadline and progress (never typed in)."""

    GREEN = "green", _("正常")
    AMBER = "amber", _("预警")
    RED = "red", _("滞后")
    DONE = "done", _("已完成")
    NOT_STARTED = "not_started", _("未开始")
    SUSPENDED = "suspended", _("已暂停")


class Cadence(models.TextChoices):
    """How often the responsible unit returns progress."""

    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")


class EvaluationGrade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已逾期")
    RETURN_DUE = "return_due", _("进度报送到期")


class ReportKind(models.TextChoices):
    WEEKLY_TASKS = "weekly_tasks", _("任务进展周报")
    MONTHLY_KPI = "monthly_kpi", _("关键指标月报")
    ANNUAL = "annual", _("联合体年度报告")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已生成")
    FAILED = "failed", _("失败")


class RefreshStatus(models.TextChoices):
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
