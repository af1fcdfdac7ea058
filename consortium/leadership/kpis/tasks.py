"""Celery tasks of the KPI layer (names fixed: the shipped beat entry calls ``refresh_kpis_all``).

* ``refresh_kpis_all()`` – beat entry: enqueues one ``refresh_kpis(consortium_id)`` per ACTIVE consortium.
* ``refresh_kpis(consortium_id)`` – ``kpis.refresh.kpi_refresh``: recompute and replace that consortium's facts.
  Idempotent (the facts are replaced wholesale), ``acks_late`` + ``reject_on_worker_lost``: a worker killed mid-run
  gets the message redelivered and the half-done transaction was rolled back.
"""

from __future__ import annotations

from celery import shared_task

from consortium.tenancy.choices import ConsortiumStatus
from consortium.tenancy.models import Consortium

from ..choices import RefreshStatus
from .refresh import kpi_refresh


@shared_task(name="consortium.leadership.tasks.refresh_kpis_all", acks_late=True, reject_on_worker_lost=True)
def refresh_kpis_all() -> int:
    """Fan out one refresh per active consortium; returns how many were enqueued."""
    ids = list(Consortium.objects.filter(status=ConsortiumStatus.ACTIVE).order_by("pk").values_list("pk", flat=True))
    for consortium_id in ids:
        refresh_kpis.delay(consortium_id)
    return len(ids)


@shared_task(name="consortium.leadership.tasks.refresh_kpis", acks_late=True, reject_on_worker_lost=True)
def refresh_kpis(consortium_id: int, trigger: str = "beat") -> int:
    """Refresh one consortium's KPI facts; returns the number of facts stored (-1 when the refresh failed)."""
    refresh = kpi_refresh(consortium_id=consortium_id, trigger=trigger)
    return refresh.facts if refresh.status == RefreshStatus.DONE else -1
