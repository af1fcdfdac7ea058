"""Report schedules: crontab validation with a message per field, the django-celery-beat PeriodicTask kept in sync
(crontab in Asia/Shanghai, task run_scheduled_report with [schedule_id, consortium_id]), disabling, the default
schedules, and beat: the DatabaseScheduler loads the entry, considers it due at the scheduled time, and the task it
names archives the report."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from consortium.leadership.choices import ReportKind, ReportStatus
from consortium.leadership.models import Report, ReportSchedule
from consortium.leadership.reports import content as content_module
from consortium.leadership.reports import schedules as beat
from consortium.leadership.reports import services
from consortium.leadership.reports.periods import period_for

from .test_report_content import build_world, fake_dashboard

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(content_module, "dashboard_snapshot", fake_dashboard)
    return build_world()


def _save(world, **kwargs):
    values = {"kind": ReportKind.WEEKLY_TASKS, "minute": "0", "hour": "8", "day_of_week": "1", "day_of_month": "*",
              "month_of_year": "*", "recipients": [world.chair]}
    values.update(kwargs)
    return services.report_schedule_save(actor=world.secretariat, **values)


def test_saving_creates_the_periodic_task(world):
    schedule = _save(world)
    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert task.task == "consortium.leadership.tasks.run_scheduled_report"
    assert json.loads(task.args) == [schedule.pk, world.consortium.pk] and task.enabled
    cron = task.crontab
    fields = (cron.minute, cron.hour, cron.day_of_week, cron.day_of_month, cron.month_of_year)
    assert fields == ("0", "8", "1", "*", "*")
    assert str(cron.timezone) == "Asia/Shanghai"
    assert list(schedule.recipients.all()) == [world.chair]


def test_updating_and_disabling_keep_one_task_in_sync(world):
    schedule = _save(world)
    task_id = schedule.periodic_task_id
    schedule = services.report_schedule_save(
        actor=world.secretariat, schedule=schedule, minute="30", hour="7", day_of_week="5", recipients=[],
        enabled=False,
    )
    assert schedule.periodic_task_id == task_id
    assert PeriodicTask.objects.filter(name__startswith="leadership-report").count() == 1
    task = PeriodicTask.objects.get(pk=task_id)
    assert not task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("30", "7", "5")
    assert schedule.recipients.count() == 0


@pytest.mark.parametrize(("field", "value"), [
    ("minute", "61"), ("hour", "25"), ("day_of_week", "8"), ("day_of_month", "32"), ("month_of_year", "13"),
    ("minute", "abc"), ("hour", ""),
])
def test_bad_crontab_fields_get_a_message_each_and_change_nothing(world, field, value):
    schedule = _save(world)
    before = ReportSchedule.objects.values().get(pk=schedule.pk)
    with pytest.raises(ValidationError) as info:
        services.report_schedule_save(actor=world.secretariat, schedule=schedule, **{field: value})
    assert list(info.value.message_dict) == [field]
    assert info.value.message_dict[field][0]  # a Chinese message naming the field's rules
    assert ReportSchedule.objects.values().get(pk=schedule.pk) == before


def test_several_bad_fields_are_reported_together(world):
    with pytest.raises(ValidationError) as info:
        _save(world, minute="99", hour="x", month_of_year="0")
    assert set(info.value.message_dict) == {"minute", "hour", "month_of_year"}
    assert not ReportSchedule.objects.exists()
    assert not PeriodicTask.objects.filter(name__startswith="leadership").exists()


def test_recipient_without_email_is_refused(world):
    world.chair.email = ""
    world.chair.save()
    with pytest.raises(ValidationError) as info:
        _save(world)
    assert "recipients" in info.value.message_dict and not ReportSchedule.objects.exists()


@pytest.mark.parametrize("role", ["official", "school_user"])
def test_only_the_secretariat_edits_schedules(world, role):
    schedule = _save(world)
    with pytest.raises(PermissionDenied):
        services.report_schedule_save(actor=getattr(world, role), schedule=schedule, hour="9")
    schedule.refresh_from_db()
    assert schedule.hour == "8"


def test_default_schedules(world):
    schedules = services.report_schedules_ensure(consortium_id=world.consortium.pk)
    got = {s.kind: (s.minute, s.hour, s.day_of_week, s.day_of_month, s.month_of_year) for s in schedules}
    assert got == {
        ReportKind.WEEKLY_TASKS: ("0", "8", "1", "*", "*"),
        ReportKind.MONTHLY_KPI: ("0", "8", "*", "1", "*"),
        ReportKind.ANNUAL: ("0", "8", "*", "5", "1"),
    }
    assert all(s.periodic_task and s.periodic_task.enabled for s in schedules)
    # recipients: members who receive reports and have an address
    assert set(schedules[0].recipients.values_list("email", flat=True)) == {"head@example.com", "school@example.com"}
    again = services.report_schedules_ensure(consortium_id=world.consortium.pk)
    assert [s.pk for s in again] == [s.pk for s in schedules] and ReportSchedule.objects.count() == 3
    with pytest.raises(PermissionDenied):
        services.report_schedules_ensure(consortium_id=world.consortium.pk, actor=world.official)


def test_next_run_is_computed_in_shanghai_time(world):
    schedule = _save(world)
    wednesday = datetime(2026, 3, 18, 12, 0, tzinfo=SH)
    assert beat.next_run(schedule, wednesday) == datetime(2026, 3, 23, 8, 0, tzinfo=SH)


def test_beat_loads_the_entry_fires_it_on_time_and_the_task_archives_the_report(world, monkeypatch):
    from django_celery_beat import schedulers
    from django_celery_beat.schedulers import DatabaseScheduler

    from consortium.celery import app

    schedule = _save(world, recipients=[world.chair, world.school_rep])
    # The scheduler only loads crontab entries within ±2 hours of "now": look at it on Monday 08:00 Beijing time.
    monkeypatch.setattr(schedulers, "aware_now", lambda: datetime(2026, 3, 16, 8, 0, 2, tzinfo=SH))
    scheduler = DatabaseScheduler(app=app, lazy=True)
    entries = scheduler.all_as_schedule()
    entry = entries[beat.periodic_task_name(schedule)]
    assert entry.task == "consortium.leadership.tasks.run_scheduled_report"
    assert entry.args == [schedule.pk, world.consortium.pk]
    last_run = datetime(2026, 3, 9, 8, 0, 5, tzinfo=SH)  # last Monday's run
    for now, due in [
        (datetime(2026, 3, 16, 7, 59, tzinfo=SH), False),  # Monday, a minute early
        (datetime(2026, 3, 16, 8, 0, 2, tzinfo=SH), True),  # Monday 08:00 Beijing time
        (datetime(2026, 3, 16, 0, 0, 2, tzinfo=ZoneInfo("UTC")), True),  # the same moment in UTC
        (datetime(2026, 3, 17, 8, 0, 2, tzinfo=SH), True),  # missed Monday: due at once
    ]:
        entry.schedule.nowfun = lambda now=now: now
        is_due, next_check = entry.schedule.is_due(last_run)
        assert is_due is due, now
    entry.schedule.nowfun = lambda: datetime(2026, 3, 16, 8, 0, 30, tzinfo=SH)
    assert entry.schedule.remaining_estimate(datetime(2026, 3, 16, 8, 0, 2, tzinfo=SH)).days == 6
    # what beat would send: the named task with the entry's args (tasks run eagerly in tests)
    app.loader.import_default_modules()  # what a worker does at start: autodiscover the apps' tasks modules
    result = app.tasks[entry.task].apply(args=entry.args)
    ids = result.get()
    reports = Report.objects.filter(pk__in=ids)
    period = period_for(ReportKind.WEEKLY_TASKS, timezone.localdate())
    assert {(r.unit_id, r.status, r.period_start, r.period_end) for r in reports} == {
        (None, ReportStatus.DONE, *period), (world.school.pk, ReportStatus.DONE, *period)}
    # disabled: the scheduler no longer loads it
    services.report_schedule_save(actor=world.secretariat, schedule=schedule, enabled=False, hour="8", minute="0",
                                  day_of_week="1")
    assert beat.periodic_task_name(schedule) not in DatabaseScheduler(app=app, lazy=True).all_as_schedule()
    assert beat.periodic_task_name(schedule) not in scheduler.all_as_schedule()
