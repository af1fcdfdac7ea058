"""The beat side of report schedules: crontab validation with a message per field, the django-celery-beat
PeriodicTask kept in sync with a ``ReportSchedule`` (crontab in Asia/Shanghai, task ``run_scheduled_report`` with args
``[schedule_id, consortium_id]``), the default schedules and the next run time shown on the page."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from celery.schedules import crontab
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_celery_beat import validators
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from ..choices import ReportKind
from ..models import ReportSchedule

SCHEDULE_TZ = "Asia/Shanghai"
TASK_NAME = "consortium.leadership.tasks.run_scheduled_report"
CRON_FIELDS = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")

#: weekly: Monday 08:00; monthly: the 1st at 08:00; annual: 5 January at 08:00 (Asia/Shanghai).
DEFAULT_CRONTABS: dict[str, dict[str, str]] = {
    ReportKind.WEEKLY_TASKS: {
        "minute": "0", "hour": "8", "day_of_week": "1", "day_of_month": "*", "month_of_year": "*",
    },
    ReportKind.MONTHLY_KPI: {
        "minute": "0", "hour": "8", "day_of_week": "*", "day_of_month": "1", "month_of_year": "*",
    },
    ReportKind.ANNUAL: {
        "minute": "0", "hour": "8", "day_of_week": "*", "day_of_month": "5", "month_of_year": "1",
    },
}

FIELD_MESSAGES = {
    "minute": gettext_lazy("“分”格式不正确：请填写0–59的数字、*、范围（如 0-30）、列表（如 0,30）或步长（如 */15）。"),
    "hour": gettext_lazy("“时”格式不正确：请填写0–23的数字、*、范围（如 8-18）、列表（如 8,14）或步长（如 */2）。"),
    "day_of_week": gettext_lazy("“星期”格式不正确：请填写0–6的数字（0为星期日，1为星期一）、*、范围（如 1-5）或列表。"),
    "day_of_month": gettext_lazy("“日”格式不正确：请填写1–31的数字、*、范围（如 1-7）或列表（如 1,15）。"),
    "month_of_year": gettext_lazy("“月”格式不正确：请填写1–12的数字、*、范围（如 1-6）或列表（如 1,7）。"),
}
VALIDATORS = {
    "minute": validators.minute_validator,
    "hour": validators.hour_validator,
    "day_of_week": validators.day_of_week_validator,
    "day_of_month": validators.day_of_month_validator,
    "month_of_year": validators.month_of_year_validator,
}


def clean_crontab(values: dict[str, Any]) -> dict[str, str]:
    """The five crontab fields stripped and validated; ValidationError with one Chinese message per bad field."""
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for field in CRON_FIELDS:
        value = "".join(str(values.get(field, "") if values.get(field) is not None else "").split())
        if not value:
            errors[field] = [_("此项为必填项；不限请填 *。")]
            continue
        if len(value) > 20:
            errors[field] = [_("不能超过20个字符。")]
            continue
        try:
            VALIDATORS[field](value)
        except (ValidationError, ValueError, TypeError):
            errors[field] = [str(FIELD_MESSAGES[field])]
            continue
        cleaned[field] = value
    if not errors:
        try:  # the combination must also make a schedule celery accepts
            crontab(**cleaned).remaining_estimate(timezone.now())
        except (ValueError, TypeError, RuntimeError):
            errors["__all__"] = [_("该时间组合无效，请检查日、月与星期的组合。")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def periodic_task_name(schedule: ReportSchedule) -> str:
    return f"leadership-report:{schedule.consortium_id}:{schedule.kind}"


def crontab_for(schedule: ReportSchedule) -> CrontabSchedule:
    fields = {field: getattr(schedule, field) for field in CRON_FIELDS}
    row = CrontabSchedule.objects.filter(**fields, timezone=SCHEDULE_TZ).order_by("pk").first()
    return row or CrontabSchedule.objects.create(**fields, timezone=ZoneInfo(SCHEDULE_TZ))


def sync_periodic_task(schedule: ReportSchedule) -> PeriodicTask:
    """Create or update the schedule's PeriodicTask (enabled follows the schedule). The PeriodicTask's save signal
    bumps ``PeriodicTasks.last_update``, so a running DatabaseScheduler reloads it."""
    cron = crontab_for(schedule)
    description = _("定期报告：%(kind)s") % {"kind": ReportKind(schedule.kind).label}
    values = {
        "name": periodic_task_name(schedule), "task": TASK_NAME, "crontab": cron, "interval": None, "solar": None,
        "clocked": None, "args": json.dumps([schedule.pk, schedule.consortium_id]), "kwargs": "{}",
        "enabled": schedule.enabled, "one_off": False, "description": str(description),
    }
    task = schedule.periodic_task or PeriodicTask.objects.filter(name=values["name"]).first()
    if task is None:
        task = PeriodicTask(**values)
    else:
        for key, value in values.items():
            setattr(task, key, value)
    task.save()
    if schedule.periodic_task_id != task.pk:
        ReportSchedule.objects.for_consortium(schedule.consortium_id).filter(pk=schedule.pk).update(periodic_task=task)
        schedule.periodic_task = task
    return task


def next_run(schedule: ReportSchedule, now: datetime | None = None) -> datetime | None:
    """When beat will next fire the schedule (local time), or None when disabled."""
    if not schedule.enabled:
        return None
    now = now or timezone.now()
    tz = ZoneInfo(SCHEDULE_TZ)
    cron = crontab(**{field: getattr(schedule, field) for field in CRON_FIELDS}, nowfun=lambda: now.astimezone(tz))
    try:
        return now.astimezone(tz) + cron.remaining_estimate(now.astimezone(tz))
    except (ValueError, RuntimeError):
        return None
