"""iCalendar (RFC 5545) export of bookings, built with the ``icalendar`` package (no ORM here).

* one VEVENT per booking; its UID is derived from the booking id and the consortium only, so a calendar client that
  subscribes to the export updates the same event when the booking changes (stable across exports and hosts);
* DTSTART/DTEND/DTSTAMP/LAST-MODIFIED in UTC (``...Z``), so no VTIMEZONE is needed;
* STATUS: held-and-decided bookings are CONFIRMED, bookings still waiting for a decision or a slot are TENTATIVE,
  refused and cancelled ones CANCELLED (so a subscribed client removes them);
* ``Calendar.to_ical()`` writes CRLF line endings and folds long lines at 75 octets without splitting UTF-8
  characters (long Chinese summaries).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .choices import BookingStatus

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//County Industry-Education Consortium Portal//Practice Centre Bookings//ZH"
UID_DOMAIN = "practice-center.portal"

ICS_STATUS: dict[str, str] = {
    BookingStatus.PENDING.value: "TENTATIVE",
    BookingStatus.WAITLISTED.value: "TENTATIVE",
    BookingStatus.APPROVED.value: "CONFIRMED",
    BookingStatus.COMPLETED.value: "CONFIRMED",
    BookingStatus.NO_SHOW.value: "CONFIRMED",  # the slot was held; the absence is recorded in the description
    BookingStatus.REFUSED.value: "CANCELLED",
    BookingStatus.CANCELLED.value: "CANCELLED",
}


def booking_uid(booking: Any) -> str:
    return f"booking-{booking.consortium_id}-{booking.pk}@{UID_DOMAIN}"


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def booking_summary(booking: Any) -> str:
    title = booking.title or booking.get_purpose_display()
    return f"{title}（{booking.resource.name}）"


def booking_location(booking: Any) -> str:
    centre = booking.centre
    parts = [centre.name, booking.resource.name]
    if getattr(centre, "address", ""):
        parts.append(centre.address)
    return " · ".join(str(p) for p in parts if p)


def booking_event(booking: Any, *, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", _utc(booking.start))
    event.add("dtend", _utc(booking.end))
    event.add("summary", booking_summary(booking))
    event.add("location", booking_location(booking))
    event.add("status", ICS_STATUS.get(booking.status, "TENTATIVE"))
    if getattr(booking, "updated_at", None):
        event.add("last-modified", _utc(booking.updated_at))
    if getattr(booking, "created_at", None):
        event.add("created", _utc(booking.created_at))
    lines = [
        f"{_('状态')}：{booking.get_status_display()}",
        f"{_('用途')}：{booking.get_purpose_display()}",
        f"{_('预约单位')}：{booking.unit.name}",
        f"{_('人数')}：{booking.headcount}",
    ]
    if booking.decision_reason:
        lines.append(f"{_('审批意见')}：{booking.decision_reason}")
    if booking.note:
        lines.append(booking.note)
    event.add("description", "\n".join(lines))
    event.add("categories", [booking.get_purpose_display()])
    return event


def bookings_calendar(bookings: Iterable[Any], *, name: str, stamp: dt.datetime) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for booking in bookings:
        calendar.add_component(booking_event(booking, stamp=stamp))
    return calendar


def ics_response(calendar: Calendar, *, filename: str) -> HttpResponse:
    """``filename`` may contain non-ASCII characters: an ASCII fallback plus RFC 5987 ``filename*``."""
    response = HttpResponse(calendar.to_ical(), content_type=ICS_CONTENT_TYPE)
    ascii_name = filename.encode("ascii", "ignore").decode() or "bookings.ics"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response
