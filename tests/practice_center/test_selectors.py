"""Selectors of practice centres: utilisation figures computed by hand, training statistics, calendar events with
anonymous busy blocks, the approval queue and visibility of bookings/trainees — with exact result sets and query
counts that stay constant as rows grow."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from consortium.tenancy.choices import UnitKind
from practice_center import selectors
from practice_center.choices import BookingPurpose, BookingStatus, ProductionKind
from practice_center.models import CentreClosure
from tests.factories.practice_center import (
    BookingFactory,
    PracticeCentreFactory,
    ProductionRecordFactory,
    ResourceFactory,
    TraineeFactory,
    TrainingSessionFactory,
    local_dt,
    next_weekday,
    weekday_hours,
)
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TEACHING, PRODUCTION = BookingPurpose.PRACTICE_TEACHING, BookingPurpose.PRODUCTION


def march(day: int, hour: int, minute: int = 0) -> datetime:
    return local_dt(date(2025, 3, day), hour, minute)


@pytest.fixture
def w():
    class W:
        pass

    w = W()
    w.c = ConsortiumFactory()
    w.S = MemberUnitFactory(consortium=w.c, kind=UnitKind.SCHOOL, name="甲学校")
    w.B = MemberUnitFactory(consortium=w.c, name="乙企业")
    w.X = MemberUnitFactory(consortium=w.c, name="丙企业")
    w.s_admin = UnitMembershipFactory(unit=w.S, admin=True).user
    w.b_admin = UnitMembershipFactory(unit=w.B, admin=True).user
    w.x_admin = UnitMembershipFactory(unit=w.X, admin=True).user
    w.sec = UserFactory(consortium=w.c, secretariat=True)
    w.official = UserFactory(consortium=w.c, official=True)
    w.centre = PracticeCentreFactory(owner_unit=w.S, name="甲中心")
    weekday_hours(w.centre, time(8), time(18))  # 10 h per weekday
    w.room = ResourceFactory(centre=w.centre, name="A实训室")
    w.area = ResourceFactory(centre=w.centre, shared=True, name="B工位区")  # 10 seats
    w.other_centre = PracticeCentreFactory(owner_unit=w.B, name="乙中心")
    weekday_hours(w.other_centre, time(9), time(11))  # 2 h per weekday
    w.other_room = ResourceFactory(centre=w.other_centre, name="C设备")
    return w


# --- utilisation --------------------------------------------------------------------------------------------------


def _march_bookings(w):
    """March 2025 has 21 weekdays: 甲中心 is open 210 h, minus a closed weekday (Wed 12 March) = 200 h."""
    CentreClosure.objects.create(consortium=w.c, centre=w.centre, start=march(12, 0), end=march(13, 0))
    BookingFactory(resource=w.room, unit=w.B, start=march(3, 9), end=march(3, 11), purpose=TEACHING, fee=Decimal("200"))
    BookingFactory(
        resource=w.room,
        unit=w.X,
        start=march(4, 9),
        end=march(4, 12),
        purpose=PRODUCTION,
        status="completed",
        fee=Decimal("300"),
        government_purchase=True,
        government_amount=Decimal("100"),
    )
    # Ends in April: only the hour in March counts (the fee counts in the month the booking starts).
    BookingFactory(
        resource=w.room, unit=w.X, start=march(31, 23), end=march(31, 23) + timedelta(hours=2), purpose=PRODUCTION
    )
    # Not counted: cancelled, refused, pending, waitlisted, another month.
    for status in (BookingStatus.CANCELLED, BookingStatus.REFUSED, BookingStatus.PENDING, BookingStatus.WAITLISTED):
        BookingFactory(resource=w.room, unit=w.B, start=march(5, 9), end=march(5, 17), status=status)
    BookingFactory(
        resource=w.room, unit=w.B, start=march(3, 9) - timedelta(days=7), end=march(3, 17) - timedelta(days=7)
    )
    # Shared area: 5 of 10 seats for 4 h = 2 resource-hours; a no-show of 10 seats for 1 h = 1.
    BookingFactory(resource=w.area, unit=w.B, start=march(6, 8), end=march(6, 12), headcount=5, purpose=TEACHING)
    BookingFactory(resource=w.area, unit=w.S, start=march(7, 8), end=march(7, 9), headcount=10, status="no_show")


def test_utilisation_by_resource_and_centre_computed_by_hand(w, django_assert_num_queries):
    _march_bookings(w)
    with django_assert_num_queries(4):
        result = selectors.utilisation(consortium_id=w.c.pk, year=2025, month=3, centre_id=w.centre.pk)
    room, area = result["resources"]
    assert (room["resource_name"], room["open_hours"], room["booked_hours"], room["ratio"]) == ("A实训室", 200, 6, 0.03)
    assert room["bookings"] == 3
    assert room["by_purpose"] == {"practice_teaching": 2, "production": 4}
    assert room["by_unit"] == [
        {"unit_id": w.X.pk, "unit_name": "丙企业", "hours": 4},
        {"unit_id": w.B.pk, "unit_name": "乙企业", "hours": 2},
    ]
    assert (room["fee"], room["government_amount"]) == (Decimal("500"), Decimal("100"))
    assert (area["booked_hours"], area["ratio"]) == (3, 0.015)
    assert area["by_purpose"] == {"practice_teaching": 3}
    [centre] = result["centres"]
    assert (centre["centre_name"], centre["centre_open_hours"], centre["open_hours"]) == ("甲中心", 200, 400)
    assert (centre["booked_hours"], centre["ratio"], centre["resources"]) == (9, 0.0225, 2)
    assert centre["by_purpose"] == {"practice_teaching": 5, "production": 4}
    assert [(u["unit_name"], u["hours"]) for u in centre["by_unit"]] == [("丙企业", 4), ("乙企业", 4), ("甲学校", 1)]
    assert result["totals"]["booked_hours"] == 9 and result["totals"]["ratio"] == 0.0225


def test_utilisation_of_the_whole_consortium_and_query_count_constant(w, django_assert_num_queries):
    _march_bookings(w)
    BookingFactory(resource=w.other_room, unit=w.S, start=march(10, 9), end=march(10, 11))
    foreign = ResourceFactory()  # another consortium: never counted
    BookingFactory(resource=foreign, start=march(10, 9), end=march(10, 11))
    result = selectors.utilisation(consortium_id=w.c.pk, year=2025, month=3)
    assert [c["centre_name"] for c in result["centres"]] == ["乙中心", "甲中心"]
    other = result["centres"][0]
    assert (other["open_hours"], other["booked_hours"], other["ratio"]) == (42, 2, round(2 / 42, 4))
    assert result["totals"]["open_hours"] == 442 and result["totals"]["booked_hours"] == 11
    for day in range(17, 22):  # more rows, same number of queries
        BookingFactory(resource=ResourceFactory(centre=w.centre), unit=w.B, start=march(day, 9), end=march(day, 10))
    with django_assert_num_queries(4):
        bigger = selectors.utilisation(consortium_id=w.c.pk, year=2025, month=3)
    assert len(bigger["resources"]) == 8


def test_utilisation_of_a_centre_never_open(w):
    OpeningHours = w.centre.opening_hours.model
    OpeningHours.objects.filter(centre=w.centre).delete()
    result = selectors.utilisation(consortium_id=w.c.pk, year=2025, month=3, centre_id=w.centre.pk)
    assert result["centres"][0]["ratio"] is None and result["totals"]["ratio"] is None


# --- training and production statistics ---------------------------------------------------------------------------


def test_training_stats_person_times_and_hours_per_centre_per_month(w, django_assert_num_queries):
    march_session = TrainingSessionFactory(centre=w.centre, unit=w.S, start_date=date(2025, 3, 3), hours=Decimal("40"))
    april_session = TrainingSessionFactory(
        centre=w.centre, unit=w.B, start_date=date(2025, 4, 7), end_date=date(2025, 4, 9), hours=Decimal("16")
    )
    TraineeFactory(session=march_session, attended_hours=Decimal("40"), completed=True, certificate_no="C1")
    TraineeFactory(session=march_session, attended_hours=Decimal("30"), completed=True)
    TraineeFactory(session=march_session, attended_hours=Decimal("12"))
    TraineeFactory(session=april_session, attended_hours=Decimal("16"), completed=True)
    TrainingSessionFactory(centre=w.centre, unit=w.S, start_date=date(2024, 3, 3), end_date=date(2024, 3, 9))  # 2024
    TraineeFactory(session=TrainingSessionFactory(), attended_hours=Decimal("8"))  # another consortium
    with django_assert_num_queries(3):
        stats = selectors.training_stats(consortium_id=w.c.pk, year=2025)
    assert [c["centre_name"] for c in stats["centres"]] == ["乙中心", "甲中心"]  # both offer social training
    centre = stats["centres"][1]
    mar, apr = centre["months"][2], centre["months"][3]
    assert (mar["sessions"], mar["person_times"], mar["completed"], mar["certificates"]) == (1, 3, 2, 1)
    assert (mar["attended_hours"], mar["session_hours"]) == (Decimal("82"), Decimal("40"))
    assert (apr["sessions"], apr["person_times"], apr["attended_hours"]) == (1, 1, Decimal("16"))
    assert centre["total"]["person_times"] == 4 and centre["total"]["attended_hours"] == Decimal("98")
    assert stats["centres"][0]["total"]["person_times"] == 0
    assert stats["total"]["sessions"] == 2 and stats["months"][2]["person_times"] == 3
    only = selectors.training_stats(consortium_id=w.c.pk, year=2025, centre_id=w.other_centre.pk)
    assert [c["centre_name"] for c in only["centres"]] == ["乙中心"]


def test_production_stats(w):
    ProductionRecordFactory(centre=w.centre, value=Decimal("3.5"), date=date(2025, 4, 1))
    ProductionRecordFactory(centre=w.centre, value=Decimal("1.5"), date=date(2025, 5, 1))
    ProductionRecordFactory(
        centre=w.centre, kind=ProductionKind.TECHNICAL_SERVICE, value=Decimal("2"), date=date(2025, 6, 1)
    )
    ProductionRecordFactory(centre=w.centre, value=Decimal("9"), date=date(2024, 6, 1))
    rows = selectors.production_stats(consortium_id=w.c.pk, year=2025)
    assert [(r["kind"], r["records"], r["value"]) for r in rows] == [
        ("production", 2, Decimal("5.00")),
        ("technical_service", 1, Decimal("2.00")),
    ]


# --- calendar, approval queue, visibility -------------------------------------------------------------------------


@pytest.fixture
def week(w):
    day = next_weekday(1, 0)
    b_pending = BookingFactory(
        resource=w.room, unit=w.B, start=local_dt(day, 9), end=local_dt(day, 11), status="pending"
    )
    x_approved = BookingFactory(
        resource=w.room, unit=w.X, start=local_dt(day, 13), end=local_dt(day, 15), title="丙企业生产"
    )
    x_cancelled = BookingFactory(
        resource=w.room, unit=w.X, start=local_dt(day, 15), end=local_dt(day, 16), status="cancelled"
    )
    s_pending_other = BookingFactory(
        resource=w.other_room, unit=w.S, start=local_dt(day, 9), end=local_dt(day, 10), status="pending"
    )
    return {
        "start": local_dt(day, 0),
        "end": local_dt(day + timedelta(days=7), 0),
        "b_pending": b_pending,
        "x_approved": x_approved,
        "x_cancelled": x_cancelled,
        "s_pending_other": s_pending_other,
    }


def test_calendar_events_show_own_bookings_and_anonymous_busy_blocks(w, week, django_assert_num_queries):
    with django_assert_num_queries(3):  # unit roles, visible bookings, busy blocks
        events = selectors.calendar_events(w.b_admin, centre=w.centre, start=week["start"], end=week["end"])
    assert [(e["id"], e["busy"], e["unit_name"], e["title"]) for e in events] == [
        (week["b_pending"].pk, False, "乙企业", week["b_pending"].title),
        (None, True, "", "已占用"),  # X's approved booking: time only
    ]
    busy = events[1]
    assert (busy["start"], busy["end"], busy["status"], busy["purpose"]) == (
        week["x_approved"].start,
        week["x_approved"].end,
        "",
        "",
    )
    owner_view = selectors.calendar_events(w.s_admin, centre=w.centre, start=week["start"], end=week["end"])
    assert [e["id"] for e in owner_view] == [week["b_pending"].pk, week["x_approved"].pk]  # no cancelled, no busy
    assert (
        selectors.calendar_events(
            w.b_admin, resource=w.room, start=week["start"], end=week["start"] + timedelta(hours=9)
        )
        == []
    )
    plain = selectors.calendar_events(w.b_admin, start=week["start"], end=week["end"], include_busy=False)
    assert {e["id"] for e in plain} == {week["b_pending"].pk, week["s_pending_other"].pk}  # B owns 乙中心


def test_calendar_busy_blocks_only_for_resources_the_user_may_see(w, week):
    w.centre.is_published = False
    w.centre.save()
    events = selectors.calendar_events(w.b_admin, centre=w.centre, start=week["start"], end=week["end"])
    assert [(e["id"], e["busy"]) for e in events] == [(week["b_pending"].pk, False)]


def test_approval_queue(w, week):
    assert list(selectors.approval_queue(w.s_admin)) == [week["b_pending"]]
    assert list(selectors.approval_queue(w.b_admin)) == [week["s_pending_other"]]
    assert list(selectors.approval_queue(w.x_admin)) == []
    assert set(selectors.approval_queue(w.sec)) == {week["b_pending"], week["s_pending_other"]}
    assert list(selectors.approval_queue(w.official)) == []
    staff = UnitMembershipFactory(unit=w.S).user
    assert list(selectors.approval_queue(staff)) == []


def test_bookings_visibility_exact_sets(w, week):
    everything = {week[k].pk for k in ("b_pending", "x_approved", "x_cancelled", "s_pending_other")}
    assert {b.pk for b in selectors.bookings_for(w.s_admin)} == everything  # owns 甲中心 and booked at 乙中心
    assert {b.pk for b in selectors.bookings_for(w.x_admin)} == {week["x_approved"].pk, week["x_cancelled"].pk}
    assert {b.pk for b in selectors.bookings_for(w.b_admin)} == {week["b_pending"].pk, week["s_pending_other"].pk}
    assert {b.pk for b in selectors.bookings_for(w.official)} == everything
    outsider = UserFactory(secretariat=True)
    assert list(selectors.bookings_for(outsider)) == []
    assert {b.pk for b in selectors.bookings_for(w.s_admin, status="pending", centre_id=w.centre.pk)} == {
        week["b_pending"].pk
    }
    assert [e.to_status for e in selectors.booking_history(w.x_admin, week["b_pending"])] == []


def test_bookings_list_query_count_constant(w, django_assert_max_num_queries):
    day = next_weekday(2, 0)
    for hour in range(8, 11):
        BookingFactory(resource=w.room, unit=w.B, start=local_dt(day, hour), end=local_dt(day, hour + 1))
    with django_assert_max_num_queries(2):
        rows = [(b.unit.name, b.resource.name, b.centre.name) for b in selectors.bookings_for(w.s_admin)]
    assert len(rows) == 3
    for hour in range(11, 17):
        BookingFactory(resource=w.room, unit=w.X, start=local_dt(day, hour), end=local_dt(day, hour + 1))
    w.s_admin._unit_roles_cache = None
    with django_assert_max_num_queries(2):
        rows = [(b.unit.name, b.resource.name, b.centre.name) for b in selectors.bookings_for(w.s_admin)]
    assert len(rows) == 9


def test_trainees_are_visible_to_the_organiser_only(w):
    session = TrainingSessionFactory(centre=w.centre, unit=w.B)
    trainee = TraineeFactory(session=session)
    assert list(selectors.trainees_for(w.b_admin, session)) == [trainee]
    assert list(selectors.trainees_for(w.s_admin, session)) == []  # the hosting centre does not see personal data
    assert list(selectors.trainees_for(w.sec, session)) == [trainee]
    sessions = selectors.training_sessions_for(w.x_admin)  # published centre: sessions are public
    assert [(s.pk, s.trainee_count) for s in sessions] == [(session.pk, 1)]


def test_centres_for(w):
    hidden = PracticeCentreFactory(owner_unit=w.X, is_published=False, name="丙内部中心")
    assert [c.name for c in selectors.centres_for(w.b_admin)] == ["乙中心", "甲中心"]
    assert [c.name for c in selectors.centres_for(w.x_admin)] == ["丙内部中心", "乙中心", "甲中心"]
    assert [c.resource_count for c in selectors.centres_for(w.sec, q="甲")] == [2]
    assert list(selectors.centres_for(w.sec, unit_id=w.X.pk)) == [hidden]


# --- the scoping attributes agree with the isolation table --------------------------------------------------------


def test_visible_to_and_editable_by_follow_the_isolation_table():
    """Independent check of ``visible_to`` / ``editable_by`` of every practice model against
    tests/isolation/visibility_practice.py for every role (published and unpublished centres)."""
    from consortium.tenancy.models import User
    from practice_center import models as pc
    from tests.factories import practice_center as builders
    from tests.isolation import visibility as table
    from tests.isolation.visibility_practice import VISIBILITY as PRACTICE

    table.VISIBILITY.update(PRACTICE)
    a, b = ConsortiumFactory(), ConsortiumFactory()
    a1, a2, b1 = MemberUnitFactory(consortium=a), MemberUnitFactory(consortium=a), MemberUnitFactory(consortium=b)
    users = {
        "platform_admin": (UserFactory(platform_admin=True), None, {}),
        "a_secretariat": (UserFactory(consortium=a, secretariat=True), a.pk, {}),
        "a_official": (UserFactory(consortium=a, official=True), a.pk, {}),
        "a1_admin": (UnitMembershipFactory(unit=a1, admin=True).user, a.pk, {a1.pk: "unit_admin"}),
        "a1_staff": (UnitMembershipFactory(unit=a1).user, a.pk, {a1.pk: "unit_staff"}),
        "b_secretariat": (UserFactory(consortium=b, secretariat=True), b.pk, {}),
    }
    role_of = {"platform_admin": "platform_admin", "a_secretariat": "secretariat", "a_official": "official"}
    role_of |= {"a1_admin": "member", "a1_staff": "member", "b_secretariat": "secretariat"}
    hidden_a2 = PracticeCentreFactory(owner_unit=a2, is_published=False)
    hidden_a1 = PracticeCentreFactory(owner_unit=a1, is_published=False)
    checked = 0
    for model in PRACTICE:
        build = builders.__dict__[
            {
                pc.PracticeCentre: "build_centre",
                pc.OpeningHours: "build_opening_hours",
                pc.CentreClosure: "build_closure",
                pc.Resource: "build_resource",
                pc.Booking: "build_booking",
                pc.BookingStatusChange: "build_booking_status_change",
                pc.TrainingSession: "build_training_session",
                pc.Trainee: "build_trainee",
                pc.ProductionRecord: "build_production_record",
            }[model]
        ]
        rows = [build(a, a1), build(a, a2), build(b, b1)]
        if model is pc.PracticeCentre:
            rows += [hidden_a1, hidden_a2]
        elif model is pc.Resource:
            rows += [ResourceFactory(centre=hidden_a1), ResourceFactory(centre=hidden_a2)]
        elif model is pc.Booking:  # a2 books at a1's unpublished centre; a1 sees it as the centre
            rows.append(BookingFactory(resource=ResourceFactory(centre=hidden_a1), unit=a2))
        pks = [row.pk for row in rows]
        for key, (user, consortium_id, units) in users.items():
            actor = table.Actor(key, role_of[key], consortium_id, user.pk, units)
            fresh = User.objects.get(pk=user.pk)
            visible = set(model.objects.visible_to(fresh).filter(pk__in=pks).values_list("pk", flat=True))
            editable = set(model.objects.editable_by(fresh).filter(pk__in=pks).values_list("pk", flat=True))
            assert visible == {r.pk for r in rows if table.can_read(actor, model, r)}, (model.__name__, key)
            assert editable == {r.pk for r in rows if table.can_change(actor, model, r)}, (model.__name__, key)
            checked += 1
    assert checked == len(PRACTICE) * len(users)
