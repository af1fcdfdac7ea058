"""Celery tasks of the reports (names fixed: the beat entries and ``leadership.tasks`` refer to them).

Each takes ids and an explicit consortium id, re-fetches through ``for_consortium`` and calls the service of the same
name. ``acks_late`` + ``reject_on_worker_lost``: a lost worker's message is redelivered; the services are idempotent
(a done report is not regenerated, a stale running one is taken over, a delivery is sent once per report and address).
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="consortium.leadership.tasks.generate_report", acks_late=True, reject_on_worker_lost=True)
def generate_report(report_id: int, consortium_id: int) -> str:
    """Generate report ``report_id``; returns its final status ("" when it does not exist)."""
    report = services.report_generate(report_id=report_id, consortium_id=consortium_id)
    return report.status if report is not None else ""


@shared_task(name="consortium.leadership.tasks.run_scheduled_report", acks_late=True, reject_on_worker_lost=True)
def run_scheduled_report(schedule_id: int, consortium_id: int) -> list[int]:
    """Fired by beat (one PeriodicTask per ReportSchedule): the period's reports per scope, then the e-mails."""
    return services.report_run_schedule(schedule_id=schedule_id, consortium_id=consortium_id)


@shared_task(
    name="consortium.leadership.tasks.deliver_report", acks_late=True, reject_on_worker_lost=True,
    autoretry_for=(OSError,), retry_backoff=True, max_retries=5,
)
def deliver_report(report_id: int, consortium_id: int, schedule_id: int | None = None) -> int:
    """E-mail a done report to the recipients of its scope (each address once); returns the e-mails sent."""
    return services.report_deliver(report_id=report_id, consortium_id=consortium_id, schedule_id=schedule_id)
