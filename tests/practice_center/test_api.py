"""API of practice centres: CRUD of centres, opening hours, closures and resources through the services; bookings
(create through booking_request, actions approve/refuse/cancel/no_show/complete/fee), the read-only status history;
in-scope vs out-of-scope result sets, denied writes change nothing, bad input answers 400 with field messages, list
query counts stay constant."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from practice_center.choices import BookingStatus
from practice_center.models import Booking, BookingStatusChange, CentreClosure, OpeningHours, PracticeCentre, Resource
from tests.factories.practice_center import BookingFactory, PracticeCentreFactory, ResourceFactory, local_dt
from tests.factories.tenancy import MemberUnitFactory

from .p2_world import at, book, build

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def w():
    return build()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def iso(moment) -> str:
    return moment.isoformat()


# --- centres ------------------------------------------------------------------------------------------------------


def test_centre_crud_and_scope(w):
    hidden = PracticeCentreFactory(owner_unit=w.S, is_published=False, name="未公开基地")
    assert ids(api(w.x_admin).get(f"{API}/practice-centres/")) == {w.centre.pk}
    assert ids(api(w.o_admin).get(f"{API}/practice-centres/")) == {w.centre.pk}
    assert ids(api(w.s_admin).get(f"{API}/practice-centres/")) == {w.centre.pk, hidden.pk}
    assert ids(api(w.foreign_sec).get(f"{API}/practice-centres/")) == {w.foreign_centre.pk}
    assert ids(api(w.s_admin).get(f"{API}/practice-centres/?service=production&kind=public_regional")) == {
        w.centre.pk,
        hidden.pk,
    }
    assert api(w.x_admin).get(f"{API}/practice-centres/{hidden.pk}/").status_code == 404
    assert api(w.foreign_sec).get(f"{API}/practice-centres/{w.centre.pk}/").status_code == 404

    client = api(w.b_admin)
    response = client.post(
        f"{API}/practice-centres/",
        {"name": "预约学校实训楼", "kind": "school", "form": "school_run", "owner_unit": w.B.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["operator_unit"] == w.B.pk and body["consortium"] == w.c.pk
    created = PracticeCentre.objects.get(pk=body["id"])
    response = client.patch(f"{API}/practice-centres/{created.pk}/", {"offers_social_training": True}, format="json")
    assert response.status_code == 200 and "social_training" in response.json()["offered_purposes"]
    # denied writes: x sees the published centre but may not change it; foreign: 404
    assert api(w.x_admin).patch(f"{API}/practice-centres/{w.centre.pk}/", {"name": "x"}).status_code == 403
    assert api(w.foreign_sec).patch(f"{API}/practice-centres/{w.centre.pk}/", {"name": "x"}).status_code == 404
    assert (
        api(w.official)
        .post(f"{API}/practice-centres/", {"name": "o", "kind": "school", "owner_unit": w.S.pk})
        .status_code
        == 403
    )
    w.centre.refresh_from_db()
    assert w.centre.name == "宝清公共实训基地"
    # bad input: unknown kind, another consortium's unit, duplicate name
    bad = client.post(f"{API}/practice-centres/", {"name": "y", "kind": "castle", "owner_unit": w.F.pk})
    assert bad.status_code == 400 and {"kind", "owner_unit"} <= set(bad.json())
    duplicate = client.post(
        f"{API}/practice-centres/", {"name": "预约学校实训楼", "kind": "school", "owner_unit": w.B.pk}
    )
    assert duplicate.status_code == 400 and "同名" in str(duplicate.json())
    # neither owner nor operator is the user's unit: refused
    assert (
        client.post(f"{API}/practice-centres/", {"name": "z", "kind": "school", "owner_unit": w.X.pk}).status_code
        == 403
    )
    assert not PracticeCentre.objects.filter(name__in=["x", "y", "z", "o"]).exists()
    assert client.delete(f"{API}/practice-centres/{created.pk}/").status_code == 204
    assert not PracticeCentre.objects.filter(pk=created.pk).exists()


def test_opening_hours_api(w):
    client = api(w.o_admin)
    week = client.post(
        f"{API}/practice-centres/{w.centre.pk}/opening-hours/",
        [{"weekday": 0, "opens": "08:00", "closes": "12:00"}, {"weekday": 0, "opens": "13:00", "closes": "17:00"}],
        format="json",
    )
    assert week.status_code == 200, week.content
    assert [(r["weekday"], r["opens"], r["closes"]) for r in week.json()] == [
        (0, "08:00:00", "12:00:00"),
        (0, "13:00:00", "17:00:00"),
    ]
    overlap = client.post(
        f"{API}/practice-opening-hours/", {"centre": w.centre.pk, "weekday": 0, "opens": "11:00", "closes": "14:00"}
    )
    assert overlap.status_code == 400 and "重叠" in " ".join(overlap.json()["non_field_errors"])
    reversed_window = client.post(
        f"{API}/practice-opening-hours/", {"centre": w.centre.pk, "weekday": 1, "opens": "14:00", "closes": "09:00"}
    )
    assert reversed_window.status_code == 400 and "closes" in reversed_window.json()
    created = client.post(
        f"{API}/practice-opening-hours/", {"centre": w.centre.pk, "weekday": 5, "opens": "09:00", "closes": "12:00"}
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    moved = client.patch(f"{API}/practice-opening-hours/{pk}/", {"closes": "12:30"})
    assert moved.status_code == 200 and moved.json()["closes"] == "12:30:00"
    assert OpeningHours.objects.filter(centre=w.centre).count() == 3
    # others: visible (published centre) but not changeable; foreign: 404
    row = OpeningHours.objects.filter(centre=w.centre).first()
    assert api(w.x_admin).delete(f"{API}/practice-opening-hours/{row.pk}/").status_code == 403
    assert api(w.foreign_sec).delete(f"{API}/practice-opening-hours/{row.pk}/").status_code == 404
    assert (
        api(w.x_admin).post(f"{API}/practice-centres/{w.centre.pk}/opening-hours/", [], format="json").status_code
        == 403
    )
    assert OpeningHours.objects.filter(centre=w.centre).count() == 3
    assert client.delete(f"{API}/practice-opening-hours/{row.pk}/").status_code == 204
    assert OpeningHours.objects.filter(centre=w.centre).count() == 2
    assert ids(api(w.foreign_sec).get(f"{API}/practice-opening-hours/")) == set(
        OpeningHours.objects.filter(centre=w.foreign_centre).values_list("pk", flat=True)
    )


def test_closures_api(w):
    client = api(w.s_admin)
    bad = client.post(
        f"{API}/practice-closures/", {"centre": w.centre.pk, "start": iso(at(w, 12)), "end": iso(at(w, 8))}
    )
    assert bad.status_code == 400 and "end" in bad.json()
    booking = book(w)
    blocked = client.post(
        f"{API}/practice-closures/",
        {"centre": w.centre.pk, "start": iso(at(w, 0)), "end": iso(at(w, 0, days=1)), "reason": "停电"},
    )
    assert blocked.status_code == 400 and "start" in blocked.json()
    foreign = client.post(
        f"{API}/practice-closures/",
        {"centre": w.foreign_centre.pk, "start": iso(at(w, 0)), "end": iso(at(w, 0, days=1))},
    )
    assert foreign.status_code == 400 and "centre" in foreign.json()
    assert not CentreClosure.objects.exists()
    ok = client.post(
        f"{API}/practice-closures/",
        {
            "centre": w.centre.pk,
            "start": iso(at(w, 0)),
            "end": iso(at(w, 0, days=1)),
            "reason": "停电",
            "cancel_conflicting": True,
        },
    )
    assert ok.status_code == 201, ok.content
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    pk = ok.json()["id"]
    assert client.patch(f"{API}/practice-closures/{pk}/", {"reason": "x"}).status_code == 405
    assert api(w.b_admin).delete(f"{API}/practice-closures/{pk}/").status_code == 403
    assert client.delete(f"{API}/practice-closures/{pk}/").status_code == 204


def test_resources_api(w):
    client = api(w.o_admin)
    created = client.post(
        f"{API}/practice-resources/",
        {"centre": w.centre.pk, "kind": "workstation", "name": "焊接工位", "exclusive": False, "capacity": 8},
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    foreign = client.post(f"{API}/practice-resources/", {"centre": w.foreign_centre.pk, "kind": "room", "name": "外县"})
    assert foreign.status_code == 400 and "centre" in foreign.json()
    bad = client.post(
        f"{API}/practice-resources/",
        {"centre": w.centre.pk, "kind": "room", "name": "坏", "exclusive": True, "capacity": 5},
    )
    assert bad.status_code == 400 and "capacity" in bad.json()
    moved = client.patch(f"{API}/practice-resources/{pk}/", {"capacity": 12, "centre": w.foreign_centre.pk})
    assert moved.status_code == 200 and moved.json()["capacity"] == 12 and moved.json()["centre"] == w.centre.pk
    assert api(w.b_admin).patch(f"{API}/practice-resources/{pk}/", {"capacity": 1}).status_code == 403
    assert Resource.objects.get(pk=pk).capacity == 12
    assert ids(api(w.x_admin).get(f"{API}/practice-resources/?centre={w.centre.pk}")) == {w.room.pk, w.area.pk, pk}
    unknown = api(w.x_admin).get(f"{API}/practice-resources/?centre={w.foreign_centre.pk}")
    assert unknown.status_code == 400
    assert client.delete(f"{API}/practice-resources/{pk}/").status_code == 204
    book(w)
    used = client.delete(f"{API}/practice-resources/{w.room.pk}/")
    assert used.status_code == 400 and "resource" in used.json()


# --- bookings -----------------------------------------------------------------------------------------------------


def booking_body(w, **overrides):
    body = {
        "unit": w.B.pk,
        "resource": w.room.pk,
        "purpose": "practice_teaching",
        "start": iso(at(w, 9)),
        "end": iso(at(w, 11)),
        "headcount": 20,
        "title": "数控实训",
    }
    body.update(overrides)
    return body


def test_booking_create_and_bad_input(w):
    client = api(w.b_staff)
    created = client.post(f"{API}/practice-bookings/", booking_body(w), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "pending" and body["centre"] == w.centre.pk and body["fee"] == "200.00"
    count = Booking.objects.count()
    overlap = client.post(
        f"{API}/practice-bookings/", booking_body(w, start=iso(at(w, 10)), end=iso(at(w, 12))), format="json"
    )
    assert overlap.status_code == 400
    assert overlap.json() == {"start": ["该时段已被预约，请选择其他时间或加入候补。"]}
    reversed_range = client.post(f"{API}/practice-bookings/", booking_body(w, end=iso(at(w, 8))), format="json")
    assert reversed_range.status_code == 400 and "end" in reversed_range.json()
    foreign = client.post(f"{API}/practice-bookings/", booking_body(w, resource=w.foreign_room.pk), format="json")
    assert foreign.status_code == 400 and "resource" in foreign.json()
    huge = client.post(f"{API}/practice-bookings/", booking_body(w, resource=99999999999999999999), format="json")
    assert huge.status_code == 400 and "resource" in huge.json()
    other_unit = client.post(
        f"{API}/practice-bookings/",
        booking_body(w, unit=w.X.pk, start=iso(at(w, 13)), end=iso(at(w, 14))),
        format="json",
    )
    assert other_unit.status_code == 403
    closed = client.post(
        f"{API}/practice-bookings/",
        booking_body(w, start=iso(at(w, 9, days=5)), end=iso(at(w, 10, days=5))),
        format="json",
    )
    assert closed.status_code == 400 and "开放时间" in " ".join(closed.json()["start"])
    too_many = client.post(
        f"{API}/practice-bookings/", booking_body(w, resource=w.area.pk, headcount=11), format="json"
    )
    assert too_many.status_code == 400 and "headcount" in too_many.json()
    assert api(w.official).post(f"{API}/practice-bookings/", booking_body(w), format="json").status_code == 403
    assert Booking.objects.count() == count
    waiting = client.post(f"{API}/practice-bookings/", booking_body(w, waitlist=True), format="json")
    assert waiting.status_code == 201 and waiting.json()["status"] == "waitlisted"
    # a booking is changed only through its actions
    pk = body["id"]
    assert client.patch(f"{API}/practice-bookings/{pk}/", {"headcount": 1}).status_code == 405
    assert client.delete(f"{API}/practice-bookings/{pk}/").status_code == 405


def test_booking_list_scope(w):
    mine = book(w)
    own = book(w, actor=w.o_admin, unit=w.O, start=13, end=14)
    assert ids(api(w.b_admin).get(f"{API}/practice-bookings/")) == {mine.pk}
    assert ids(api(w.o_staff).get(f"{API}/practice-bookings/")) == {mine.pk, own.pk}
    assert ids(api(w.o_staff).get(f"{API}/practice-bookings/?mine=true")) == {own.pk}
    assert ids(api(w.o_staff).get(f"{API}/practice-bookings/?status=pending")) == {mine.pk}
    window = f"after={iso(at(w, 11))}&before={iso(at(w, 13, 30))}".replace("+", "%2B")
    assert ids(api(w.sec).get(f"{API}/practice-bookings/?{window}")) == {own.pk}
    assert ids(api(w.x_admin).get(f"{API}/practice-bookings/")) == set()
    assert ids(api(w.foreign_sec).get(f"{API}/practice-bookings/")) == set()
    assert api(w.x_admin).get(f"{API}/practice-bookings/{mine.pk}/").status_code == 404


def test_booking_actions(w):
    pending = book(w)
    base = f"{API}/practice-bookings/{pending.pk}"
    assert api(w.x_admin).post(f"{base}/approve/").status_code == 404
    assert api(w.foreign_sec).post(f"{base}/approve/").status_code == 404
    assert api(w.b_admin).post(f"{base}/approve/").status_code == 403
    assert api(w.official).post(f"{base}/approve/").status_code == 403
    no_reason = api(w.o_admin).post(f"{base}/refuse/", {"reason": "  "})
    assert no_reason.status_code == 400 and no_reason.json() == {"reason": ["拒绝预约必须填写理由。"]}
    assert api(w.o_admin).post(f"{base}/refuse/", {}).json() == {"reason": ["拒绝预约必须填写理由。"]}
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING
    assert BookingStatusChange.objects.filter(booking=pending).count() == 1
    approved = api(w.o_admin).post(f"{base}/approve/", {"reason": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = api(w.o_admin).post(f"{base}/approve/")
    assert again.status_code == 400 and "status" in again.json()
    fee = api(w.o_admin).post(f"{base}/fee/", {"government_purchase": True, "government_amount": "150.00"})
    assert fee.status_code == 200 and fee.json()["government_amount"] == "150.00"
    assert api(w.b_admin).post(f"{base}/fee/", {"fee": "0"}).status_code == 403
    cancelled = api(w.b_staff).post(f"{base}/cancel/", {"reason": "改期"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"

    second = book(w)
    refused = api(w.s_admin).post(f"{API}/practice-bookings/{second.pk}/refuse/", {"reason": "设备检修"})
    assert refused.status_code == 200
    assert refused.json()["status"] == "refused" and refused.json()["decision_reason"] == "设备检修"

    start = local_dt(timezone.localdate() - timedelta(days=2), 9)
    ended = BookingFactory(resource=w.room, unit=w.B, start=start, end=start + timedelta(hours=2))
    later = BookingFactory(resource=w.room, unit=w.B, start=start + timedelta(hours=3), end=start + timedelta(hours=4))
    assert api(w.b_admin).post(f"{API}/practice-bookings/{ended.pk}/no-show/").status_code == 403
    no_show = api(w.o_admin).post(f"{API}/practice-bookings/{ended.pk}/no-show/")
    assert no_show.status_code == 200 and no_show.json()["status"] == "no_show"
    complete = api(w.o_admin).post(f"{API}/practice-bookings/{later.pk}/complete/")
    assert complete.status_code == 200 and complete.json()["status"] == "completed"


def test_status_changes_read_only(w):
    booking = book(w)
    api(w.o_admin).post(f"{API}/practice-bookings/{booking.pk}/approve/")
    other = book(w, actor=w.o_admin, unit=w.O, start=13, end=14)
    rows = api(w.b_admin).get(f"{API}/practice-booking-changes/?booking={booking.pk}")
    assert rows.status_code == 200
    assert [(r["from_status"], r["to_status"]) for r in rows.json()["results"]] == [
        ("", "pending"),
        ("pending", "approved"),
    ]
    assert {r["booking"] for r in api(w.b_admin).get(f"{API}/practice-booking-changes/").json()["results"]} == {
        booking.pk
    }
    assert {r["booking"] for r in api(w.o_admin).get(f"{API}/practice-booking-changes/").json()["results"]} == {
        booking.pk,
        other.pk,
    }
    assert api(w.x_admin).get(f"{API}/practice-booking-changes/").json()["results"] == []
    change = BookingStatusChange.objects.filter(booking=booking).first()
    assert api(w.sec).post(f"{API}/practice-booking-changes/", {"booking": booking.pk}).status_code == 405
    assert api(w.sec).delete(f"{API}/practice-booking-changes/{change.pk}/").status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "practice-centres",
        "practice-resources",
        "practice-bookings",
        "practice-booking-changes",
        "practice-opening-hours",
        "practice-closures",
    ],
)
def test_api_list_query_count_constant(w, path, django_assert_max_num_queries):
    client = api(w.sec)

    def add(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            centre = PracticeCentreFactory(owner_unit=MemberUnitFactory(consortium=w.c), operator_unit=w.O)
            resource = ResourceFactory(centre=centre, hourly_fee=Decimal("10"))
            start = at(w, 8) + timedelta(days=i)
            booking = BookingFactory(resource=resource, unit=w.B, start=start, end=start + timedelta(hours=1))
            BookingStatusChange.objects.create(
                consortium=w.c, unit=w.B, booking=booking, to_status="approved", actor=w.o_admin
            )
            OpeningHours.objects.create(consortium=w.c, centre=centre, weekday=i % 7, opens="08:00", closes="12:00")
            CentreClosure.objects.create(consortium=w.c, centre=centre, start=start, end=start + timedelta(days=1))

    add(3, 0)
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{API}/{path}/").status_code == 200
    add(27, 3)
    with django_assert_max_num_queries(len(small)):
        response = client.get(f"{API}/{path}/")
    assert response.json()["count"] >= 30
