"""Background jobs of the demand side (imported from ``EnterprisesConfig.ready`` so Celery registers them).

Beat: schedule ``enterprises.tasks.expire_demands_all`` daily; it fans out one ``expire_demands`` per active
consortium. Both are idempotent (an expired demand is never expired again)."""

from __future__ import annotations

from celery import shared_task

from consortium.tenancy.choices import ConsortiumStatus
from consortium.tenancy.models import Consortium

from .services.demands import talent_demands_expire


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_demands(consortium_id: int) -> int:
    """Published demands of one consortium past their ``valid_until`` → expired. Returns how many."""
    return talent_demands_expire(consortium_id=consortium_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_demands_all() -> int:
    """Beat entry: one ``expire_demands`` per active consortium. Returns the number of consortia."""
    ids = list(Consortium.objects.filter(status=ConsortiumStatus.ACTIVE).values_list("pk", flat=True))
    for consortium_id in ids:
        expire_demands.delay(consortium_id)
    return len(ids)
