"""Services of practice centres: booking rules (conflicts, capacity, opening hours, closures), the approval workflow
with refusal reasons and auto-approval, cancellation, no-show/completion, the waiting list, permissions (denied
writes change nothing), centres/resources/closures, training and production."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consortium.tenancy.choices import UnitKind
from practice_center import services
from practice_center.choices import BookingPurpose, BookingStatus, CentreKind, ProductionKind, ResourceKind
from practice_center.models import Booking, CentreClosure, OpeningHours, PracticeCentre, Trainee
from tests.factories.practice_center import (
    BookingFactory,
    PracticeCentreFactory,
    ResourceFactory,
    TraineeFactory,
    TrainingSessionFactory,
    local_dt,
    next_weekday,
    weekday_hours,
)
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TEACHING = BookingPurpose.PRACTICE_TEACHING


class World:
    pass


@pytest.fixture
def w():
    """Centre owned by school S and operated by enterprise O; B books; X is an unrelated member; F is foreign."""
    w = World()
    w.c = ConsortiumFactory()
    w.S = MemberUnitFactory(consortium=w.c, kind=UnitKind.SCHOOL, name="宝清职教中心")
    w.O = MemberUnitFactory(consortium=w.c, name="运营公司")
    w.B = MemberUnitFactory(consortium=w.c, kind=UnitKind.SCHOOL, name="预约学校")
    w.X = MemberUnitFactory(consortium=w.c, name="无关企业")
    w.s_admin = UnitMembershipFactory(unit=w.S, admin=True).user
    w.s_staff = UnitMembershipFactory(unit=w.S).user
    w.o_admin = UnitMembershipFactory(unit=w.O, admin=True).user
    w.b_admin = UnitMembershipFactory(unit=w.B, admin=True).user
    w.b_staff = UnitMembershipFactory(unit=w.B).user
    w.x_admin = UnitMembershipFactory(unit=w.X, admin=True).user
    w.sec = UserFactory(consortium=w.c, secretariat=True)
    w.official = UserFactory(consortium=w.c, official=True)
    w.centre = PracticeCentreFactory(owner_unit=w.S, operator_unit=w.O, name="宝清公共实训基地")
    weekday_hours(w.centre, time(8), time(18))
    w.room = ResourceFactory(centre=w.centre, name="数控实训室", hourly_fee=Decimal("100.00"))
    w.area = ResourceFactory(centre=w.centre, shared=True, name="钳工工位区")
    w.day = next_weekday(1, 0)  # a Monday at least a week ahead
    f = ConsortiumFactory()
    w.foreign_centre = PracticeCentreFactory(owner_unit=MemberUnitFactory(consortium=f))
    weekday_hours(w.foreign_centre)
    w.foreign_room = ResourceFactory(centre=w.foreign_centre)
    w.foreign_sec = UserFactory(consortium=f, secretariat=True)
    return w


def at(w, hour: int, minute: int = 0, *, days: int = 0):
    return local_dt(w.day + timedelta(days=days), hour, minute)


def book(w, actor=None, unit=None, resource=None, start=9, end=11, headcount=1, **kwargs) -> Booking:
    return services.booking_request(
        actor=actor or w.b_admin,
        resource=resource or w.room,
        unit=unit or w.B,
        purpose=kwargs.pop("purpose", TEACHING),
        start=at(w, start) if isinstance(start, int) else start,
        end=at(w, end) if isinstance(end, int) else end,
        headcount=headcount,
        **kwargs,
    )


def history(booking: Booking) -> list[tuple[str, str]]:
    return list(booking.status_changes.order_by("id").values_list("from_status", "to_status"))


def field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


# --- the approval workflow ----------------------------------------------------------------------------------------


def test_other_units_booking_waits_for_the_centre_and_is_approved(w):
    booking = book(w)
    assert booking.status == BookingStatus.PENDING
    assert (booking.centre_id, booking.resource_exclusive, booking.fee) == (w.centre.pk, True, Decimal("200.00"))
    assert booking.requested_by == w.b_admin
    services.booking_approve(actor=w.o_admin, booking=booking)  # the operator decides
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED and booking.decided_by == w.o_admin
    assert history(booking) == [("", "pending"), ("pending", "approved")]
    with pytest.raises(ValidationError) as again:
        services.booking_approve(actor=w.s_admin, booking=booking)
    assert "status" in field_errors(again)


def test_staff_of_booking_unit_may_book(w):
    assert book(w, actor=w.b_staff).status == BookingStatus.PENDING


@pytest.mark.parametrize("who", ["s_staff", "b_admin", "x_admin", "official", "foreign_sec"])
def test_only_centre_admins_approve_and_denied_approval_changes_nothing(w, who):
    booking = book(w)
    with pytest.raises(PermissionDenied):
        services.booking_approve(actor=getattr(w, who), booking=booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING and booking.decided_by is None
    assert history(booking) == [("", "pending")]


def test_secretariat_may_approve(w):
    booking = services.booking_approve(actor=w.sec, booking=book(w))
    assert booking.status == BookingStatus.APPROVED


def test_refusal_needs_a_reason(w):
    booking = book(w)
    with pytest.raises(ValidationError) as no_reason:
        services.booking_refuse(actor=w.s_admin, booking=booking, reason="   ")
    assert field_errors(no_reason) == {"reason": ["拒绝预约必须填写理由。"]}
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING
    with pytest.raises(PermissionDenied):
        services.booking_refuse(actor=w.b_admin, booking=booking, reason="自己拒绝")
    services.booking_refuse(actor=w.s_admin, booking=booking, reason="设备检修")
    booking.refresh_from_db()
    assert (booking.status, booking.decision_reason) == (BookingStatus.REFUSED, "设备检修")
    assert history(booking)[-1] == ("pending", "refused")


@pytest.mark.parametrize(("actor", "unit"), [("s_staff", "S"), ("o_admin", "O")])
def test_own_units_bookings_are_auto_approved(w, actor, unit):
    booking = book(w, actor=getattr(w, actor), unit=getattr(w, unit))
    assert booking.status == BookingStatus.APPROVED and booking.decided_at is not None
    assert history(booking) == [("", "approved")]


def test_auto_approval_can_be_switched_off(w):
    PracticeCentre.objects.filter(pk=w.centre.pk).update(auto_approve_own=False)
    assert book(w, actor=w.s_admin, unit=w.S).status == BookingStatus.PENDING


# --- booking rules ------------------------------------------------------------------------------------------------


def test_exclusive_resource_rejects_overlap_but_accepts_touching(w):
    book(w, start=9, end=11)
    with pytest.raises(ValidationError) as overlap:
        book(w, actor=w.x_admin, unit=w.X, start=10, end=12)
    assert field_errors(overlap) == {"start": ["该时段已被预约，请选择其他时间或加入候补。"]}
    assert book(w, actor=w.x_admin, unit=w.X, start=11, end=12).status == BookingStatus.PENDING
    assert book(w, actor=w.x_admin, unit=w.X, start=8, end=9).status == BookingStatus.PENDING
    assert Booking.objects.filter(resource=w.room).count() == 3


@pytest.mark.parametrize("status", [BookingStatus.CANCELLED, BookingStatus.REFUSED, BookingStatus.WAITLISTED])
def test_bookings_that_do_not_hold_the_slot_do_not_count(w, status):
    BookingFactory(resource=w.room, unit=w.X, start=at(w, 9), end=at(w, 11), status=status)
    assert book(w, start=9, end=11).status == BookingStatus.PENDING


def test_shared_resource_capacity_exact_fit_and_one_more(w):
    for _ in range(3):
        book(w, resource=w.area, headcount=3)
    assert book(w, resource=w.area, headcount=1).status == BookingStatus.PENDING  # 10 of 10 seats
    with pytest.raises(ValidationError) as full:
        book(w, resource=w.area, headcount=1)
    assert field_errors(full) == {"headcount": ["该时段剩余座位不足：最多还可预约0人，申请1人。"]}
    assert book(w, resource=w.area, start=11, end=12, headcount=10).headcount == 10  # touching: all seats free
    with pytest.raises(ValidationError) as too_many:
        book(w, resource=w.area, start=13, end=14, headcount=11)
    assert "headcount" in field_errors(too_many)


def test_shared_capacity_uses_the_peak_not_the_sum(w):
    book(w, resource=w.area, start=9, end=10, headcount=6)
    book(w, resource=w.area, start=10, end=11, headcount=6)  # not concurrent with the first
    assert book(w, resource=w.area, start=9, end=11, headcount=4).status == BookingStatus.PENDING
    with pytest.raises(ValidationError):
        book(w, resource=w.area, start=9, end=11, headcount=1)


@pytest.mark.parametrize(
    ("start", "end"),
    [((7, 30), (9, 0)), ((17, 0), (18, 30)), ((9, 0), (9, 0))],
)
def test_outside_opening_hours_is_refused(w, start, end):
    with pytest.raises(ValidationError) as excinfo:
        book(w, start=at(w, *start), end=at(w, *end))
    assert set(field_errors(excinfo)) <= {"start", "end"}
    assert not Booking.objects.exists()


def test_closed_weekday_and_split_windows(w):
    with pytest.raises(ValidationError) as saturday:
        book(w, start=at(w, 9, days=5), end=at(w, 10, days=5))
    assert "开放时间" in field_errors(saturday)["start"][0]
    services.opening_hours_set(
        actor=w.s_admin,
        centre=w.centre,
        rows=[(0, time(8), time(12)), {"weekday": 0, "opens": time(13), "closes": time(17)}],
    )
    with pytest.raises(ValidationError):
        book(w, start=11, end=14)  # across the lunch break
    assert book(w, start=13, end=17).status == BookingStatus.PENDING


def test_closure_blocks_bookings_but_touching_is_fine(w):
    CentreClosure.objects.create(consortium=w.c, centre=w.centre, start=at(w, 12), end=at(w, 14), reason="停电检修")
    with pytest.raises(ValidationError) as closed:
        book(w, start=11, end=13)
    assert "停电检修" in field_errors(closed)["start"][0]
    assert book(w, start=10, end=12).status == BookingStatus.PENDING
    assert book(w, start=14, end=16).status == BookingStatus.PENDING


def test_bad_input_gives_specific_field_errors_and_creates_nothing(w):
    cases = [
        ({"start": 11, "end": 9}, "end"),
        ({"start": timezone.now() - timedelta(days=7), "end": timezone.now() - timedelta(days=7, hours=-1)}, "start"),
        ({"headcount": 0}, "headcount"),
        ({"purpose": "party"}, "purpose"),
        ({"government_amount": Decimal("50")}, "government_amount"),
        ({"training_session": None, "start": "明天", "end": 11}, "start"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as excinfo:
            book(w, **kwargs)
        assert field in field_errors(excinfo), kwargs
    PracticeCentre.objects.filter(pk=w.centre.pk).update(offers_production=False)
    with pytest.raises(ValidationError) as not_offered:
        book(w, purpose=BookingPurpose.PRODUCTION)
    assert field_errors(not_offered) == {"purpose": ["该中心不提供此类用途的服务。"]}
    w.room.is_active = False
    w.room.save()
    with pytest.raises(ValidationError) as inactive:
        book(w)
    assert "resource" in field_errors(inactive)
    assert not Booking.objects.exists()


def test_training_session_must_be_at_the_same_centre(w):
    elsewhere = TrainingSessionFactory(centre=PracticeCentreFactory(owner_unit=w.B), unit=w.B)
    with pytest.raises(ValidationError) as excinfo:
        book(w, training_session=elsewhere)
    assert "training_session" in field_errors(excinfo)


@pytest.mark.parametrize(
    ("actor", "unit", "resource"),
    [
        ("x_admin", "B", "room"),  # not a member of the booking unit
        ("official", "B", "room"),  # officials read only
        ("b_admin", "B", "foreign_room"),  # another consortium's resource
        ("foreign_sec", "B", "room"),
    ],
)
def test_booking_permissions(w, actor, unit, resource):
    with pytest.raises(PermissionDenied):
        book(w, actor=getattr(w, actor), unit=getattr(w, unit), resource=getattr(w, resource))
    assert not Booking.objects.exists()


def test_unpublished_centres_are_bookable_by_their_own_units_only(w):
    PracticeCentre.objects.filter(pk=w.centre.pk).update(is_published=False)
    with pytest.raises(PermissionDenied):
        book(w)
    assert book(w, actor=w.s_staff, unit=w.S).status == BookingStatus.APPROVED


def test_secretariat_books_for_any_unit_and_inactive_units_cannot_book(w):
    assert book(w, actor=w.sec).unit == w.B
    w.X.status = "suspended"
    w.X.save()
    with pytest.raises(ValidationError) as suspended:
        book(w, actor=w.x_admin, unit=w.X, start=12, end=13)
    assert "unit" in field_errors(suspended)


# --- cancel, no-show, complete ------------------------------------------------------------------------------------


def test_cancel_by_booking_unit_or_centre_not_by_others(w):
    first = book(w, start=9, end=10)
    second = book(w, start=10, end=11)
    with pytest.raises(PermissionDenied):
        services.booking_cancel(actor=w.x_admin, booking=first)
    first.refresh_from_db()
    assert first.status == BookingStatus.PENDING
    services.booking_cancel(actor=w.b_staff, booking=first, reason="课程调整")
    services.booking_cancel(actor=w.o_admin, booking=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == BookingStatus.CANCELLED
    assert first.cancelled_at is not None and history(first)[-1] == ("pending", "cancelled")
    with pytest.raises(ValidationError) as twice:
        services.booking_cancel(actor=w.b_admin, booking=first)
    assert "status" in field_errors(twice)


def test_started_bookings_cannot_be_cancelled_and_ended_ones_are_recorded(w):
    now = timezone.now()
    running = BookingFactory(resource=w.room, unit=w.B, start=now - timedelta(hours=1), end=now + timedelta(hours=1))
    with pytest.raises(ValidationError):
        services.booking_cancel(actor=w.b_admin, booking=running)
    with pytest.raises(ValidationError) as too_early:
        services.booking_complete(actor=w.s_admin, booking=running)
    assert "status" in field_errors(too_early)
    ended = BookingFactory(resource=w.room, unit=w.B, start=now - timedelta(hours=5), end=now - timedelta(hours=3))
    other = BookingFactory(resource=w.room, unit=w.B, start=now - timedelta(hours=8), end=now - timedelta(hours=6))
    with pytest.raises(PermissionDenied):
        services.booking_mark_no_show(actor=w.b_admin, booking=ended)
    ended.refresh_from_db()
    assert ended.status == BookingStatus.APPROVED
    services.booking_mark_no_show(actor=w.s_admin, booking=ended, reason="未到场")
    services.booking_complete(actor=w.o_admin, booking=other)
    ended.refresh_from_db()
    other.refresh_from_db()
    assert (ended.status, other.status) == (BookingStatus.NO_SHOW, BookingStatus.COMPLETED)


def test_allowed_actions(w):
    pending = book(w)
    assert services.booking_allowed_actions(w.s_admin, pending) == ["approve", "refuse", "cancel"]
    assert services.booking_allowed_actions(w.b_staff, pending) == ["cancel"]
    assert services.booking_allowed_actions(w.x_admin, pending) == []
    now = timezone.now()
    ended = BookingFactory(resource=w.room, unit=w.B, start=now - timedelta(hours=3), end=now - timedelta(hours=1))
    assert services.booking_allowed_actions(w.o_admin, ended) == ["complete", "no_show"]


def test_daily_completion_of_ended_bookings(w):
    now = timezone.now()
    old = BookingFactory(resource=w.room, unit=w.B, start=now - timedelta(days=3, hours=2), end=now - timedelta(days=3))
    recent = BookingFactory(resource=w.room, unit=w.B, start=now - timedelta(hours=3), end=now - timedelta(hours=1))
    foreign = BookingFactory(
        resource=w.foreign_room, start=now - timedelta(days=4), end=now - timedelta(days=3, hours=22)
    )
    from practice_center.tasks import complete_ended_bookings

    assert complete_ended_bookings.delay(w.c.pk).get() == 1
    assert services.bookings_complete_ended(consortium_id=w.c.pk) == 0  # idempotent
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "completed", recent.pk: "approved", foreign.pk: "approved"}
    assert history(old) == [("approved", "completed")]


# --- waiting list -------------------------------------------------------------------------------------------------


def test_full_slot_goes_to_the_waiting_list_and_is_promoted_on_cancel(w):
    holder = book(w)
    first = book(w, actor=w.x_admin, unit=w.X, waitlist=True)
    second = book(w, actor=w.s_staff, unit=w.S, start=10, end=11, waitlist=True)
    assert first.status == second.status == BookingStatus.WAITLISTED
    services.booking_cancel(actor=w.b_admin, booking=holder)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == BookingStatus.PENDING  # oldest first; X's booking needs approval
    assert second.status == BookingStatus.WAITLISTED  # overlaps the promoted one
    assert history(first) == [("", "waitlisted"), ("waitlisted", "pending")]
    services.booking_refuse(actor=w.o_admin, booking=first, reason="与校内课程冲突")
    second.refresh_from_db()
    assert second.status == BookingStatus.APPROVED  # the owner's own booking: auto-approved on promotion


def test_free_slot_with_waitlist_flag_books_normally(w):
    assert book(w, waitlist=True).status == BookingStatus.PENDING


def test_shared_waitlist_promotes_every_booking_that_fits(w):
    holder = book(w, resource=w.area, headcount=8)
    small = [book(w, actor=w.x_admin, unit=w.X, resource=w.area, headcount=3, waitlist=True) for _ in range(2)]
    big = book(w, actor=w.x_admin, unit=w.X, resource=w.area, headcount=5, waitlist=True)
    tiny = book(w, actor=w.x_admin, unit=w.X, resource=w.area, headcount=2, waitlist=True)
    assert tiny.status == BookingStatus.PENDING  # 8 + 2 = 10 fits at once
    services.booking_cancel(actor=w.b_admin, booking=holder)
    statuses = [Booking.objects.get(pk=b.pk).status for b in [*small, big]]
    assert statuses == ["pending", "pending", "waitlisted"]  # 2 + 3 + 3 = 8; 8 + 5 > 10


def test_waitlist_promotion_skips_bookings_in_a_new_closure(w):
    holder = book(w)
    waiting = book(w, actor=w.x_admin, unit=w.X, waitlist=True)
    CentreClosure.objects.create(consortium=w.c, centre=w.centre, start=at(w, 10), end=at(w, 12))
    services.booking_cancel(actor=w.b_admin, booking=holder)
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.WAITLISTED


def test_waitlisted_booking_can_be_cancelled_or_refused(w):
    book(w)
    waiting = book(w, actor=w.x_admin, unit=w.X, waitlist=True)
    services.booking_cancel(actor=w.x_admin, booking=waiting)
    assert Booking.objects.get(pk=waiting.pk).status == BookingStatus.CANCELLED


# --- fees ---------------------------------------------------------------------------------------------------------


def test_fee_and_government_purchase(w):
    booking = book(w, start=9, end=10, government_purchase=True, government_amount=Decimal("60"))
    assert (booking.fee, booking.government_amount) == (Decimal("100.00"), Decimal("60"))
    with pytest.raises(PermissionDenied):
        services.booking_set_fee(actor=w.b_admin, booking=booking, fee=Decimal("0"))
    with pytest.raises(ValidationError) as negative:
        services.booking_set_fee(actor=w.s_admin, booking=booking, fee="-1")
    assert "fee" in field_errors(negative)
    with pytest.raises(ValidationError) as amount_without_purchase:
        services.booking_set_fee(actor=w.s_admin, booking=booking, government_purchase=False)
    assert "government_amount" in field_errors(amount_without_purchase)
    booking.refresh_from_db()
    assert booking.fee == Decimal("100.00")
    services.booking_set_fee(
        actor=w.s_admin, booking=booking, fee="80", government_amount=None, government_purchase=False
    )
    booking.refresh_from_db()
    assert (booking.fee, booking.government_purchase, booking.government_amount) == (Decimal("80.00"), False, None)
    assert book(w, resource=w.area, start=10, end=11).fee is None  # no fee set for the shared area


# --- centres, resources, hours, closures --------------------------------------------------------------------------


def test_centre_create_permissions_and_unit_sync(w):
    with pytest.raises(PermissionDenied):
        services.centre_create(actor=w.x_admin, owner_unit=w.S, name="别人的中心", kind=CentreKind.SCHOOL)
    with pytest.raises(PermissionDenied):
        services.centre_create(actor=w.s_staff, owner_unit=w.S, name="职员登记", kind=CentreKind.SCHOOL)
    assert not PracticeCentre.objects.filter(name__in=["别人的中心", "职员登记"]).exists()
    centre = services.centre_create(
        actor=w.o_admin,
        owner_unit=w.S,
        operator_unit=w.O,
        name="校中厂",
        kind=CentreKind.SCHOOL,
        form="factory_in_school",
    )
    assert (centre.unit_id, centre.owner_unit_id, centre.operator_unit_id) == (w.S.pk, w.S.pk, w.O.pk)
    with pytest.raises(ValidationError) as bad_kind:
        services.centre_create(actor=w.sec, owner_unit=w.X, name="坏类型", kind="mall")
    assert "kind" in field_errors(bad_kind)
    with pytest.raises(ValidationError) as duplicate:
        services.centre_create(actor=w.sec, owner_unit=w.X, name="校中厂", kind=CentreKind.ENTERPRISE)
    assert field_errors(duplicate) == {"name": ["联合体内已有同名的实践中心。"]}


def test_centre_update_handover(w):
    services.centre_update(actor=w.s_admin, centre=w.centre, operator_unit=w.X, address="新地址")
    w.centre.refresh_from_db()
    assert (w.centre.operator_unit_id, w.centre.address) == (w.X.pk, "新地址")
    with pytest.raises(ValidationError) as lose:
        services.centre_update(actor=w.s_admin, centre=w.centre, owner_unit=w.B)
    assert "owner_unit" in field_errors(lose)
    services.centre_update(actor=w.sec, centre=w.centre, owner_unit=w.B)
    w.centre.refresh_from_db()
    assert w.centre.unit_id == w.B.pk == w.centre.owner_unit_id
    with pytest.raises(PermissionDenied):
        services.centre_update(actor=w.o_admin, centre=w.centre, name="改名")  # O no longer runs it


def test_opening_hours_set_validates_and_replaces(w):
    with pytest.raises(ValidationError) as overlap:
        services.opening_hours_set(
            actor=w.s_admin, centre=w.centre, rows=[(0, time(8), time(12)), (0, time(11), time(13))]
        )
    assert field_errors(overlap) == {"rows": ["第2行：与同一天的其他开放时段重叠。"]}
    assert OpeningHours.objects.filter(centre=w.centre).count() == 5
    with pytest.raises(PermissionDenied):
        services.opening_hours_set(actor=w.b_admin, centre=w.centre, rows=[])
    services.opening_hours_set(actor=w.o_admin, centre=w.centre, rows=[(5, time(9), time(12))])
    assert list(OpeningHours.objects.filter(centre=w.centre).values_list("weekday", flat=True)) == [5]


def test_resource_rules(w):
    with pytest.raises(ValidationError) as exclusive_seats:
        services.resource_create(actor=w.s_admin, centre=w.centre, kind=ResourceKind.ROOM, name="多媒体室", capacity=5)
    assert "capacity" in field_errors(exclusive_seats)
    with pytest.raises(PermissionDenied):
        services.resource_create(actor=w.b_admin, centre=w.centre, kind=ResourceKind.ROOM, name="多媒体室")
    room = services.resource_create(actor=w.s_admin, centre=w.centre, kind=ResourceKind.ROOM, name="多媒体室")
    assert (room.exclusive, room.capacity) == (True, 1)
    book(w, resource=w.area, start=9, end=11, headcount=4)
    book(w, resource=w.area, start=10, end=12, headcount=4)
    with pytest.raises(ValidationError) as lower:
        services.resource_update(actor=w.s_admin, resource=w.area, capacity=7)
    assert field_errors(lower) == {"capacity": ["现有预约在同一时段最多有8人，座位数不能少于该人数。"]}
    with pytest.raises(ValidationError) as to_exclusive:
        services.resource_update(actor=w.s_admin, resource=w.area, exclusive=True)
    assert "exclusive" in field_errors(to_exclusive)
    w.area.refresh_from_db()
    assert (w.area.exclusive, w.area.capacity) == (False, 10)
    services.resource_update(actor=w.s_admin, resource=w.area, capacity=8)
    with pytest.raises(ValidationError) as delete:
        services.resource_delete(actor=w.s_admin, resource=w.area)
    assert "resource" in field_errors(delete)


def test_switching_to_exclusive_updates_the_bookings_copy(w):
    booking = book(w, resource=w.area, start=9, end=10, headcount=2)
    assert booking.resource_exclusive is False
    services.resource_update(actor=w.s_admin, resource=w.area, exclusive=True)
    booking.refresh_from_db()
    assert booking.resource_exclusive is True


def test_closure_with_conflicting_bookings(w):
    holding = book(w, start=9, end=11)
    with pytest.raises(ValidationError) as blocked:
        services.closure_create(actor=w.s_admin, centre=w.centre, start=at(w, 0), end=at(w, 0, days=1), reason="停电")
    assert "1个有效预约" in field_errors(blocked)["start"][0]
    assert not CentreClosure.objects.exists()
    with pytest.raises(PermissionDenied):
        services.closure_create(actor=w.b_admin, centre=w.centre, start=at(w, 0), end=at(w, 0, days=1))
    services.closure_create(
        actor=w.s_admin, centre=w.centre, start=at(w, 0), end=at(w, 0, days=1), reason="停电", cancel_conflicting=True
    )
    holding.refresh_from_db()
    assert holding.status == BookingStatus.CANCELLED and "停电" in holding.decision_reason
    with pytest.raises(ValidationError) as order:
        services.closure_create(actor=w.s_admin, centre=w.centre, start=at(w, 12), end=at(w, 11))
    assert "end" in field_errors(order)


# --- training -----------------------------------------------------------------------------------------------------


def test_training_session_and_trainees(w):
    with pytest.raises(PermissionDenied):
        services.training_session_create(
            actor=w.b_staff,
            unit=w.B,
            centre=w.centre,
            course="电工",
            start_date=date(2025, 3, 3),
            end_date=date(2025, 3, 7),
            hours=Decimal("40"),
        )
    session = services.training_session_create(
        actor=w.b_admin,
        unit=w.B,
        centre=w.centre,
        course="电工",
        start_date=date(2025, 3, 3),
        end_date=date(2025, 3, 7),
        hours=Decimal("40"),
    )
    trainee = services.trainee_create(actor=w.b_admin, session=session, name="赵六", employer_unit=w.X)
    assert trainee.unit_id == w.B.pk
    with pytest.raises(PermissionDenied):
        services.trainee_create(actor=w.s_admin, session=session, name="钱七")  # the centre is not the organiser
    with pytest.raises(ValidationError) as too_much:
        services.trainee_record_attendance(actor=w.b_admin, trainee=trainee, attended_hours="40.5")
    assert field_errors(too_much) == {"attended_hours": ["出勤学时不能超过培训学时（40）。"]}
    with pytest.raises(ValidationError) as early:
        services.trainee_issue_certificate(actor=w.b_admin, trainee=trainee, certificate_no="PX-001")
    assert field_errors(early) == {"certificate_no": ["学员结业后才能发放证书。"]}
    services.trainee_record_attendance(actor=w.b_admin, trainee=trainee, attended_hours="38")
    services.trainee_set_completed(actor=w.b_admin, trainee=trainee)
    services.trainee_issue_certificate(actor=w.b_admin, trainee=trainee, certificate_no="PX-001")
    trainee.refresh_from_db()
    assert (trainee.attended_hours, trainee.completed, trainee.certificate_no) == (Decimal("38"), True, "PX-001")
    assert trainee.certificate_issued_on == timezone.localdate()
    with pytest.raises(ValidationError):
        services.trainee_set_completed(actor=w.b_admin, trainee=trainee, completed=False)
    other = services.trainee_create(actor=w.b_admin, session=session, name="孙八")
    services.trainee_set_completed(actor=w.b_admin, trainee=other)
    with pytest.raises(ValidationError) as duplicate:
        services.trainee_issue_certificate(actor=w.b_admin, trainee=other, certificate_no="PX-001")
    assert "certificate_no" in field_errors(duplicate)
    with pytest.raises(ValidationError) as lower_hours:
        services.training_session_update(actor=w.b_admin, session=session, hours=Decimal("30"))
    assert "hours" in field_errors(lower_hours)


def test_session_needs_a_training_centre_and_valid_trainer(w):
    PracticeCentre.objects.filter(pk=w.centre.pk).update(offers_social_training=False)
    w.centre.refresh_from_db()
    with pytest.raises(ValidationError) as no_training:
        services.training_session_create(
            actor=w.b_admin,
            unit=w.B,
            centre=w.centre,
            course="焊工",
            start_date=date(2025, 3, 3),
            end_date=date(2025, 3, 7),
            hours=Decimal("40"),
        )
    assert field_errors(no_training) == {"centre": ["该中心不提供社会培训。"]}
    other = PracticeCentreFactory(owner_unit=w.B)
    with pytest.raises(ValidationError) as dates:
        services.training_session_create(
            actor=w.b_admin,
            unit=w.B,
            centre=other,
            course="焊工",
            start_date=date(2025, 3, 7),
            end_date=date(2025, 3, 3),
            hours=Decimal("0"),
        )
    assert field_errors(dates) == {"hours": ["培训学时必须大于0。"]}
    with pytest.raises(ValidationError) as dates:
        services.training_session_create(
            actor=w.b_admin,
            unit=w.B,
            centre=other,
            course="焊工",
            start_date=date(2025, 3, 7),
            end_date=date(2025, 3, 3),
            hours=Decimal("8"),
        )
    assert field_errors(dates) == {"end_date": ["结业日期不能早于开班日期。"]}


def test_bulk_attendance(w):
    session = TrainingSessionFactory(centre=w.centre, unit=w.B, hours=Decimal("16"))
    a, b = TraineeFactory(session=session), TraineeFactory(session=session)
    assert (
        services.session_record_attendance(
            actor=w.b_admin, session=session, attendance={a.pk: "16", b.pk: "8"}, completed_ids=[a.pk]
        )
        == 2
    )
    assert list(Trainee.objects.order_by("pk").values_list("attended_hours", "completed")) == [
        (Decimal("16"), True),
        (Decimal("8"), False),
    ]
    with pytest.raises(ValidationError) as over:
        services.session_record_attendance(actor=w.b_admin, session=session, attendance={b.pk: "17"})
    assert "attendance" in field_errors(over)
    stranger = TraineeFactory()
    with pytest.raises(ValidationError):
        services.session_record_attendance(actor=w.b_admin, session=session, attendance={stranger.pk: "1"})


# --- production ---------------------------------------------------------------------------------------------------


def test_production_records(w):
    record = services.production_record_create(
        actor=w.o_admin,
        centre=w.centre,
        kind=ProductionKind.PRODUCTION,
        client_unit=w.X,
        item="齿轮加工",
        value=Decimal("12.5"),
        date=date(2025, 4, 1),
    )
    assert record.unit_id == w.O.pk  # the operator by default
    with pytest.raises(ValidationError) as not_centre:
        services.production_record_create(
            actor=w.b_admin,
            centre=w.centre,
            unit=w.B,
            kind=ProductionKind.PRODUCTION,
            client_name="某厂",
            item="x",
            date=date(2025, 4, 1),
        )
    assert "unit" in field_errors(not_centre)
    with pytest.raises(ValidationError) as self_client:
        services.production_record_create(
            actor=w.o_admin,
            centre=w.centre,
            kind=ProductionKind.TECHNICAL_SERVICE,
            client_unit=w.O,
            item="x",
            date=date(2025, 4, 1),
        )
    assert "client_unit" in field_errors(self_client)
    with pytest.raises(ValidationError) as no_client:
        services.production_record_create(
            actor=w.o_admin, centre=w.centre, kind=ProductionKind.PRODUCTION, item="x", date=date(2025, 4, 1)
        )
    assert field_errors(no_client) == {"client_name": ["请选择客户成员单位或填写客户名称。"]}
    with pytest.raises(PermissionDenied):
        services.production_record_update(actor=w.x_admin, record=record, value=Decimal("1"))
    record.refresh_from_db()
    assert record.value == Decimal("12.50")
    services.production_record_update(actor=w.s_admin, record=record, value=Decimal("13"))  # the owner may too
