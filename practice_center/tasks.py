"""Background jobs of practice centres (Celery autodiscovers this module).

Beat: ``practice_center.tasks.complete_ended_bookings_all`` daily (migration 0003); it fans out one
``complete_ended_bookings`` per active consortium. Idempotent: only approved bookings that ended are touched, and a
completed booking is never completed again.
"""

from __future__ import annotations

from celery import shared_task

from consortium.tenancy.choices import ConsortiumStatus
from consortium.tenancy.models import Consortium

from .services import bookings_complete_ended


@shared_task(acks_late=True, reject_on_worker_lost=True)
def complete_ended_bookings(consortium_id: int) -> int:
    """Approved bookings of one consortium that ended → completed. Returns how many."""
    return bookings_complete_ended(consortium_id=consortium_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def complete_ended_bookings_all() -> int:
    """Beat entry: one ``complete_ended_bookings`` per active consortium. Returns the number of consortia."""
    ids = list(Consortium.objects.filter(status=ConsortiumStatus.ACTIVE).values_list("pk", flat=True))
    for consortium_id in ids:
        complete_ended_bookings.delay(consortium_id)
    return len(ids)
