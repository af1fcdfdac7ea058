"""Pure rules of practice centres: no ORM, no request, no settings. Unit-tested without a database.

Time ranges are half-open ``[start, end)``: a booking ending at 10:00 and one starting at 10:00 do not overlap.
Datetimes are timezone-aware; opening hours are local wall-clock times of the zone passed in (the services pass
``settings.TIME_ZONE``, Asia/Shanghai).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

Interval = tuple[datetime, datetime]
#: (weekday 0=Mon..6, opens, closes) in local time
Window = tuple[int, time, time]

HOUR = Decimal("3600")
CENT = Decimal("0.01")


# --- intervals --------------------------------------------------------------------------------------------------


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open overlap: touching intervals ([8,10) and [10,12)) do NOT overlap."""
    return a_start < b_end and b_start < a_end


def overlap_seconds(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> float:
    """Length in seconds of the intersection of two half-open intervals (0 when disjoint)."""
    return max((min(a_end, b_end) - max(a_start, b_start)).total_seconds(), 0.0)


def hours_between(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / 3600


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union of intervals; touching intervals are merged too ([8,10) ∪ [10,12) = [8,12))."""
    merged: list[list[datetime]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def peak_headcount(
    bookings: Iterable[tuple[datetime, datetime, int]], start: datetime | None = None, end: datetime | None = None
) -> int:
    """Largest total headcount present at the same moment, considering only the part of each booking inside
    ``[start, end)`` (the whole timeline when omitted). A booking ending exactly when another starts is not
    concurrent with it (ends are processed before starts at the same instant)."""
    events: list[tuple[datetime, int, int]] = []
    for b_start, b_end, headcount in bookings:
        if start is not None and end is not None:
            if not overlaps(b_start, b_end, start, end):
                continue
            b_start, b_end = max(b_start, start), min(b_end, end)
        if b_end <= b_start:
            continue
        events.append((b_start, 1, headcount))
        events.append((b_end, 0, -headcount))  # 0 sorts before 1: an end frees the seats before a start
    peak = current = 0
    for _moment, _order, delta in sorted(events, key=lambda e: (e[0], e[1])):
        current += delta
        peak = max(peak, current)
    return peak


def capacity_left(
    bookings: Iterable[tuple[datetime, datetime, int]], start: datetime, end: datetime, capacity: int
) -> int:
    """Seats still free during the whole of ``[start, end)`` (never negative)."""
    return max(capacity - peak_headcount(bookings, start, end), 0)


def fits_capacity(
    bookings: Iterable[tuple[datetime, datetime, int]],
    start: datetime,
    end: datetime,
    headcount: int,
    capacity: int,
) -> bool:
    """Whether ``headcount`` more people fit into a shared resource of ``capacity`` seats during ``[start, end)``
    given the existing holding ``bookings`` (start, end, headcount)."""
    return peak_headcount(bookings, start, end) + headcount <= capacity


def fits_exclusive(bookings: Iterable[Interval], start: datetime, end: datetime) -> bool:
    """Whether an exclusive resource is free during ``[start, end)`` given the existing holding ``bookings``."""
    return not any(overlaps(b_start, b_end, start, end) for b_start, b_end in bookings)


def first_overlapping(intervals: Iterable[Sequence], start: datetime, end: datetime) -> Sequence | None:
    """The first of ``intervals`` (tuples whose first two items are start, end) that overlaps ``[start, end)``."""
    for item in intervals:
        if overlaps(item[0], item[1], start, end):
            return item
    return None


def overlaps_closure(closures: Iterable[Interval], start: datetime, end: datetime) -> bool:
    return first_overlapping(closures, start, end) is not None


# --- opening hours ----------------------------------------------------------------------------------------------


def windows_by_weekday(windows: Iterable[Window]) -> dict[int, list[tuple[time, time]]]:
    """{weekday: sorted windows}, touching windows merged (08:00–12:00 + 12:00–17:00 = 08:00–17:00)."""
    result: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in sorted(windows):
        if closes <= opens:
            continue
        day = result.setdefault(weekday, [])
        if day and opens <= day[-1][1]:
            day[-1] = (day[-1][0], max(day[-1][1], closes))
        else:
            day.append((opens, closes))
    return result


def opening_hours_problems(windows: Sequence[Window]) -> list[tuple[int, str]]:
    """Problems of a set of opening windows as (row index, code): ``"weekday"`` out of 0..6, ``"order"`` when
    closes ≤ opens, ``"overlap"`` when a window overlaps an earlier one of the same weekday (touching is fine)."""
    problems: list[tuple[int, str]] = []
    seen: dict[int, list[tuple[time, time]]] = {}
    for index, (weekday, opens, closes) in enumerate(windows):
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            problems.append((index, "weekday"))
            continue
        if closes <= opens:
            problems.append((index, "order"))
            continue
        if any(opens < other_closes and other_opens < closes for other_opens, other_closes in seen.get(weekday, [])):
            problems.append((index, "overlap"))
            continue
        seen.setdefault(weekday, []).append((opens, closes))
    return problems


def fits_opening_hours(start: datetime, end: datetime, windows: Iterable[Window], tz: tzinfo) -> bool:
    """Whether ``[start, end)`` lies inside one opening window (touching windows count as one) of the weekday of
    its local start date. A booking crossing local midnight never fits (windows lie within a day)."""
    if end <= start:
        return False
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if local_end.date() != local_start.date():
        return False
    begins, finishes = local_start.time().replace(tzinfo=None), local_end.time().replace(tzinfo=None)
    for opens, closes in windows_by_weekday(windows).get(local_start.weekday(), []):
        if opens <= begins and finishes <= closes:
            return True
    return False


def month_bounds(year: int, month: int, tz: tzinfo) -> Interval:
    """[first local midnight of the month, first local midnight of the next month) as aware datetimes."""
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def open_intervals(windows: Iterable[Window], first_day: date, last_day: date, tz: tzinfo) -> list[Interval]:
    """The opening windows of every day from ``first_day`` to ``last_day`` (inclusive) as aware datetimes."""
    by_day = windows_by_weekday(windows)
    result: list[Interval] = []
    day = first_day
    while day <= last_day:
        for opens, closes in by_day.get(day.weekday(), []):
            result.append((datetime.combine(day, opens, tzinfo=tz), datetime.combine(day, closes, tzinfo=tz)))
        day += timedelta(days=1)
    return result


def open_hours(
    windows: Iterable[Window], closures: Iterable[Interval], range_start: datetime, range_end: datetime, tz: tzinfo
) -> float:
    """Open hours in ``[range_start, range_end)``: the opening windows of each day minus the closures."""
    first = range_start.astimezone(tz).date()
    last = (range_end - timedelta(microseconds=1)).astimezone(tz).date()
    opened = [
        (max(s, range_start), min(e, range_end))
        for s, e in open_intervals(windows, first, last, tz)
        if overlaps(s, e, range_start, range_end)
    ]
    shut = merge_intervals(closures)
    seconds = 0.0
    for o_start, o_end in opened:
        seconds += (o_end - o_start).total_seconds()
        for c_start, c_end in shut:
            seconds -= overlap_seconds(o_start, o_end, c_start, c_end)
    return seconds / 3600


def open_hours_in_month(
    windows: Iterable[Window], closures: Iterable[Interval], year: int, month: int, tz: tzinfo
) -> float:
    """Open hours of a centre in a month: its weekly opening windows on every day of the month minus closures."""
    start, end = month_bounds(year, month, tz)
    return open_hours(windows, closures, start, end, tz)


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


# --- utilisation and fees ---------------------------------------------------------------------------------------


def booked_resource_hours(
    start: datetime,
    end: datetime,
    headcount: int,
    *,
    exclusive: bool,
    capacity: int,
    range_start: datetime | None = None,
    range_end: datetime | None = None,
) -> float:
    """Hours of the resource a booking uses inside ``[range_start, range_end)`` (whole booking when omitted).

    Exclusive resources: the duration. Shared resources: seat-hours divided by the capacity (a booking of 3 of 10
    seats for 2 hours uses 0.6 resource-hours), so that booked ÷ open hours is the seat utilisation."""
    if range_start is not None and range_end is not None:
        seconds = overlap_seconds(start, end, range_start, range_end)
    else:
        seconds = max((end - start).total_seconds(), 0.0)
    hours = seconds / 3600
    if exclusive or capacity <= 0:
        return hours
    return hours * min(headcount, capacity) / capacity


def utilisation_ratio(booked_hours: float, open_hours_: float) -> float | None:
    """Booked ÷ open hours (None when the resource was never open in the period)."""
    if open_hours_ <= 0:
        return None
    return booked_hours / open_hours_


def booking_fee(start: datetime, end: datetime, hourly_fee: Decimal | None) -> Decimal | None:
    """Fee of a booking in 元: hours × hourly fee, rounded to the cent (None when the resource has no fee)."""
    if hourly_fee is None:
        return None
    seconds = Decimal(int(max((end - start).total_seconds(), 0)))
    return (seconds / HOUR * Decimal(hourly_fee)).quantize(CENT, rounding=ROUND_HALF_UP)
