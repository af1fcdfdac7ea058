"""No double booking under concurrent requests (PostgreSQL only).

Twenty threads, each with its own database connection, request the same slot at the same moment:

* an exclusive room → exactly one booking wins, the others get the specific field error;
* a shared area with 10 seats, requests of 3 people → exactly three win;
* with ``waitlist=True`` → one holds the slot, the others are waitlisted.

Plus the database's own guarantee: the exclusion constraint of migration 0002 rejects an overlapping holding booking
of an exclusive resource written directly (bypassing the service and its lock), and its IntegrityError is the one
the service translates.
"""

from __future__ import annotations

import threading
from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.models import MemberUnit, User
from practice_center import services
from practice_center.choices import BookingPurpose, BookingStatus
from practice_center.models import EXCLUSION_CONSTRAINT_NAME, Booking, Resource
from tests.factories.practice_center import (
    BookingFactory,
    PracticeCentreFactory,
    ResourceFactory,
    local_dt,
    next_weekday,
    weekday_hours,
)
from tests.factories.tenancy import MemberUnitFactory, UnitMembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


@pytest.fixture
def setup():
    owner = MemberUnitFactory(kind=UnitKind.SCHOOL)
    centre = PracticeCentreFactory(owner_unit=owner)
    weekday_hours(centre, time(8), time(18))
    bookers = []
    for _ in range(THREADS):
        unit = MemberUnitFactory(consortium=owner.consortium)
        bookers.append((UnitMembershipFactory(unit=unit).user.pk, unit.pk))
    day = next_weekday(1, 1)
    return {
        "room": ResourceFactory(centre=centre),
        "area": ResourceFactory(centre=centre, shared=True),
        "bookers": bookers,
        "start": local_dt(day, 9),
        "end": local_dt(day, 11),
    }


def _fire(setup, resource: Resource, headcount: int, waitlist: bool = False) -> tuple[list[int], list[dict]]:
    """Fire THREADS booking requests at once; returns (ids of bookings created, field errors of the refused)."""
    barrier = threading.Barrier(THREADS)
    created: list[int] = []
    errors: list[dict] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def request(user_id: int, unit_id: int) -> None:
        try:
            actor = User.objects.get(pk=user_id)
            unit = MemberUnit.objects.get(pk=unit_id)
            target = Resource.objects.get(pk=resource.pk)
            barrier.wait(timeout=30)
            try:
                booking = services.booking_request(
                    actor=actor,
                    resource=target,
                    unit=unit,
                    purpose=BookingPurpose.PRACTICE_TEACHING,
                    start=setup["start"],
                    end=setup["end"],
                    headcount=headcount,
                    waitlist=waitlist,
                )
            except ValidationError as exc:
                with lock:
                    errors.append(exc.message_dict)
            else:
                with lock:
                    created.append(booking.pk)
        except BaseException as exc:  # surfaced by the assertion below
            with lock:
                unexpected.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request, args=pair) for pair in setup["bookers"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not unexpected, unexpected
    assert len(created) + len(errors) == THREADS
    return created, errors


def test_concurrent_requests_for_an_exclusive_room_exactly_one_wins(setup):
    created, errors = _fire(setup, setup["room"], headcount=5)
    assert len(created) == 1
    assert errors == [{"start": ["该时段已被预约，请选择其他时间或加入候补。"]}] * (THREADS - 1)
    assert Booking.objects.filter(resource=setup["room"]).count() == 1


def test_concurrent_requests_for_a_shared_area_never_exceed_capacity(setup):
    created, errors = _fire(setup, setup["area"], headcount=3)
    assert len(created) == 3  # 3 × 3 = 9 of 10 seats; a fourth group of 3 does not fit
    assert len(errors) == THREADS - 3
    assert all(set(e) == {"headcount"} for e in errors)
    assert list(Booking.objects.filter(resource=setup["area"]).values_list("headcount", flat=True)) == [3, 3, 3]


def test_concurrent_requests_with_waitlist_one_holds_the_others_wait(setup):
    created, errors = _fire(setup, setup["room"], headcount=1, waitlist=True)
    assert errors == [] and len(created) == THREADS
    statuses = sorted(Booking.objects.filter(pk__in=created).values_list("status", flat=True))
    assert statuses == [BookingStatus.PENDING] + [BookingStatus.WAITLISTED] * (THREADS - 1)


def test_exclusion_constraint_rejects_a_raw_overlapping_insert(setup):
    room, start, end = setup["room"], setup["start"], setup["end"]
    first = BookingFactory(resource=room, start=start, end=end, status=BookingStatus.APPROVED)
    with pytest.raises(IntegrityError) as excinfo:
        with transaction.atomic():
            BookingFactory(resource=room, start=start + timedelta(hours=1), end=end + timedelta(hours=1))
    assert EXCLUSION_CONSTRAINT_NAME in str(excinfo.value)
    assert services._is_exclusion_violation(excinfo.value)
    # Touching ranges, bookings that do not hold the slot and shared resources are allowed.
    BookingFactory(resource=room, start=end, end=end + timedelta(hours=1), status=BookingStatus.PENDING)
    BookingFactory(resource=room, start=start, end=end, status=BookingStatus.CANCELLED)
    BookingFactory(resource=room, start=start, end=end, status=BookingStatus.WAITLISTED)
    area = setup["area"]
    BookingFactory(resource=area, start=start, end=end, headcount=2)
    BookingFactory(resource=area, start=start, end=end, headcount=2)
    # Re-activating a cancelled overlapping booking is rejected too (UPDATE, not only INSERT).
    cancelled = Booking.objects.get(resource=room, status=BookingStatus.CANCELLED)
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Booking.objects.filter(pk=cancelled.pk).update(status=BookingStatus.PENDING)
    # Raw SQL bypassing the ORM altogether.
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO practice_center_booking (consortium_id, unit_id, centre_id, resource_id, "
                'resource_exclusive, purpose, start, "end", headcount, title, note, status, decision_reason, '
                "government_purchase, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, true, 'production', %s, %s, 1, '', '', 'approved', '', false, now(), now())",
                [first.consortium_id, first.unit_id, first.centre_id, room.pk, start, end],
            )


def test_switching_a_shared_resource_with_overlaps_to_exclusive_is_refused_by_the_database(setup):
    area, start, end = setup["area"], setup["start"], setup["end"]
    BookingFactory(resource=area, start=start, end=end, headcount=2)
    BookingFactory(resource=area, start=start, end=end, headcount=2)
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Booking.objects.filter(resource=area).update(resource_exclusive=True)
