"""Data-migration helper for django-celery-beat entries that ship with an app.

The schedule lives in the database so staff can change or disable it in the admin (DESIGN.md §4, Celery). The
operation is idempotent (get_or_create by name; an entry staff edited is left alone) and reversible.
"""

from __future__ import annotations

from django.db import migrations
from django.utils import timezone

BEAT_DEPENDENCY = ("django_celery_beat", "0019_alter_periodictasks_options")


def _bump(apps) -> None:
    # The DatabaseScheduler reloads when PeriodicTasks.last_update moves; signals do not fire for historical models.
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def daily_beat_entry(*, name: str, task: str, hour: int, minute: int, description: str) -> migrations.RunPython:
    """A RunPython operation creating (and on reverse removing) a daily crontab entry in Asia/Shanghai time."""
    crontab = {
        "minute": str(minute),
        "hour": str(hour),
        "day_of_week": "*",
        "day_of_month": "*",
        "month_of_year": "*",
        "timezone": "Asia/Shanghai",
    }

    def create(apps, schema_editor):
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        schedule = CrontabSchedule.objects.filter(**crontab).order_by("id").first()
        if schedule is None:
            schedule = CrontabSchedule.objects.create(**crontab)
        _entry, created = PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": task, "crontab": schedule, "args": "[]", "kwargs": "{}", "enabled": True,
                "description": description,
            },
        )
        if created:
            _bump(apps)

    def remove(apps, schema_editor):
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        deleted, _by_model = PeriodicTask.objects.filter(name=name, task=task).delete()
        CrontabSchedule.objects.filter(**crontab, periodictask__isnull=True).delete()  # only if now unused
        if deleted:
            _bump(apps)

    return migrations.RunPython(create, remove)
