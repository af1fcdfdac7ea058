"""Visibility entries for practice_center (merged into visibility.VISIBILITY).

Documented rules:

* Centres, their opening hours, closures and resources: the owner and operator units always; every member of the
  consortium while the centre is published. Unit admins of the owner or operator (and the secretariat) change them.
* Bookings: the booking unit and the centre's owner and operator units (plus secretariat and officials). Admins and
  staff of those units may change them (the services then check the specific party: only centre admins approve or
  refuse, the booking unit or the centre cancels). The status history is read-only.
* Training sessions: the organising unit (its admins write); consortium-wide while the hosting centre is published;
  the hosting centre's owner/operator also read them (not exercised here: the world's sessions are at the
  organiser's own published centre — covered by tests/practice_center/test_selectors.py).
* Trainees (personal data): the organising unit only (plus secretariat and officials); its admins write.
* Production records: the recording unit and the centre's owner/operator (unit admins write); the client unit reads
  its own records (the world's records have an external client; covered by the practice_center tests).
"""

from __future__ import annotations

from typing import Any

from consortium.tenancy.choices import UnitRole
from practice_center import models as pc

from .visibility import ADMIN, _unit_fk, unit

ADMIN_AND_STAFF = frozenset({UnitRole.UNIT_ADMIN.value, UnitRole.UNIT_STAFF.value})


def _centre_units(centre: Any) -> set[int]:
    return {centre.owner_unit_id, centre.operator_unit_id}


def _of_centre(row: Any) -> set[int]:
    return _centre_units(row.centre)


def _published_centre(row: Any) -> bool:
    return row.centre.is_published


VISIBILITY: dict = {
    pc.PracticeCentre: unit(owners=_centre_units, shared=lambda row: row.is_published, write_roles=ADMIN),
    pc.OpeningHours: unit(owners=_of_centre, shared=_published_centre, write_roles=ADMIN),
    pc.CentreClosure: unit(owners=_of_centre, shared=_published_centre, write_roles=ADMIN),
    pc.Resource: unit(owners=_of_centre, shared=_published_centre, write_roles=ADMIN),
    pc.Booking: unit(owners=lambda row: {row.unit_id} | _of_centre(row), write_roles=ADMIN_AND_STAFF),
    pc.BookingStatusChange: unit(owners=lambda row: {row.unit_id} | _centre_units(row.booking.centre)),
    pc.TrainingSession: unit(owners=_unit_fk, shared=_published_centre, write_roles=ADMIN),
    pc.Trainee: unit(owners=_unit_fk, write_roles=ADMIN),
    pc.ProductionRecord: unit(owners=lambda row: {row.unit_id} | _of_centre(row), write_roles=ADMIN),
}
