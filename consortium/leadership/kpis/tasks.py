"""Stub: replaced by its owner."""

from celery import shared_task


@shared_task(name="consortium.leadership.tasks.refresh_kpis_all")
def refresh_kpis_all() -> int:
    return 0


@shared_task(name="consortium.leadership.tasks.refresh_kpis")
def refresh_kpis(consortium_id: int) -> int:
    return 0
