"""Reads of practice centres. Selectors of pages take the acting user and start from ``visible_to``; the statistics
(``utilisation``, ``training_stats``, ``production_stats``) take an explicit ``consortium_id`` like tasks do — the
page decides who may see a consortium's statistics. Aggregations run in a fixed, small number of queries."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.models import User
from consortium.tenancy.scoping import is_platform_admin, unit_roles

from . import rules
from .choices import HOLDING_STATUSES, USED_STATUSES, BookingPurpose, BookingStatus
from .models import (
    Booking,
    BookingStatusChange,
    CentreClosure,
    OpeningHours,
    PracticeCentre,
    ProductionRecord,
    Resource,
    Trainee,
    TrainingSession,
)
from .services import booking_allowed_actions

# --- lists --------------------------------------------------------------------------------------------------------


def centres_for(user: User, *, kind: str = "", q: str = "", unit_id: int | None = None) -> models.QuerySet:
    """Centres the user may see (own centres and published ones), with their units and resource count."""
    qs = PracticeCentre.objects.visible_to(user)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__icontains=q)
    if unit_id:
        qs = qs.filter(Q(owner_unit_id=unit_id) | Q(operator_unit_id=unit_id))
    return (
        qs.select_related("owner_unit", "operator_unit")
        .annotate(resource_count=Count("resources", distinct=True))
        .order_by("name", "id")
    )


def resources_for(
    user: User, *, centre: PracticeCentre | None = None, kind: str = "", active_only: bool = False
) -> models.QuerySet:
    qs = Resource.objects.visible_to(user)
    if centre is not None:
        qs = qs.filter(centre=centre)
    if kind:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.select_related("centre").prefetch_related("programmes", "industries").order_by("centre__name", "name")


def opening_hours_for(user: User, centre: PracticeCentre) -> models.QuerySet:
    return OpeningHours.objects.visible_to(user).filter(centre=centre).order_by("weekday", "opens")


def closures_for(user: User, centre: PracticeCentre, *, upcoming_only: bool = False) -> models.QuerySet:
    qs = CentreClosure.objects.visible_to(user).filter(centre=centre)
    if upcoming_only:
        qs = qs.filter(end__gt=timezone.now())
    return qs.order_by("start")


def bookings_for(
    user: User,
    *,
    unit_id: int | None = None,
    centre_id: int | None = None,
    resource_id: int | None = None,
    status: str = "",
    purpose: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> models.QuerySet:
    """Bookings the user may see (their units' bookings and those of the centres they own/operate), optionally
    filtered; ``start``/``end`` select bookings overlapping ``[start, end)``."""
    qs = Booking.objects.visible_to(user)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if centre_id:
        qs = qs.filter(centre_id=centre_id)
    if resource_id:
        qs = qs.filter(resource_id=resource_id)
    if status:
        qs = qs.filter(status=status)
    if purpose:
        qs = qs.filter(purpose=purpose)
    if start is not None:
        qs = qs.filter(end__gt=start)
    if end is not None:
        qs = qs.filter(start__lt=end)
    return qs.select_related("unit", "centre", "resource", "requested_by", "decided_by").order_by("-start", "-id")


def _administered_units(user: Any) -> list[int]:
    if not (user and user.is_authenticated and user.is_active and getattr(user, "role", "") == "member"):
        return []
    return [unit_id for unit_id, role in unit_roles(user).items() if role == UnitRole.UNIT_ADMIN]


def approval_queue(user: User) -> models.QuerySet:
    """Pending bookings the user decides on: those of centres whose owner or operator unit the user administers
    (the secretariat: every pending booking of the consortium). Oldest start first."""
    qs = Booking.objects.visible_to(user).filter(status=BookingStatus.PENDING)
    if not (is_platform_admin(user) or getattr(user, "role", "") == "secretariat"):
        admin = _administered_units(user)
        qs = qs.filter(Q(centre__owner_unit_id__in=admin) | Q(centre__operator_unit_id__in=admin))
    return qs.select_related("unit", "centre", "resource", "requested_by").order_by("start", "id")


def booking_history(user: User, booking: Booking) -> models.QuerySet:
    return (
        BookingStatusChange.objects.visible_to(user)
        .filter(booking=booking)
        .select_related("actor")
        .order_by("at", "id")
    )


def booking_actions(user: User, booking: Booking) -> list[str]:
    """Actions (``services.ACTION_*``) the user may take on the booking now (buttons)."""
    return booking_allowed_actions(user, booking)


def training_sessions_for(
    user: User, *, centre_id: int | None = None, unit_id: int | None = None, status: str = "", year: int | None = None
) -> models.QuerySet:
    qs = TrainingSession.objects.visible_to(user)
    if centre_id:
        qs = qs.filter(centre_id=centre_id)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(start_date__year=year)
    return (
        qs.select_related("unit", "centre", "trainer_teacher", "trainer_expert")
        .annotate(
            trainee_count=Count("trainees", distinct=True),
            completed_count=Count("trainees", filter=Q(trainees__completed=True), distinct=True),
        )
        .order_by("-start_date", "-id")
    )


def trainees_for(user: User, session: TrainingSession) -> models.QuerySet:
    """Trainees of a session: only the organising unit, the secretariat and officials see any (personal data)."""
    return (
        Trainee.objects.visible_to(user).filter(session=session).select_related("employer_unit").order_by("name", "id")
    )


def production_records_for(
    user: User, *, centre_id: int | None = None, kind: str = "", year: int | None = None
) -> models.QuerySet:
    qs = ProductionRecord.objects.visible_to(user)
    if centre_id:
        qs = qs.filter(centre_id=centre_id)
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(date__year=year)
    return qs.select_related("unit", "centre", "client_unit").order_by("-date", "-id")


# --- calendar -----------------------------------------------------------------------------------------------------

_HIDDEN_IN_CALENDAR = (BookingStatus.REFUSED, BookingStatus.CANCELLED)


def calendar_events(
    user: User,
    *,
    centre: PracticeCentre | None = None,
    resource: Resource | None = None,
    start: datetime,
    end: datetime,
    include_busy: bool = True,
) -> list[dict[str, Any]]:
    """Bookings overlapping ``[start, end)`` as dicts for a week/month calendar (2 queries).

    Bookings the user may see come with their details (refused and cancelled ones are left out). With
    ``include_busy``, the holding bookings of other units on resources the user may see (published centres) are
    added as anonymous ``busy`` blocks — times and seats only, no unit, title or purpose — so that a booking unit
    sees when a resource is taken.

    Keys: id, busy, resource_id, resource_name, centre_id, centre_name, unit_id, unit_name, purpose, purpose_label,
    status, status_label, title, headcount, start, end (aware datetimes)."""
    purposes, statuses = dict(BookingPurpose.choices), dict(BookingStatus.choices)
    qs = Booking.objects.visible_to(user).filter(start__lt=end, end__gt=start).exclude(status__in=_HIDDEN_IN_CALENDAR)
    if centre is not None:
        qs = qs.filter(centre=centre)
    if resource is not None:
        qs = qs.filter(resource=resource)
    rows = qs.order_by("start", "id").values(
        "id",
        "resource_id",
        "resource__name",
        "centre_id",
        "centre__name",
        "unit_id",
        "unit__name",
        "purpose",
        "status",
        "title",
        "headcount",
        "start",
        "end",
    )
    events = [
        {
            "id": row["id"],
            "busy": False,
            "resource_id": row["resource_id"],
            "resource_name": row["resource__name"],
            "centre_id": row["centre_id"],
            "centre_name": row["centre__name"],
            "unit_id": row["unit_id"],
            "unit_name": row["unit__name"],
            "purpose": row["purpose"],
            "purpose_label": str(purposes.get(row["purpose"], row["purpose"])),
            "status": row["status"],
            "status_label": str(statuses.get(row["status"], row["status"])),
            "title": row["title"],
            "headcount": row["headcount"],
            "start": row["start"],
            "end": row["end"],
        }
        for row in rows
    ]
    if include_busy:
        seen = {event["id"] for event in events}
        busy = Booking.objects.filter(
            resource_id__in=Resource.objects.visible_to(user).values("pk"),
            status__in=HOLDING_STATUSES,
            start__lt=end,
            end__gt=start,
        )
        if centre is not None:
            busy = busy.filter(centre=centre)
        if resource is not None:
            busy = busy.filter(resource=resource)
        label = _("已占用")
        for row in busy.order_by("start", "id").values(
            "id", "resource_id", "resource__name", "centre_id", "centre__name", "headcount", "start", "end"
        ):
            if row["id"] in seen:
                continue
            events.append(
                {
                    "id": None,
                    "busy": True,
                    "resource_id": row["resource_id"],
                    "resource_name": row["resource__name"],
                    "centre_id": row["centre_id"],
                    "centre_name": row["centre__name"],
                    "unit_id": None,
                    "unit_name": "",
                    "purpose": "",
                    "purpose_label": "",
                    "status": "",
                    "status_label": str(label),
                    "title": str(label),
                    "headcount": row["headcount"],
                    "start": row["start"],
                    "end": row["end"],
                }
            )
        events.sort(key=lambda e: (e["start"], e["busy"], e["id"] or 0))
    return events


# --- utilisation --------------------------------------------------------------------------------------------------


def _round(value: float) -> float:
    return round(value, 2)


def _ratio(booked: float, opened: float) -> float | None:
    ratio = rules.utilisation_ratio(booked, opened)
    return None if ratio is None else round(ratio, 4)


def utilisation(*, consortium_id: int, year: int, month: int, centre_id: int | None = None) -> dict[str, Any]:
    """Utilisation per resource and per centre in a month (4 queries, whatever the number of rows).

    * open hours: the centre's weekly opening windows on every day of the month minus its closures (local time);
    * booked hours: confirmed bookings (approved, completed, no-show) clipped to the month; a shared resource
      counts seat-hours ÷ capacity (3 of 10 seats for 2 h = 0.6 h), so the ratio is the seat utilisation;
    * ratio = booked ÷ open (None when never open); ``by_purpose`` {purpose: hours}; ``by_unit`` booking units
      sorted by hours; ``fee`` and ``government_amount`` (元) of the bookings starting in the month.

    A centre's open hours are summed over its resources (active ones, and inactive ones with bookings), so its
    ratio is booked resource-hours ÷ available resource-hours; ``centre_open_hours`` is the centre's own figure.
    Returns {"year", "month", "resources": [...], "centres": [...], "totals": {...}}."""
    return utilisation_months(consortium_id=consortium_id, year=year, months=[month], centre_id=centre_id)[0]


def utilisation_months(
    *, consortium_id: int, year: int, months: list[int], centre_id: int | None = None
) -> list[dict[str, Any]]:
    """``utilisation`` of several months of one year, loaded in the same 4 queries (the statistics pages show
    twelve months at once)."""
    tz = timezone.get_default_timezone()
    if not months:
        return []
    first_start, _first_end = rules.month_bounds(year, min(months), tz)
    _last_start, last_end = rules.month_bounds(year, max(months), tz)
    centres_qs = PracticeCentre.objects.for_consortium(consortium_id)
    if centre_id:
        centres_qs = centres_qs.filter(pk=centre_id)
    resources = list(
        Resource.objects.for_consortium(consortium_id)
        .filter(centre__in=centres_qs)
        .order_by("centre__name", "name", "id")
        .values("id", "name", "kind", "exclusive", "capacity", "is_active", "centre_id", "centre__name")
    )
    centre_ids = {r["centre_id"] for r in resources}
    windows: dict[int, list] = defaultdict(list)
    for cid, weekday, opens, closes in (
        OpeningHours.objects.for_consortium(consortium_id)
        .filter(centre_id__in=centre_ids)
        .values_list("centre_id", "weekday", "opens", "closes")
    ):
        windows[cid].append((weekday, opens, closes))
    all_closures = list(
        CentreClosure.objects.for_consortium(consortium_id)
        .filter(centre_id__in=centre_ids, start__lt=last_end, end__gt=first_start)
        .values_list("centre_id", "start", "end")
    )
    all_bookings = list(
        Booking.objects.for_consortium(consortium_id)
        .filter(resource_id__in=[r["id"] for r in resources], status__in=USED_STATUSES)
        .filter(start__lt=last_end, end__gt=first_start)
        .order_by("start", "id")
        .values(
            "resource_id", "unit_id", "unit__name", "purpose", "start", "end", "headcount", "fee", "government_amount"
        )
    )
    results = []
    for month in months:
        month_start, month_end = rules.month_bounds(year, month, tz)
        closures: dict[int, list] = defaultdict(list)
        for cid, c_start, c_end in all_closures:
            if c_start < month_end and c_end > month_start:
                closures[cid].append((c_start, c_end))
        bookings = [b for b in all_bookings if b["start"] < month_end and b["end"] > month_start]
        results.append(
            _utilisation_month(
                year, month, tz, month_start, month_end, resources, centre_ids, windows, closures, bookings
            )
        )
    return results


def _utilisation_month(
    year: int, month: int, tz: Any, month_start: Any, month_end: Any, resources: list[dict[str, Any]],
    centre_ids: set[int], windows: dict[int, list], closures: dict[int, list], bookings: list[dict[str, Any]],
) -> dict[str, Any]:
    centre_open = {cid: rules.open_hours(windows[cid], closures[cid], month_start, month_end, tz) for cid in centre_ids}
    by_resource: dict[int, dict[str, Any]] = {}
    for r in resources:
        by_resource[r["id"]] = {
            "resource_id": r["id"],
            "resource_name": r["name"],
            "kind": r["kind"],
            "exclusive": r["exclusive"],
            "capacity": r["capacity"],
            "is_active": r["is_active"],
            "centre_id": r["centre_id"],
            "centre_name": r["centre__name"],
            "open_hours": centre_open[r["centre_id"]],
            "booked_hours": 0.0,
            "bookings": 0,
            "by_purpose": defaultdict(float),
            "by_unit": {},
            "fee": Decimal("0"),
            "government_amount": Decimal("0"),
        }
    for b in bookings:
        row = by_resource[b["resource_id"]]
        hours = rules.booked_resource_hours(
            b["start"],
            b["end"],
            b["headcount"],
            exclusive=row["exclusive"],
            capacity=row["capacity"],
            range_start=month_start,
            range_end=month_end,
        )
        row["booked_hours"] += hours
        row["bookings"] += 1
        row["by_purpose"][b["purpose"]] += hours
        unit = row["by_unit"].setdefault(
            b["unit_id"], {"unit_id": b["unit_id"], "unit_name": b["unit__name"], "hours": 0.0}
        )
        unit["hours"] += hours
        if month_start <= b["start"] < month_end:
            row["fee"] += b["fee"] or 0
            row["government_amount"] += b["government_amount"] or 0

    resource_rows: list[dict[str, Any]] = []
    centres: dict[int, dict[str, Any]] = {}
    for row in by_resource.values():
        counted = row["is_active"] or row["bookings"] > 0
        centre = centres.setdefault(
            row["centre_id"],
            {
                "centre_id": row["centre_id"],
                "centre_name": row["centre_name"],
                "centre_open_hours": _round(centre_open[row["centre_id"]]),
                "open_hours": 0.0,
                "booked_hours": 0.0,
                "bookings": 0,
                "resources": 0,
                "by_purpose": defaultdict(float),
                "by_unit": {},
                "fee": Decimal("0"),
                "government_amount": Decimal("0"),
            },
        )
        if counted:
            centre["open_hours"] += row["open_hours"]
            centre["resources"] += 1
        centre["booked_hours"] += row["booked_hours"]
        centre["bookings"] += row["bookings"]
        centre["fee"] += row["fee"]
        centre["government_amount"] += row["government_amount"]
        for purpose, hours in row["by_purpose"].items():
            centre["by_purpose"][purpose] += hours
        for unit_id, unit in row["by_unit"].items():
            target = centre["by_unit"].setdefault(unit_id, {**unit, "hours": 0.0})
            target["hours"] += unit["hours"]
        resource_rows.append(_finish_row(row))
    centre_rows = [_finish_row(c) for c in sorted(centres.values(), key=lambda c: (c["centre_name"], c["centre_id"]))]
    total_open = sum(c["open_hours"] for c in centre_rows)
    total_booked = sum(c["booked_hours"] for c in centre_rows)
    return {
        "year": year,
        "month": month,
        "resources": resource_rows,
        "centres": centre_rows,
        "totals": {
            "open_hours": _round(total_open),
            "booked_hours": _round(total_booked),
            "ratio": _ratio(total_booked, total_open),
            "bookings": sum(c["bookings"] for c in centre_rows),
            "fee": sum((c["fee"] for c in centre_rows), Decimal("0")),
            "government_amount": sum((c["government_amount"] for c in centre_rows), Decimal("0")),
        },
    }


def _finish_row(row: dict[str, Any]) -> dict[str, Any]:
    """Round the hours, compute the ratio, order purposes as the choices and units by hours."""
    opened, booked = row["open_hours"], row["booked_hours"]
    result = {**row}
    result["open_hours"] = _round(opened)
    result["booked_hours"] = _round(booked)
    result["ratio"] = _ratio(booked, opened)
    result["by_purpose"] = {p: _round(row["by_purpose"][p]) for p in BookingPurpose.values if p in row["by_purpose"]}
    result["by_unit"] = sorted(
        ({**u, "hours": _round(u["hours"])} for u in row["by_unit"].values()),
        key=lambda u: (-u["hours"], u["unit_name"]),
    )
    return result


# --- training and production statistics ---------------------------------------------------------------------------


def _empty_training_month(month: int) -> dict[str, Any]:
    return {
        "month": month,
        "sessions": 0,
        "session_hours": Decimal("0"),
        "person_times": 0,
        "completed": 0,
        "certificates": 0,
        "attended_hours": Decimal("0"),
    }


_TRAINING_SUMS = ("sessions", "session_hours", "person_times", "completed", "certificates", "attended_hours")


def training_stats(*, consortium_id: int, year: int, centre_id: int | None = None) -> dict[str, Any]:
    """Social training per centre per month of ``year`` (3 queries). A session counts in the month it starts.

    Per month: sessions, session_hours (Σ planned hours of the sessions), person_times (培训人次: trainees enrolled),
    completed, certificates, attended_hours (Σ hours the trainees attended — the training hours).
    Returns {"year", "centres": [{centre_id, centre_name, months: [12 dicts], total}], "months": [12 totals],
    "total": {...}}; centres that offer social training or held a session are listed."""
    sessions = TrainingSession.objects.for_consortium(consortium_id).filter(start_date__year=year)
    if centre_id:
        sessions = sessions.filter(centre_id=centre_id)
    session_rows = (
        sessions.annotate(month=ExtractMonth("start_date"))
        .values("centre_id", "month")
        .annotate(sessions=Count("pk"), session_hours=Sum("hours"))
        .order_by()
    )
    trainee_rows = (
        Trainee.objects.for_consortium(consortium_id)
        .filter(session__in=sessions)
        .annotate(month=ExtractMonth("session__start_date"))
        .values("session__centre_id", "month")
        .annotate(
            person_times=Count("pk"),
            completed=Count("pk", filter=Q(completed=True)),
            certificates=Count("pk", filter=~Q(certificate_no="")),
            attended_hours=Sum("attended_hours"),
        )
        .order_by()
    )
    grid: dict[int, dict[int, dict[str, Any]]] = defaultdict(
        lambda: {m: _empty_training_month(m) for m in range(1, 13)}
    )
    for row in session_rows:
        cell = grid[row["centre_id"]][row["month"]]
        cell["sessions"] = row["sessions"]
        cell["session_hours"] = row["session_hours"] or Decimal("0")
    for row in trainee_rows:
        cell = grid[row["session__centre_id"]][row["month"]]
        for key in ("person_times", "completed", "certificates"):
            cell[key] = row[key]
        cell["attended_hours"] = row["attended_hours"] or Decimal("0")
    centres_qs = PracticeCentre.objects.for_consortium(consortium_id).filter(
        Q(offers_social_training=True) | Q(pk__in=list(grid))
    )
    if centre_id:
        centres_qs = centres_qs.filter(pk=centre_id)
    result_centres = []
    month_totals = {m: _empty_training_month(m) for m in range(1, 13)}
    for cid, name in centres_qs.order_by("name", "id").values_list("pk", "name"):
        months = (
            [grid[cid][m] for m in range(1, 13)] if cid in grid else [_empty_training_month(m) for m in range(1, 13)]
        )
        total = {key: sum((cell[key] for cell in months), start=type(months[0][key])()) for key in _TRAINING_SUMS}
        for cell in months:
            for key in _TRAINING_SUMS:
                month_totals[cell["month"]][key] += cell[key]
        result_centres.append({"centre_id": cid, "centre_name": name, "months": months, "total": total})
    months_list = [month_totals[m] for m in range(1, 13)]
    grand = {key: sum((cell[key] for cell in months_list), start=type(months_list[0][key])()) for key in _TRAINING_SUMS}
    return {"year": year, "centres": result_centres, "months": months_list, "total": grand}


def production_stats(*, consortium_id: int, year: int) -> list[dict[str, Any]]:
    """Production and technical-service records per centre and kind in ``year`` (1 query):
    [{centre_id, centre_name, kind, records, value (万元)}]."""
    return list(
        ProductionRecord.objects.for_consortium(consortium_id)
        .filter(date__year=year)
        .values("centre_id", "centre__name", "kind")
        .annotate(records=Count("pk"), value=Sum("value"))
        .order_by("centre__name", "kind")
    )
