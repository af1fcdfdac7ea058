"""Statistics tables of practice centres (utilisation, fees, training, production) for the statistics pages and their
Excel downloads.

The figures come from ``practice_center.selectors`` (``utilisation``, ``training_stats``, ``production_stats``),
which take an explicit consortium id; this module decides WHO sees WHICH centres (``StatsScope``: the secretariat
and officials the whole consortium, members the centres their units own or operate) and only ever keeps rows of
those centres. It shapes the rows into ``exports.StatTable`` objects, so the page and the workbook show the same
numbers. ``production_totals`` sums an already scoped queryset (the production list page).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from consortium.tenancy.scoping import is_platform_admin, unit_roles

from . import selectors
from .choices import BookingPurpose, ProductionKind, ResourceKind
from .exports import Column, StatTable
from .models import PracticeCentre

MONTHS = range(1, 13)


# --- who sees what --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsScope:
    """The consortium and the centres whose statistics the user may read (``centre_ids`` None = all of them)."""

    consortium_id: int
    centre_ids: frozenset[int] | None

    def allows(self, centre_id: int) -> bool:
        return self.centre_ids is None or centre_id in self.centre_ids

    def keep(self, rows: Iterable[dict[str, Any]], key: str = "centre_id") -> list[dict[str, Any]]:
        return [row for row in rows if self.allows(row[key])]


def stats_scope(user: Any) -> StatsScope:
    """Secretariat, officials (and platform admins inside a consortium): every centre of the consortium. Members:
    the centres owned or operated by one of their units. Anybody else: PermissionDenied."""
    consortium_id = getattr(user, "consortium_id", None)
    if not (user.is_authenticated and user.is_active and consortium_id):
        raise PermissionDenied(_("实践中心统计面向联合体秘书处、政府部门和实践中心运营单位。"))
    if is_platform_admin(user) or user.role in ("secretariat", "official"):
        return StatsScope(consortium_id, None)
    units = list(unit_roles(user)) if user.role == "member" else []
    own = frozenset(
        PracticeCentre.objects.visible_to(user)
        .filter(Q(owner_unit_id__in=units) | Q(operator_unit_id__in=units))
        .values_list("pk", flat=True)
    )
    if not own:
        raise PermissionDenied(_("实践中心统计面向联合体秘书处、政府部门和实践中心运营单位。"))
    return StatsScope(consortium_id, own)


def may_see_stats(user: Any) -> bool:
    """Whether the statistics pages answer 200 for ``user`` (for navigation links)."""
    try:
        stats_scope(user)
    except PermissionDenied:
        return False
    return True


def scope_centres(user: Any, scope: StatsScope) -> QuerySet:
    """The centres offered in the statistics pages' centre filter."""
    qs = PracticeCentre.objects.visible_to(user).filter(consortium_id=scope.consortium_id)
    if scope.centre_ids is not None:
        qs = qs.filter(pk__in=scope.centre_ids)
    return qs.order_by("name", "pk")


# --- small helpers --------------------------------------------------------------------------------------------------


def _ratio(booked: float, opened: float) -> float | None:
    return round(booked / opened, 4) if opened > 0 else None


def _hours(value: float) -> float:
    return round(value, 2)


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


def month_label(month: int) -> str:
    return _("%(month)d月") % {"month": month}


# --- utilisation ----------------------------------------------------------------------------------------------------


def _utilisation_months(scope: StatsScope, year: int, months: Iterable[int], centre_id: int | None) -> list[dict]:
    """The selector's result of each month, restricted to the scope's centres."""
    months = list(months)
    data_by_month = selectors.utilisation_months(
        consortium_id=scope.consortium_id, year=year, months=months, centre_id=centre_id
    )
    return [
        {"month": month, "centres": scope.keep(data["centres"]), "resources": scope.keep(data["resources"])}
        for month, data in zip(months, data_by_month, strict=True)
    ]


def utilisation_tables(scope: StatsScope, *, year: int, month: int | None, centre_id: int | None) -> dict[str, Any]:
    """Tables of the utilisation page: per centre and month, per resource, by purpose, by booking unit, fees.

    With ``month`` the period is that month, else the whole year (the per-month table then has one row per centre
    and month, and the other tables sum the twelve months)."""
    months = [month] if month else list(MONTHS)
    data = _utilisation_months(scope, year, months, centre_id)

    # per centre and month
    centre_rows: list[dict[str, Any]] = []
    centre_sum: dict[int, dict[str, Any]] = {}
    resource_sum: dict[int, dict[str, Any]] = {}
    purposes: dict[str, float] = defaultdict(float)
    units: dict[int, dict[str, Any]] = {}
    monthly: dict[int, dict[str, float]] = {m: {"open": 0.0, "booked": 0.0} for m in months}
    for entry in data:
        for c in entry["centres"]:
            centre_rows.append(
                {
                    "centre": c["centre_name"],
                    "month": month_label(entry["month"]),
                    "open_hours": c["open_hours"],
                    "booked_hours": c["booked_hours"],
                    "ratio": c["ratio"],
                    "bookings": c["bookings"],
                }
            )
            monthly[entry["month"]]["open"] += c["open_hours"]
            monthly[entry["month"]]["booked"] += c["booked_hours"]
            total = centre_sum.setdefault(
                c["centre_id"],
                {
                    "centre_id": c["centre_id"],
                    "centre": c["centre_name"],
                    "open_hours": 0.0,
                    "booked_hours": 0.0,
                    "bookings": 0,
                    "fee": Decimal("0"),
                    "government_amount": Decimal("0"),
                },
            )
            total["open_hours"] += c["open_hours"]
            total["booked_hours"] += c["booked_hours"]
            total["bookings"] += c["bookings"]
            total["fee"] += c["fee"]
            total["government_amount"] += c["government_amount"]
            for purpose, hours in c["by_purpose"].items():
                purposes[purpose] += hours
            for u in c["by_unit"]:
                row = units.setdefault(u["unit_id"], {"unit": u["unit_name"], "hours": 0.0})
                row["hours"] += u["hours"]
        for r in entry["resources"]:
            row = resource_sum.setdefault(
                r["resource_id"],
                {
                    "centre": r["centre_name"],
                    "resource": r["resource_name"],
                    "kind": r["kind"],
                    "open_hours": 0.0,
                    "booked_hours": 0.0,
                    "bookings": 0,
                },
            )
            row["open_hours"] += r["open_hours"]
            row["booked_hours"] += r["booked_hours"]
            row["bookings"] += r["bookings"]

    total_open = sum(c["open_hours"] for c in centre_sum.values())
    total_booked = sum(c["booked_hours"] for c in centre_sum.values())
    total_bookings = sum(c["bookings"] for c in centre_sum.values())

    hours_cols = [
        Column("open_hours", _("开放时数"), numeric=True),
        Column("booked_hours", _("预约时数"), numeric=True),
        Column("ratio", _("利用率"), numeric=True, percent=True),
        Column("bookings", _("预约次数"), numeric=True),
    ]
    by_centre_month = StatTable(
        "centre_month",
        _("各中心逐月利用率"),
        [Column("centre", _("实践中心")), Column("month", _("月份")), *hours_cols],
        centre_rows,
        {
            "centre": _("合计"),
            "month": "",
            "open_hours": _hours(total_open),
            "booked_hours": _hours(total_booked),
            "ratio": _ratio(total_booked, total_open),
            "bookings": total_bookings,
        },
    )
    by_centre = StatTable(
        "centre",
        _("各中心利用率"),
        [Column("centre", _("实践中心")), *hours_cols],
        [
            {
                "centre": c["centre"],
                "open_hours": _hours(c["open_hours"]),
                "booked_hours": _hours(c["booked_hours"]),
                "ratio": _ratio(c["booked_hours"], c["open_hours"]),
                "bookings": c["bookings"],
            }
            for c in sorted(centre_sum.values(), key=lambda c: (c["centre"], c["centre_id"]))
        ],
        {
            "centre": _("合计"),
            "open_hours": _hours(total_open),
            "booked_hours": _hours(total_booked),
            "ratio": _ratio(total_booked, total_open),
            "bookings": total_bookings,
        },
    )
    kind_labels = dict(ResourceKind.choices)
    by_resource = StatTable(
        "resource",
        _("各资源利用率"),
        [Column("centre", _("实践中心")), Column("resource", _("资源")), Column("kind", _("资源类型")), *hours_cols],
        [
            {
                **row,
                "kind": kind_labels.get(row["kind"], row["kind"]),
                "open_hours": _hours(row["open_hours"]),
                "booked_hours": _hours(row["booked_hours"]),
                "ratio": _ratio(row["booked_hours"], row["open_hours"]),
            }
            for row in resource_sum.values()
        ],
    )
    purpose_total = sum(purposes.values())
    by_purpose = StatTable(
        "purpose",
        _("按用途"),
        [
            Column("purpose", _("用途")),
            Column("hours", _("预约时数"), numeric=True),
            Column("share", _("占比"), numeric=True, percent=True),
        ],
        [
            {"purpose": label, "hours": _hours(purposes[value]), "share": _share(purposes[value], purpose_total)}
            for value, label in BookingPurpose.choices
            if value in purposes
        ],
        {"purpose": _("合计"), "hours": _hours(purpose_total), "share": 1.0 if purpose_total else None},
    )
    unit_total = sum(u["hours"] for u in units.values())
    by_unit = StatTable(
        "unit",
        _("按预约单位"),
        [
            Column("unit", _("预约单位")),
            Column("hours", _("预约时数"), numeric=True),
            Column("share", _("占比"), numeric=True, percent=True),
        ],
        [
            {"unit": u["unit"], "hours": _hours(u["hours"]), "share": _share(u["hours"], unit_total)}
            for u in sorted(units.values(), key=lambda u: (-u["hours"], u["unit"]))
        ],
        {"unit": _("合计"), "hours": _hours(unit_total), "share": 1.0 if unit_total else None},
    )
    fees = StatTable(
        "fees",
        _("收费与政府购买服务"),
        [
            Column("centre", _("实践中心")),
            Column("bookings", _("预约次数"), numeric=True),
            Column("fee", _("收费（元）"), numeric=True, money=True),
            Column("government_amount", _("政府购买服务（元）"), numeric=True, money=True),
        ],
        [
            {k: c[k] for k in ("centre", "bookings", "fee", "government_amount")}
            for c in sorted(centre_sum.values(), key=lambda c: (c["centre"], c["centre_id"]))
        ],
        {
            "centre": _("合计"),
            "bookings": total_bookings,
            "fee": sum((c["fee"] for c in centre_sum.values()), Decimal("0")),
            "government_amount": sum((c["government_amount"] for c in centre_sum.values()), Decimal("0")),
        },
    )
    if month:  # one month: the trend chart compares the centres
        tables = [by_centre, by_resource, by_purpose, by_unit, fees]
        trend = {
            "labels": [row["centre"] for row in by_centre.rows],
            "booked": [row["booked_hours"] for row in by_centre.rows],
            "open": [row["open_hours"] for row in by_centre.rows],
            "ratio": [_percent(row["ratio"]) for row in by_centre.rows],
        }
    else:  # a year: the trend chart follows the months
        tables = [by_centre, by_centre_month, by_resource, by_purpose, by_unit, fees]
        trend = {
            "labels": [month_label(m) for m in months],
            "booked": [_hours(monthly[m]["booked"]) for m in months],
            "open": [_hours(monthly[m]["open"]) for m in months],
            "ratio": [_percent(_ratio(monthly[m]["booked"], monthly[m]["open"])) for m in months],
        }
    chart = {
        **trend,
        "purpose": [{"name": row["purpose"], "value": row["hours"]} for row in by_purpose.rows],
        "units": {
            "names": [row["unit"] for row in by_unit.rows[:15]],
            "hours": [row["hours"] for row in by_unit.rows[:15]],
        },
        "fees": {
            "names": [row["centre"] for row in fees.rows],
            "fee": [float(row["fee"]) for row in fees.rows],
            "government": [float(row["government_amount"]) for row in fees.rows],
        },
    }
    return {"tables": {t.key: t for t in tables}, "order": [t.key for t in tables], "chart": chart}


def _percent(ratio: float | None) -> float | None:
    return None if ratio is None else round(ratio * 100, 1)


# --- training -------------------------------------------------------------------------------------------------------


def training_tables(scope: StatsScope, *, year: int, month: int | None, centre_id: int | None) -> dict[str, Any]:
    """培训人次 and training hours per centre per month (a session counts in the month it starts)."""
    data = selectors.training_stats(consortium_id=scope.consortium_id, year=year, centre_id=centre_id)
    centres = scope.keep(data["centres"])
    months = [month] if month else list(MONTHS)
    keys = ("sessions", "person_times", "attended_hours", "completed", "certificates")
    columns = [
        Column("sessions", _("培训班数"), numeric=True),
        Column("person_times", _("培训人次"), numeric=True),
        Column("attended_hours", _("培训学时（人·学时）"), numeric=True),
        Column("completed", _("结业人数"), numeric=True),
        Column("certificates", _("发证数"), numeric=True),
    ]
    per_month = {m: dict.fromkeys(keys, 0) for m in months}
    rows: list[dict[str, Any]] = []
    centre_rows: list[dict[str, Any]] = []
    grand = dict.fromkeys(keys, 0)
    for centre in centres:
        centre_total = dict.fromkeys(keys, 0)
        for cell in centre["months"]:
            if cell["month"] not in per_month:
                continue
            values = {key: cell[key] for key in keys}
            for key in keys:
                per_month[cell["month"]][key] += values[key]
                centre_total[key] += values[key]
                grand[key] += values[key]
            if any(values.values()):
                rows.append({"centre": centre["centre_name"], "month": month_label(cell["month"]), **values})
        centre_rows.append({"centre": centre["centre_name"], **centre_total})
    by_centre_month = StatTable(
        "training_centre_month",
        _("各中心逐月培训"),
        [Column("centre", _("实践中心")), Column("month", _("月份")), *columns],
        rows,
        {"centre": _("合计"), "month": "", **grand},
    )
    by_centre = StatTable(
        "training_centre",
        _("各中心培训合计"),
        [Column("centre", _("实践中心")), *columns],
        centre_rows,
        {"centre": _("合计"), **grand},
    )
    by_month = StatTable(
        "training_month",
        _("逐月培训合计"),
        [Column("month", _("月份")), *columns],
        [{"month": month_label(m), **per_month[m]} for m in months],
        {"month": _("合计"), **grand},
    )
    chart = {
        "labels": [month_label(m) for m in months],
        "person_times": [per_month[m]["person_times"] for m in months],
        "hours": [float(per_month[m]["attended_hours"]) for m in months],
        "centres": {
            "names": [row["centre"] for row in centre_rows],
            "person_times": [row["person_times"] for row in centre_rows],
        },
    }
    tables = [by_month, by_centre, by_centre_month]
    return {"tables": {t.key: t for t in tables}, "order": [t.key for t in tables], "chart": chart}


# --- production -----------------------------------------------------------------------------------------------------


def production_tables(scope: StatsScope, *, year: int, centre_id: int | None) -> dict[str, Any]:
    """Production and technical-service value (万元) per centre and kind in a year."""
    rows = scope.keep(selectors.production_stats(consortium_id=scope.consortium_id, year=year))
    if centre_id:
        rows = [row for row in rows if row["centre_id"] == centre_id]
    kinds = dict(ProductionKind.choices)
    per_centre: dict[int, dict[str, Any]] = {}
    for row in rows:
        centre = per_centre.setdefault(
            row["centre_id"],
            {
                "centre": row["centre__name"],
                "production_records": 0,
                "production_value": Decimal("0"),
                "service_records": 0,
                "service_value": Decimal("0"),
            },
        )
        prefix = "production" if row["kind"] == ProductionKind.PRODUCTION else "service"
        centre[f"{prefix}_records"] += row["records"]
        centre[f"{prefix}_value"] += row["value"] or Decimal("0")
    table_rows = []
    for centre in per_centre.values():
        centre["total_value"] = centre["production_value"] + centre["service_value"]
        table_rows.append(centre)
    columns = [
        Column("production_records", _("生产记录数"), numeric=True),
        Column("production_value", _("生产产值（万元）"), numeric=True, money=True),
        Column("service_records", _("技术服务记录数"), numeric=True),
        Column("service_value", _("技术服务产值（万元）"), numeric=True, money=True),
        Column("total_value", _("合计产值（万元）"), numeric=True, money=True),
    ]
    totals: dict[str, Any] = {"centre": _("合计")}
    for column in columns:
        totals[column.key] = sum((row[column.key] for row in table_rows), Decimal("0") if "value" in column.key else 0)
    table = StatTable(
        "production", _("生产与技术服务产值"), [Column("centre", _("实践中心")), *columns], table_rows, totals
    )
    chart = {
        "names": [row["centre"] for row in table_rows],
        "series": [
            {"name": str(kinds[ProductionKind.PRODUCTION]), "data": [float(r["production_value"]) for r in table_rows]},
            {
                "name": str(kinds[ProductionKind.TECHNICAL_SERVICE]),
                "data": [float(r["service_value"]) for r in table_rows],
            },
        ],
    }
    return {"tables": {table.key: table}, "order": [table.key], "chart": chart}


def production_totals(queryset: QuerySet) -> list[dict[str, Any]]:
    """Value totals of an already scoped ProductionRecord queryset per centre and year (1 query)."""
    return list(
        queryset.annotate(year=ExtractYear("date"))
        .values("centre_id", "centre__name", "year")
        .annotate(records=Count("pk"), value=Sum("value"))
        .order_by("-year", "centre__name", "centre_id")
    )
