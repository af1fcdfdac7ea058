"""Stub: replaced by its owner."""

from celery import shared_task


@shared_task(name="consortium.leadership.tasks.send_task_reminders_all")
def send_task_reminders_all() -> int:
    return 0


@shared_task(name="consortium.leadership.tasks.send_task_reminders")
def send_task_reminders(consortium_id: int) -> int:
    return 0
