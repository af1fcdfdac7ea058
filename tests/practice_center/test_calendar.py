"""Calendar layout (pure, practice_center.calendar_grid): week blocks at day boundaries, overlapping lanes, month
grid edges, ?date parsing. The rendered pages are covered in test_pages.py."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from practice_center import calendar_grid as grid

TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2025, 3, 12)  # a Wednesday


def at(day: str, hm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=TZ)


def ev(start: dt.datetime, end: dt.datetime, name: str = "") -> dict:
    return {"start": start, "end": end, "name": name}


@pytest.mark.parametrize(
    ("value", "expected", "has_error"),
    [
        (None, TODAY, False),
        ("", TODAY, False),
        ("2025-02-03", dt.date(2025, 2, 3), False),
        ("2025-02-30", TODAY, True),
        ("yesterday", TODAY, True),
        ("2025-2-3", TODAY, True),
        ("9999-12-31", TODAY, True),
        ("0001-01-01", TODAY, True),
        ("2025-02-03T10:00", TODAY, True),
    ],
)
def test_parse_date_param(value, expected, has_error):
    day, error = grid.parse_date_param(value, TODAY)
    assert day == expected
    assert bool(error) is has_error


def test_week_starts_monday_and_navigates():
    week = grid.week_grid([], day=dt.date(2025, 3, 16), tz=TZ, today=TODAY)  # a Sunday
    assert week.start == dt.date(2025, 3, 10) and week.end == dt.date(2025, 3, 17)
    assert [c.day.weekday() for c in week.days] == list(range(7))
    assert week.prev_date == dt.date(2025, 3, 3) and week.next_date == dt.date(2025, 3, 17)
    assert [c.is_today for c in week.days] == [False, False, True, False, False, False, False]
    assert week.hours == list(range(8, 18))


def test_week_blocks_at_boundaries():
    events = [
        ev(at("2025-03-09", "22:00"), at("2025-03-10", "00:00"), "ends at Monday midnight"),  # previous week only
        ev(at("2025-03-10", "09:00"), at("2025-03-10", "10:00"), "monday"),
        ev(at("2025-03-11", "22:00"), at("2025-03-12", "02:00"), "over midnight"),
        ev(at("2025-03-16", "23:00"), at("2025-03-17", "01:00"), "into next week"),
        ev(at("2025-03-17", "00:00"), at("2025-03-17", "02:00"), "next week"),
    ]
    week = grid.week_grid(events, day=TODAY, tz=TZ, today=TODAY)
    by_day = {
        c.day.isoformat(): [(b.event["name"], b.start.strftime("%H:%M"), b.end.strftime("%H:%M")) for b in c.blocks]
        for c in week.days
    }
    assert by_day["2025-03-10"] == [("monday", "09:00", "10:00")]
    assert by_day["2025-03-11"] == [("over midnight", "22:00", "00:00")]
    assert by_day["2025-03-12"] == [("over midnight", "00:00", "02:00")]
    assert by_day["2025-03-16"] == [("into next week", "23:00", "00:00")]
    assert sum(len(v) for v in by_day.values()) == 4
    split = week.days[1].blocks[0]
    assert split.continues_after and not split.continues_before
    assert week.days[2].blocks[0].continues_before
    # the visible hours widen to midnight for blocks at the day edges
    assert week.first_hour == 0 and week.last_hour == 24
    monday = week.days[0].blocks[0]
    assert monday.top == pytest.approx(100 * 9 / 24) and monday.height == pytest.approx(100 / 24, abs=1e-3)


def test_utc_events_are_shown_in_local_time():
    utc = ZoneInfo("UTC")
    start = dt.datetime(2025, 3, 10, 1, 0, tzinfo=utc)  # 09:00 in Shanghai
    week = grid.week_grid([ev(start, start + dt.timedelta(hours=2))], day=TODAY, tz=TZ, today=TODAY)
    block = week.days[0].blocks[0]
    assert block.start.hour == 9 and block.end.hour == 11
    assert week.first_hour == 8 and week.last_hour == 18
    assert block.top == pytest.approx(10.0) and block.height == pytest.approx(20.0)


def test_opening_hours_widen_the_visible_hours():
    week = grid.week_grid([], day=TODAY, tz=TZ, today=TODAY, opening=[(dt.time(7, 30), dt.time(20, 15))])
    assert week.first_hour == 7 and week.last_hour == 21


def test_overlapping_blocks_get_lanes_touching_ones_do_not():
    events = [
        ev(at("2025-03-12", "09:00"), at("2025-03-12", "11:00"), "a"),
        ev(at("2025-03-12", "10:00"), at("2025-03-12", "12:00"), "b"),
        ev(at("2025-03-12", "11:00"), at("2025-03-12", "12:00"), "c"),  # touches a: reuses a's lane
        ev(at("2025-03-12", "12:00"), at("2025-03-12", "13:00"), "d"),  # touches the cluster: alone
    ]
    week = grid.week_grid(events, day=TODAY, tz=TZ, today=TODAY)
    lanes = {b.event["name"]: (b.lane, b.lanes) for b in week.days[2].blocks}
    assert lanes == {"a": (0, 2), "b": (1, 2), "c": (0, 2), "d": (0, 1)}
    b = next(b for b in week.days[2].blocks if b.event["name"] == "b")
    assert b.left == pytest.approx(50.0) and b.width == pytest.approx(50.0)


def test_month_grid_edges():
    month = grid.month_grid(
        [
            ev(at("2025-02-28", "23:00"), at("2025-03-01", "00:00"), "feb"),  # ends at midnight: not on 1 March
            ev(at("2025-03-01", "08:00"), at("2025-03-01", "09:00"), "first"),
            ev(at("2025-03-31", "23:00"), at("2025-04-01", "01:00"), "last"),  # shown on both days
        ],
        day=dt.date(2025, 3, 20),
        tz=TZ,
        today=TODAY,
    )
    assert month.first == dt.date(2025, 3, 1)
    assert month.start == dt.date(2025, 2, 24) and month.end == dt.date(2025, 4, 7)
    assert len(month.weeks) == 6 and all(len(w) == 7 for w in month.weeks)
    cells = {c.day: c for w in month.weeks for c in w}
    assert [e["name"] for e in cells[dt.date(2025, 2, 28)].events] == ["feb"]
    assert not cells[dt.date(2025, 2, 28)].in_month and cells[dt.date(2025, 3, 1)].in_month
    assert [e["name"] for e in cells[dt.date(2025, 3, 1)].events] == ["first"]
    assert [e["name"] for e in cells[dt.date(2025, 3, 31)].events] == ["last"]
    assert [e["name"] for e in cells[dt.date(2025, 4, 1)].events] == ["last"]
    assert cells[TODAY].is_today
    assert month.prev_date == dt.date(2025, 2, 1) and month.next_date == dt.date(2025, 4, 1)


def test_month_range_when_month_starts_on_monday():
    start, end = grid.month_range(dt.date(2025, 9, 15))  # 1 Sept 2025 is a Monday, 30 Sept a Tuesday
    assert start == dt.date(2025, 9, 1) and end == dt.date(2025, 10, 6)
    assert grid.add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert grid.add_months(dt.date(2025, 1, 15), -1) == dt.date(2024, 12, 15)


def test_window_bounds_are_local_midnights():
    lo, hi = grid.window_bounds("week", TODAY, TZ)
    assert (lo, hi) == (at("2025-03-10", "00:00"), at("2025-03-17", "00:00"))
    lo, hi = grid.window_bounds("month", TODAY, TZ)
    assert (lo, hi) == (at("2025-02-24", "00:00"), at("2025-04-07", "00:00"))
