"""Report periods (pure, no ORM): the last complete week (Mon–Sun), month or year before a day, the period that
contains a day, and the label a reader sees ("2026年第12周（3月16日—3月22日）")."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

from ..choices import ReportKind


def period_containing(kind: str, day: date) -> tuple[date, date]:
    """The week (Monday–Sunday), month or calendar year of ``kind`` that contains ``day``."""
    if kind == ReportKind.WEEKLY_TASKS:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind == ReportKind.MONTHLY_KPI:
        start = day.replace(day=1)
        following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        return start, following - timedelta(days=1)
    if kind == ReportKind.ANNUAL:
        return date(day.year, 1, 1), date(day.year, 12, 31)
    raise ValueError(f"unknown report kind {kind!r}")


def period_for(kind: str, today: date) -> tuple[date, date]:
    """The last complete period of ``kind`` before ``today`` (the one a scheduled report covers)."""
    start, _end = period_containing(kind, today)
    return period_containing(kind, start - timedelta(days=1))


def is_aligned(kind: str, start: date, end: date) -> bool:
    """True when ``start``–``end`` is exactly one period of ``kind``."""
    return period_containing(kind, start) == (start, end)


def period_label(kind: str, start: date, end: date) -> str:
    if kind == ReportKind.WEEKLY_TASKS:
        year, week, _weekday = start.isocalendar()
        return _("%(year)s年第%(week)s周（%(sm)s月%(sd)s日—%(em)s月%(ed)s日）") % {
            "year": year, "week": week, "sm": start.month, "sd": start.day, "em": end.month, "ed": end.day,
        }
    if kind == ReportKind.MONTHLY_KPI:
        return _("%(year)s年%(month)s月") % {"year": start.year, "month": start.month}
    if kind == ReportKind.ANNUAL:
        return _("%(year)s年度") % {"year": start.year}
    return f"{start:%Y-%m-%d}—{end:%Y-%m-%d}"


def default_periods(today: date) -> dict[str, tuple[date, date]]:
    """The last complete period of every kind (what the "generate now" form proposes)."""
    return {kind: period_for(kind, today) for kind in ReportKind.values}
