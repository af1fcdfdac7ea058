"""Layout of the server-rendered calendar pages (week and month views) — pure computation, no ORM.

Events are mappings with at least ``start`` and ``end`` (timezone-aware datetimes, half-open [start, end)); every
other key is passed through untouched for the template. Times are shown in the given local time zone; an event
crossing midnight is cut into one block per day, and an event ending exactly at midnight does not appear on the next
day (half-open ranges: touching is not overlapping).
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

#: Accepted range of ?date= (keeps every week/month computation far from date.min/date.max).
MIN_YEAR, MAX_YEAR = 1970, 2100
DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR = 8, 18


def parse_date_param(value: str | None, today: dt.date) -> tuple[dt.date, str]:
    """``?date=YYYY-MM-DD`` → (date, error message). Missing: today, no message; malformed or out of range: today
    and a message for the page (never an exception)."""
    if value is None or not str(value).strip():
        return today, ""
    text = str(value).strip()
    try:
        parsed = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        return today, _("日期“%(value)s”无效，请使用 YYYY-MM-DD 格式；已显示今天。") % {"value": text[:20]}
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return today, _("日期须在 %(min)s 年至 %(max)s 年之间；已显示今天。") % {"min": MIN_YEAR, "max": MAX_YEAR}
    return parsed, ""


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """First day of ``day``'s month and first day of the next month."""
    first = day.replace(day=1)
    days = _calendar.monthrange(first.year, first.month)[1]
    return first, first + dt.timedelta(days=days)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def local_midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """Aware local midnight of ``day`` (zoneinfo handles DST; China has none)."""
    return dt.datetime.combine(day, dt.time.min).replace(tzinfo=tz)


def overlaps(start: dt.datetime, end: dt.datetime, lo: dt.datetime, hi: dt.datetime) -> bool:
    return start < hi and end > lo


@dataclass
class Block:
    """One event's piece inside one day column of the week view."""

    event: Mapping[str, Any]
    start: dt.datetime  # local, clipped to the day
    end: dt.datetime
    continues_before: bool
    continues_after: bool
    top: float = 0.0  # percent of the column height
    height: float = 0.0
    lane: int = 0
    lanes: int = 1

    @property
    def left(self) -> float:
        return 100.0 * self.lane / self.lanes

    @property
    def width(self) -> float:
        return 100.0 / self.lanes


@dataclass
class DayColumn:
    day: dt.date
    is_today: bool
    blocks: list[Block] = field(default_factory=list)


@dataclass
class WeekGrid:
    start: dt.date
    end: dt.date  # exclusive
    first_hour: int
    last_hour: int  # exclusive
    days: list[DayColumn]

    @property
    def hours(self) -> list[int]:
        return list(range(self.first_hour, self.last_hour))

    @property
    def prev_date(self) -> dt.date:
        return self.start - dt.timedelta(days=7)

    @property
    def next_date(self) -> dt.date:
        return self.start + dt.timedelta(days=7)


def assign_lanes(blocks: list[Block]) -> None:
    """Side by side for overlapping blocks: greedy lanes per cluster of transitively overlapping blocks."""
    blocks.sort(key=lambda b: (b.start, b.end))
    cluster: list[Block] = []
    lane_ends: list[dt.datetime] = []
    cluster_end: dt.datetime | None = None

    def close() -> None:
        for member in cluster:
            member.lanes = max(len(lane_ends), 1)

    for block in blocks:
        if cluster_end is not None and block.start >= cluster_end:
            close()
            cluster, lane_ends, cluster_end = [], [], None
        for index, lane_end in enumerate(lane_ends):
            if lane_end <= block.start:
                block.lane, lane_ends[index] = index, block.end
                break
        else:
            block.lane = len(lane_ends)
            lane_ends.append(block.end)
        cluster.append(block)
        cluster_end = block.end if cluster_end is None else max(cluster_end, block.end)
    close()


def hour_range(windows: Iterable[tuple[dt.time, dt.time]], blocks: Iterable[Block]) -> tuple[int, int]:
    """Visible hours: the default working day widened to every opening window and every block of the week."""
    first, last = DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR
    spans = [(o.hour, c.hour + (1 if (c.minute or c.second) else 0)) for o, c in windows]
    for block in blocks:
        end_hour = 24 if block.end.date() > block.start.date() else block.end.hour + (1 if block.end.minute else 0)
        spans.append((block.start.hour, end_hour))
    for lo, hi in spans:
        first, last = min(first, lo), max(last, hi)
    return max(first, 0), min(max(last, first + 1), 24)


def week_grid(
    events: Sequence[Mapping[str, Any]],
    *,
    day: dt.date,
    tz: dt.tzinfo,
    today: dt.date,
    opening: Iterable[tuple[dt.time, dt.time]] = (),
) -> WeekGrid:
    start = week_start(day)
    days = [
        DayColumn(day=start + dt.timedelta(days=i), is_today=start + dt.timedelta(days=i) == today) for i in range(7)
    ]
    all_blocks: list[Block] = []
    for column in days:
        lo = local_midnight(column.day, tz)
        hi = local_midnight(column.day + dt.timedelta(days=1), tz)
        for event in events:
            ev_start, ev_end = event["start"].astimezone(tz), event["end"].astimezone(tz)
            if not overlaps(ev_start, ev_end, lo, hi):
                continue
            block = Block(
                event=event,
                start=max(ev_start, lo),
                end=min(ev_end, hi),
                continues_before=ev_start < lo,
                continues_after=ev_end > hi,
            )
            column.blocks.append(block)
            all_blocks.append(block)
    first_hour, last_hour = hour_range(opening, all_blocks)
    span = (last_hour - first_hour) * 60
    for column in days:
        base = local_midnight(column.day, tz)
        for block in column.blocks:
            top = (block.start - base).total_seconds() / 60 - first_hour * 60
            bottom = (block.end - base).total_seconds() / 60 - first_hour * 60
            top, bottom = max(top, 0.0), min(bottom, float(span))
            block.top = round(100.0 * top / span, 3)
            block.height = round(max(100.0 * (bottom - top) / span, 1.5), 3)
        assign_lanes(column.blocks)
    return WeekGrid(
        start=start, end=start + dt.timedelta(days=7), first_hour=first_hour, last_hour=last_hour, days=days
    )


@dataclass
class MonthCell:
    day: dt.date
    in_month: bool
    is_today: bool
    events: list[Mapping[str, Any]] = field(default_factory=list)


@dataclass
class MonthGrid:
    first: dt.date  # first day of the month
    weeks: list[list[MonthCell]]

    @property
    def start(self) -> dt.date:
        return self.weeks[0][0].day

    @property
    def end(self) -> dt.date:  # exclusive
        return self.weeks[-1][-1].day + dt.timedelta(days=1)

    @property
    def prev_date(self) -> dt.date:
        return add_months(self.first, -1)

    @property
    def next_date(self) -> dt.date:
        return add_months(self.first, 1)


def month_range(day: dt.date) -> tuple[dt.date, dt.date]:
    """The dates the month grid shows: Monday on or before the 1st to the Sunday on or after the last day
    (end exclusive)."""
    first, next_first = month_bounds(day)
    start = week_start(first)
    last = next_first - dt.timedelta(days=1)
    end = last + dt.timedelta(days=7 - last.weekday())
    return start, end


def month_grid(events: Sequence[Mapping[str, Any]], *, day: dt.date, tz: dt.tzinfo, today: dt.date) -> MonthGrid:
    first, _next = month_bounds(day)
    start, end = month_range(day)
    cells: list[MonthCell] = []
    current = start
    while current < end:
        cells.append(MonthCell(day=current, in_month=current.month == first.month, is_today=current == today))
        current += dt.timedelta(days=1)
    ordered = sorted(events, key=lambda e: (e["start"], e["end"]))
    for cell in cells:
        lo = local_midnight(cell.day, tz)
        hi = local_midnight(cell.day + dt.timedelta(days=1), tz)
        cell.events = [e for e in ordered if overlaps(e["start"].astimezone(tz), e["end"].astimezone(tz), lo, hi)]
    return MonthGrid(first=first, weeks=[cells[i : i + 7] for i in range(0, len(cells), 7)])


def window_bounds(kind: str, day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """Aware [start, end) of the period a view shows, for the selector query."""
    if kind == "month":
        start, end = month_range(day)
    else:
        start = week_start(day)
        end = start + dt.timedelta(days=7)
    return local_midnight(start, tz), local_midnight(end, tz)
