"""Stub: replaced by its owner."""

from celery import shared_task


@shared_task(name="consortium.leadership.tasks.generate_report")
def generate_report(report_id: int, consortium_id: int) -> None:
    return None


@shared_task(name="consortium.leadership.tasks.run_scheduled_report")
def run_scheduled_report(schedule_id: int, consortium_id: int) -> None:
    return None


@shared_task(name="consortium.leadership.tasks.deliver_report")
def deliver_report(report_id: int, consortium_id: int) -> int:
    return 0
