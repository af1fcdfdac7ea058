"""Pure rules of practice centres (no database): half-open overlap, peak headcount at boundaries, opening hours in
local time, closures, open hours of a month, utilisation and fees."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from practice_center import rules

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, month: int = 3, year: int = 2025) -> datetime:
    """Local time in March 2025 (3 March 2025 is a Monday)."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


# --- overlap ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((8, 10), (10, 12), False),  # touching: [8,10) and [10,12) do not overlap
        ((10, 12), (8, 10), False),
        ((8, 10), (9, 11), True),
        ((8, 12), (9, 10), True),  # containment
        ((9, 10), (9, 10), True),  # identical
        ((8, 9), (11, 12), False),
    ],
)
def test_overlaps_is_half_open(a, b, expected):
    assert rules.overlaps(at(3, a[0]), at(3, a[1]), at(3, b[0]), at(3, b[1])) is expected


def test_overlap_seconds_and_merge():
    assert rules.overlap_seconds(at(3, 8), at(3, 10), at(3, 9), at(3, 12)) == 3600
    assert rules.overlap_seconds(at(3, 8), at(3, 10), at(3, 10), at(3, 12)) == 0
    merged = rules.merge_intervals([(at(3, 10), at(3, 12)), (at(3, 8), at(3, 10)), (at(3, 13), at(3, 14))])
    assert merged == [(at(3, 8), at(3, 12)), (at(3, 13), at(3, 14))]


def test_overlap_across_timezones_compares_instants():
    utc_start = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # = 09:00 Shanghai
    assert rules.overlaps(utc_start, utc_start + timedelta(hours=1), at(3, 9, 30), at(3, 11))
    assert not rules.overlaps(utc_start, utc_start + timedelta(hours=1), at(3, 10), at(3, 11))


# --- capacity -----------------------------------------------------------------------------------------------------


def test_peak_headcount_touching_bookings_are_not_concurrent():
    bookings = [(at(3, 8), at(3, 10), 4), (at(3, 10), at(3, 12), 5)]
    assert rules.peak_headcount(bookings) == 5
    assert rules.peak_headcount(bookings, at(3, 9), at(3, 11)) == 5
    assert rules.peak_headcount(bookings, at(3, 8), at(3, 10)) == 4


def test_peak_headcount_overlapping_and_window_clipping():
    bookings = [(at(3, 8), at(3, 12), 3), (at(3, 9), at(3, 10), 4), (at(3, 11), at(3, 13), 2)]
    assert rules.peak_headcount(bookings) == 7  # 9–10: 3 + 4
    assert rules.peak_headcount(bookings, at(3, 10), at(3, 11)) == 3
    assert rules.peak_headcount(bookings, at(3, 11), at(3, 14)) == 5  # 11–12: 3 + 2
    assert rules.peak_headcount(bookings, at(3, 13), at(3, 14)) == 0
    assert rules.peak_headcount([]) == 0


def test_fits_capacity_exact_fit_and_one_more():
    bookings = [(at(3, 9), at(3, 11), 3), (at(3, 9), at(3, 11), 3), (at(3, 9), at(3, 11), 3)]
    assert rules.fits_capacity(bookings, at(3, 9), at(3, 11), 1, 10)  # 9 + 1 = 10: exact fit
    assert not rules.fits_capacity(bookings, at(3, 9), at(3, 11), 2, 10)  # 9 + 2 = 11
    assert rules.fits_capacity(bookings, at(3, 11), at(3, 12), 10, 10)  # touching: all seats free
    assert rules.capacity_left(bookings, at(3, 10), at(3, 12), 10) == 1
    assert rules.capacity_left(bookings * 2, at(3, 10), at(3, 12), 10) == 0  # never negative


def test_fits_exclusive():
    taken = [(at(3, 9), at(3, 11))]
    assert rules.fits_exclusive(taken, at(3, 11), at(3, 12))
    assert rules.fits_exclusive(taken, at(3, 8), at(3, 9))
    assert not rules.fits_exclusive(taken, at(3, 10, 59), at(3, 12))
    assert rules.fits_exclusive([], at(3, 9), at(3, 10))


# --- opening hours and closures -----------------------------------------------------------------------------------

WEEKDAYS = [(d, time(8), time(12)) for d in range(5)] + [(d, time(13), time(17)) for d in range(5)]


def test_fits_opening_hours_inside_one_window():
    assert rules.fits_opening_hours(at(3, 8), at(3, 12), WEEKDAYS, TZ)  # exactly the window
    assert rules.fits_opening_hours(at(3, 13), at(3, 17), WEEKDAYS, TZ)
    assert not rules.fits_opening_hours(at(3, 7, 59), at(3, 10), WEEKDAYS, TZ)
    assert not rules.fits_opening_hours(at(3, 11), at(3, 14), WEEKDAYS, TZ)  # across the lunch break
    assert not rules.fits_opening_hours(at(3, 16), at(3, 17, 1), WEEKDAYS, TZ)
    assert not rules.fits_opening_hours(at(8, 9), at(8, 10), WEEKDAYS, TZ)  # Saturday: no rows = closed
    assert not rules.fits_opening_hours(at(3, 10), at(3, 10), WEEKDAYS, TZ)  # empty range


def test_fits_opening_hours_touching_windows_count_as_one_and_midnight_never_fits():
    windows = [(0, time(8), time(12)), (0, time(12), time(18)), (0, time(18), time(23, 59))]
    assert rules.fits_opening_hours(at(3, 10), at(3, 14), windows, TZ)
    assert not rules.fits_opening_hours(at(3, 22), at(4, 1), [(d, time(0), time(23, 59)) for d in range(7)], TZ)


def test_fits_opening_hours_uses_local_time():
    # 00:30 UTC on Monday = 08:30 Shanghai: inside; 23:00 UTC on Sunday = 07:00 Monday Shanghai: outside.
    utc = datetime(2025, 3, 3, 0, 30, tzinfo=UTC)
    assert rules.fits_opening_hours(utc, utc + timedelta(hours=1), WEEKDAYS, TZ)
    early = datetime(2025, 3, 2, 23, 0, tzinfo=UTC)
    assert not rules.fits_opening_hours(early, early + timedelta(hours=2), WEEKDAYS, TZ)


def test_opening_hours_problems():
    rows = [
        (0, time(8), time(12)),
        (0, time(12), time(14)),  # touching: fine
        (0, time(13), time(15)),  # overlaps row 2
        (1, time(10), time(9)),  # closes before opens
        (7, time(8), time(9)),  # no such weekday
        (1, time(8), time(9)),
    ]
    assert rules.opening_hours_problems(rows) == [(2, "overlap"), (3, "order"), (4, "weekday")]
    assert rules.opening_hours_problems([]) == []


def test_overlaps_closure_boundaries():
    closures = [(at(5, 0), at(6, 0))]
    assert rules.overlaps_closure(closures, at(5, 9), at(5, 10))
    assert not rules.overlaps_closure(closures, at(4, 22), at(5, 0))  # ends when the closure starts
    assert not rules.overlaps_closure(closures, at(6, 0), at(6, 2))  # starts when it ends
    assert rules.overlaps_closure(closures, at(4, 23), at(5, 0, 1))
    assert rules.first_overlapping([(at(5, 0), at(6, 0), "检修")], at(5, 8), at(5, 9))[2] == "检修"


# --- open hours of a month, utilisation, fees ---------------------------------------------------------------------


def test_open_hours_in_month_minus_closures():
    # March 2025: 21 weekdays × 8 h = 168 h (Mon–Fri 8–12 and 13–17).
    assert rules.open_hours_in_month(WEEKDAYS, [], 2025, 3, TZ) == pytest.approx(168)
    # Closed all Wednesday 5 March (8 h) and Thursday 6 March 10:00–14:00 (2 h morning + 1 h afternoon).
    closures = [(at(5, 0), at(6, 0)), (at(6, 10), at(6, 14))]
    assert rules.open_hours_in_month(WEEKDAYS, closures, 2025, 3, TZ) == pytest.approx(168 - 8 - 3)
    # Overlapping closures are not subtracted twice.
    assert rules.open_hours_in_month(WEEKDAYS, closures + [(at(5, 6), at(5, 20))], 2025, 3, TZ) == pytest.approx(157)
    # A closure spilling over from February only counts inside March (Mon 3 March morning: 4 h).
    assert rules.open_hours_in_month(WEEKDAYS, [(at(27, 0, month=2), at(3, 12))], 2025, 3, TZ) == pytest.approx(164)
    assert rules.open_hours_in_month([], [], 2025, 3, TZ) == 0


def test_month_bounds_local_midnight_and_december():
    start, end = rules.month_bounds(2025, 12, TZ)
    assert start == datetime(2025, 12, 1, tzinfo=TZ) and end == datetime(2026, 1, 1, tzinfo=TZ)
    assert start.astimezone(UTC).hour == 16  # local midnight is 16:00 UTC the day before
    assert rules.days_in_month(2024, 2) == 29


def test_booked_resource_hours_and_ratio():
    assert rules.booked_resource_hours(at(3, 9), at(3, 11), 5, exclusive=True, capacity=1) == 2
    assert rules.booked_resource_hours(at(3, 9), at(3, 11), 3, exclusive=False, capacity=10) == pytest.approx(0.6)
    month_start, month_end = rules.month_bounds(2025, 3, TZ)
    late = datetime(2025, 2, 28, 23, 0, tzinfo=TZ)
    clipped = rules.booked_resource_hours(
        late, late + timedelta(hours=3), 1, exclusive=True, capacity=1, range_start=month_start, range_end=month_end
    )
    assert clipped == 2
    assert rules.utilisation_ratio(42, 168) == 0.25
    assert rules.utilisation_ratio(5, 0) is None


def test_booking_fee():
    assert rules.booking_fee(at(3, 9), at(3, 11, 30), Decimal("80")) == Decimal("200.00")
    assert rules.booking_fee(at(3, 9), at(3, 9, 20), Decimal("100")) == Decimal("33.33")
    assert rules.booking_fee(at(3, 9), at(3, 10), None) is None
    assert rules.booking_fee(at(3, 9), at(3, 10), Decimal("0")) == Decimal("0.00")


def test_open_intervals_lists_each_day():
    days = rules.open_intervals([(0, time(8), time(10))], date(2025, 3, 1), date(2025, 3, 10), TZ)
    assert days == [(at(3, 8), at(3, 10)), (at(10, 8), at(10, 10))]
