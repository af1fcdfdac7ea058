"""Reads of the precomputed KPI facts (what the dashboards, the reports and the API show).

These functions take explicit ids: the callers (views through the tenancy chokepoint, report services for their own
consortium) decide which consortium and unit the user may see. Stock metrics are always read from year 0, flow
metrics from the requested year; each read is one query.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q

from ..choices import RefreshStatus
from ..models import KpiFact, KpiRefresh
from .registry import FLOW_KEYS, STOCK_KEYS

Values = dict[str, dict[str, Decimal]]


def _year_q(year: int) -> Q:
    """Stock metrics from year 0, flow metrics from ``year`` (year 0 alone: stock only)."""
    condition = Q(year=0, metric__in=sorted(STOCK_KEYS))
    if year:
        condition |= Q(year=year, metric__in=sorted(FLOW_KEYS))
    return condition


def fact_rows(*, consortium_id: int, year: int, unit_id: int | None = None) -> list[dict[str, Any]]:
    """[{metric, dimension, label, value}] of the consortium-wide facts (``unit_id`` None) or of one unit (one
    query)."""
    qs = KpiFact.objects.for_consortium(consortium_id).filter(_year_q(year))
    qs = qs.filter(unit_id=unit_id) if unit_id else qs.filter(unit__isnull=True)
    return list(qs.order_by("metric", "dimension").values("metric", "dimension", "label", "value"))


def kpi_values(*, consortium_id: int, year: int, unit_id: int | None = None) -> Values:
    """{metric: {dimension: value}} ("" = the scalar or the total over the dimensions), one query."""
    result: Values = defaultdict(dict)
    for row in fact_rows(consortium_id=consortium_id, year=year, unit_id=unit_id):
        result[row["metric"]][row["dimension"]] = row["value"]
    return dict(result)


def latest_refresh(consortium_id: int, *, status: str | None = RefreshStatus.DONE) -> KpiRefresh | None:
    """The consortium's most recent refresh (by default the most recent successful one: "data as of")."""
    qs = KpiRefresh.objects.for_consortium(consortium_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-started_at", "-id").first()


def province_values(*, year: int) -> dict[int, Values]:
    """{consortium_id: {metric: {dimension: value}}} of the consortium-wide facts of every consortium (one query;
    the platform admin's province view)."""
    result: dict[int, Values] = defaultdict(lambda: defaultdict(dict))
    rows = (
        KpiFact.objects.filter(_year_q(year), unit__isnull=True)
        .order_by("consortium_id", "metric", "dimension")
        .values_list("consortium_id", "metric", "dimension", "value")
    )
    for consortium_id, metric, dimension, value in rows:
        result[consortium_id][metric][dimension] = value
    return {cid: dict(values) for cid, values in result.items()}
