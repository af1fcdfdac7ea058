"""Report periods (pure): the last complete week / month / year before a day, alignment and labels."""

from __future__ import annotations

from datetime import date

import pytest

from consortium.leadership.choices import ReportKind
from consortium.leadership.reports.periods import is_aligned, period_containing, period_for, period_label


@pytest.mark.parametrize(("kind", "today", "expected"), [
    (ReportKind.WEEKLY_TASKS, date(2026, 3, 18), (date(2026, 3, 9), date(2026, 3, 15))),  # Wednesday
    (ReportKind.WEEKLY_TASKS, date(2026, 3, 16), (date(2026, 3, 9), date(2026, 3, 15))),  # Monday: last week
    (ReportKind.WEEKLY_TASKS, date(2026, 3, 15), (date(2026, 3, 2), date(2026, 3, 8))),  # Sunday: week not over
    (ReportKind.WEEKLY_TASKS, date(2026, 1, 1), (date(2025, 12, 22), date(2025, 12, 28))),
    (ReportKind.MONTHLY_KPI, date(2026, 3, 1), (date(2026, 2, 1), date(2026, 2, 28))),
    (ReportKind.MONTHLY_KPI, date(2024, 3, 31), (date(2024, 2, 1), date(2024, 2, 29))),  # leap year
    (ReportKind.MONTHLY_KPI, date(2026, 1, 15), (date(2025, 12, 1), date(2025, 12, 31))),
    (ReportKind.ANNUAL, date(2026, 1, 5), (date(2025, 1, 1), date(2025, 12, 31))),
    (ReportKind.ANNUAL, date(2026, 12, 31), (date(2025, 1, 1), date(2025, 12, 31))),
])
def test_period_for_is_the_last_complete_period(kind, today, expected):
    start, end = period_for(kind, today)
    assert (start, end) == expected
    assert end < today and is_aligned(kind, start, end)


def test_period_containing_and_alignment():
    assert period_containing(ReportKind.MONTHLY_KPI, date(2026, 12, 9)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert period_containing(ReportKind.WEEKLY_TASKS, date(2026, 3, 22)) == (date(2026, 3, 16), date(2026, 3, 22))
    assert not is_aligned(ReportKind.WEEKLY_TASKS, date(2026, 3, 10), date(2026, 3, 16))
    assert not is_aligned(ReportKind.MONTHLY_KPI, date(2026, 2, 1), date(2026, 2, 27))
    assert is_aligned(ReportKind.ANNUAL, date(2025, 1, 1), date(2025, 12, 31))
    with pytest.raises(ValueError):
        period_containing("quarterly", date(2026, 1, 1))


def test_labels():
    assert period_label(ReportKind.WEEKLY_TASKS, date(2026, 3, 9), date(2026, 3, 15)) == (
        "2026年第11周（3月9日—3月15日）")
    # ISO week-year: the week of 29 December 2025 is week 1 of 2026
    assert period_label(ReportKind.WEEKLY_TASKS, date(2025, 12, 29), date(2026, 1, 4)).startswith("2026年第1周")
    assert period_label(ReportKind.MONTHLY_KPI, date(2026, 2, 1), date(2026, 2, 28)) == "2026年2月"
    assert period_label(ReportKind.ANNUAL, date(2025, 1, 1), date(2025, 12, 31)) == "2025年度"
