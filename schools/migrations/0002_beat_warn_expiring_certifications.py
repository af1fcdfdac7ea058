"""Data migration: the django-celery-beat entry that warns about expiring dual-qualification certifications.

Daily at 07:30 Asia/Shanghai, ``schools.tasks.warn_expiring_certifications_all`` fans out one task per consortium.
Idempotent (get_or_create by the entry's name; an existing entry that staff edited is left alone) and reversible.
The schedule lives in the database so staff can change or disable it in the admin (DESIGN.md §4, Celery).
"""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "schools.tasks.warn_expiring_certifications_all"
ENTRY_NAME = "双师型认定到期提醒（每日）"
CRONTAB = {
    "minute": "30",
    "hour": "7",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
    "timezone": "Asia/Shanghai",
}


def _bump(apps):
    # The DatabaseScheduler reloads its schedule when PeriodicTasks.last_update moves (signals do not fire for
    # historical models, so do it by hand).
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def create_entry(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab = CrontabSchedule.objects.filter(**CRONTAB).order_by("id").first()
    if crontab is None:
        crontab = CrontabSchedule.objects.create(**CRONTAB)
    _task, created = PeriodicTask.objects.get_or_create(
        name=ENTRY_NAME,
        defaults={
            "task": TASK_NAME,
            "crontab": crontab,
            "args": "[]",
            "kwargs": "{}",
            "enabled": True,
            "description": (
                "每天07:30（北京时间）检查各产教联合体90天内到期或已过期的双师型教师认定，并邮件提醒学校管理员。"
            ),
        },
    )
    if created:
        _bump(apps)


def remove_entry(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    deleted, _by_model = PeriodicTask.objects.filter(name=ENTRY_NAME, task=TASK_NAME).delete()
    # Drop the crontab only when nothing else uses it.
    CrontabSchedule.objects.filter(**CRONTAB, periodictask__isnull=True).delete()
    if deleted:
        _bump(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_entry, remove_entry)]
