"""iCalendar export of bookings (RFC 5545): parsed back with ``icalendar``; stable UIDs, UTC times, SUMMARY,
LOCATION, STATUS mapping, CRLF line endings, folding of long Chinese summaries, content type and filename; the
``unit`` parameter is limited to the user's own units (others 404) and the default export holds exactly the bookings
the user sees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from practice_center import services
from practice_center.choices import BookingStatus

from .p2_world import book, build

pytestmark = pytest.mark.django_db

EXPORT = "practice_center:booking-export"


@pytest.fixture
def w():
    return build()


def export(client, user, **params):
    client.force_login(user)
    return client.get(reverse(EXPORT), params)


def events(response) -> dict[str, dict]:
    calendar = Calendar.from_ical(response.content)
    found = {}
    for event in calendar.walk("VEVENT"):
        found[str(event["UID"])] = {
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "summary": str(event["SUMMARY"]),
            "location": str(event["LOCATION"]),
            "status": str(event["STATUS"]),
            "description": str(event.get("DESCRIPTION", "")),
        }
    return found


def test_export_of_a_unit_is_valid_icalendar(w, client):
    long_title = "数控车床与五轴加工中心综合实训课程（订单班第二学期，含安全教育、设备操作规范与质量检测）"
    pending = book(w, title=long_title)
    approved = book(w, start=13, end=15, title="焊接实训")
    services.booking_approve(actor=w.o_admin, booking=approved)
    cancelled = book(w, start=15, end=16, title="取消的课")
    services.booking_cancel(actor=w.b_admin, booking=cancelled)
    other_unit = book(w, actor=w.o_admin, unit=w.O, start=16, end=17, title="运营方自用")

    response = export(client, w.b_admin, unit=w.B.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'filename="practice-bookings-unit-{w.B.pk}.ics"' in disposition

    raw = response.content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # every line ends with CRLF, no bare LF
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "lines longer than 75 octets must be folded"
    assert b"\r\n " in raw  # the long summary was folded
    for line in raw.split(b"\r\n"):
        line.decode("utf-8")  # folding never splits a UTF-8 character

    calendar = Calendar.from_ical(raw)
    assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar
    found = events(response)
    uid = {b.pk: f"booking-{w.c.pk}-{b.pk}@practice-center.portal" for b in (pending, approved, cancelled)}
    assert set(found) == set(uid.values())  # only the unit's bookings, not the operator's own
    assert f"booking-{w.c.pk}-{other_unit.pk}@practice-center.portal" not in found
    first = found[uid[pending.pk]]
    assert first["summary"] == f"{long_title}（数控实训室）"
    assert first["location"].startswith("宝清公共实训基地 · 数控实训室")
    assert first["start"] == pending.start and first["end"] == pending.end
    assert first["start"].utcoffset() == dt.timedelta(0)
    assert f"DTSTART:{pending.start.astimezone(dt.UTC):%Y%m%dT%H%M%S}Z".encode() in raw
    assert "待审批" in first["description"] and "预约学校" in first["description"]
    assert {pk: found[u]["status"] for pk, u in uid.items()} == {
        pending.pk: "TENTATIVE",
        approved.pk: "CONFIRMED",
        cancelled.pk: "CANCELLED",
    }
    # the UID is stable from one export to the next (calendar clients update the same event)
    services.booking_approve(actor=w.o_admin, booking=pending)
    again = events(export(client, w.b_admin, unit=w.B.pk))
    assert set(again) == set(found) and again[uid[pending.pk]]["status"] == "CONFIRMED"


def test_export_unit_parameter_is_scoped(w, client):
    book(w)
    assert export(client, w.b_staff, unit=w.B.pk).status_code == 200
    for value in (w.X.pk, w.O.pk, w.F.pk, "abc", "", "-1", "99999999999999999999999"):
        assert export(client, w.b_staff, unit=value).status_code == 404, value
    assert export(client, w.foreign_sec, unit=w.B.pk).status_code == 404
    # the secretariat and officials may export any unit of their consortium
    assert export(client, w.sec, unit=w.B.pk).status_code == 200
    assert len(events(export(client, w.official, unit=w.B.pk))) == 1
    client.logout()
    assert client.get(reverse(EXPORT)).status_code == 302


def test_default_export_holds_what_the_user_sees(w, client):
    mine = book(w)
    own = book(w, actor=w.o_admin, unit=w.O, start=13, end=14)
    uid = f"booking-{w.c.pk}-%d@practice-center.portal"
    assert set(events(export(client, w.b_admin))) == {uid % mine.pk}
    assert set(events(export(client, w.o_staff))) == {uid % mine.pk, uid % own.pk}
    assert set(events(export(client, w.x_admin))) == set()
    assert set(events(export(client, w.foreign_sec))) == set()
    response = export(client, w.x_admin)
    assert Calendar.from_ical(response.content).walk("VEVENT") == []
    assert response["Content-Disposition"].endswith("filename*=UTF-8''practice-bookings.ics")
    assert mine.status == BookingStatus.PENDING
