"""Compute every KPI of one consortium from live data (no writes). ``kpis.refresh.kpi_refresh`` stores the result.

The number of queries does not depend on the amount of data: one grouped query per counted metric (``SOURCES``,
grouped by owning unit, year and dimension, so the per-unit and the consortium figures come from the same rows),
about ten queries for the supply–demand inputs of ``matching.gap`` (whose pure functions compute the alignment index,
the chain figures and the local-employment share), 7 queries per year for practice-centre utilisation and training
(``practice_center.selectors``), one query for the sub-tasks and two for units and school profiles.

Every tenant read goes through ``for_consortium(consortium_id)``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Sum
from django.db.models.functions import ExtractYear

from consortium.tenancy.models import Industry, MemberUnit
from matching import gap
from matching.selectors_gap import gap_inputs_from
from practice_center import selectors as practice_selectors
from practice_center.models import PracticeCentre
from schools.models import SchoolProfile
from schools.rules import part_time_cap, part_time_headroom

from ..choices import Rag
from ..models import SubTask
from .registry import METRICS, RATIOS, SOURCES, YEARS_BACK, task_overdue, task_rag

FactKey = tuple[int, "int | None", str]  # (year, unit_id or None, dimension)
QUANT = Decimal("0.0001")
ONE_DECIMAL = Decimal("0.1")


def dec(value: Any) -> Decimal:
    """A value as a Decimal with the 4 decimals ``KpiFact.value`` stores (floats through their shortest repr)."""
    if value is None:
        return Decimal("0")
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(QUANT, rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """100 · numerator / denominator with one decimal (half up); None when the denominator is not positive."""
    if denominator is None or denominator <= 0:
        return None
    return (Decimal(100) * Decimal(numerator) / Decimal(denominator)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


class Facts:
    """The computed facts: metric → {(year, unit_id | None, dimension): value}, plus data-dimension labels."""

    def __init__(self) -> None:
        self.values: dict[str, dict[FactKey, Decimal]] = defaultdict(dict)
        self.labels: dict[tuple[str, str], str] = {}

    def add(
        self,
        metric: str,
        year: int,
        unit_id: int | None,
        value: Any,
        dimension: str = "",
        label: str = "",
        *,
        total: bool = False,
        consortium: bool = True,
    ) -> None:
        """Add ``value`` to the unit's fact and (``consortium``) to the consortium-wide one; with ``total`` also to
        the "" (total) dimension of both."""
        value = dec(value)
        scopes = ([None] if consortium else []) + ([unit_id] if unit_id is not None else [])
        dimensions = [dimension] + ([""] if total and dimension else [])
        bucket = self.values[metric]
        for unit in scopes:
            for dim in dimensions:
                key = (year, unit, dim)
                bucket[key] = bucket.get(key, Decimal("0")) + value
        if label and dimension:
            self.labels[(metric, dimension)] = label[:200]

    def put(
        self, metric: str, year: int, unit_id: int | None, value: Any, dimension: str = "", label: str = ""
    ) -> None:
        """Set one fact (non-additive figures: indices, figures taken from a report)."""
        if value is None:
            return
        self.values[metric][(year, unit_id, dimension)] = dec(value)
        if label and dimension:
            self.labels[(metric, dimension)] = label[:200]

    def get(self, metric: str, year: int, unit_id: int | None, dimension: str = "") -> Decimal | None:
        return self.values.get(metric, {}).get((year, unit_id, dimension))

    def rows(self) -> Iterable[tuple[int, int | None, str, str, str, Decimal]]:
        """(year, unit_id, metric, dimension, label, value) of every fact."""
        for metric, bucket in self.values.items():
            for (year, unit_id, dimension), value in bucket.items():
                yield year, unit_id, metric, dimension, self.labels.get((metric, dimension), ""), value

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self.values.values())


def years_for(today: date) -> list[int]:
    """The flow years kept: the last ``YEARS_BACK`` years and the next one (demands starting and students graduating
    next year are what the supply–demand picture is about)."""
    return list(range(today.year - YEARS_BACK + 1, today.year + 2))


# --- counted metrics (one grouped query each) -----------------------------------------------------------------------


def _counted(facts: Facts, consortium_id: int, today: date, unit_names: dict[int, str]) -> None:
    years = years_for(today)
    for key, source in SOURCES.items():
        metric = METRICS[key]
        qs = source.model.objects.for_consortium(consortium_id).filter(source.where(today))
        group = [source.unit_field]
        annotations: dict[str, Any] = {}
        lookup = source.year_lookup()
        if not metric.stock and lookup:
            qs = qs.filter(**{f"{lookup}__gte": years[0], f"{lookup}__lte": years[-1]})
            annotations["_year"] = F(source.year_field) if source.year_is_int else ExtractYear(source.year_field)
        if source.dim_field and not source.dim_is_unit:
            group.append(source.dim_field)
        aggregate = Count("pk") if source.value == "count" else Sum(source.value.removeprefix("sum:"))
        rows = qs.annotate(**annotations).values(*group, *annotations).annotate(_v=aggregate).order_by()
        for row in rows:
            unit_id = row[source.unit_field]
            year = row.get("_year", 0) if not metric.stock else 0
            if source.dim_is_unit:
                dimension, label = str(unit_id), unit_names.get(unit_id, "")
            elif source.dim_field:
                dimension, label = str(row[source.dim_field]), ""
            else:
                dimension, label = "", ""
            facts.add(key, year, unit_id, row["_v"] or 0, dimension, label, total=bool(source.dim_field))


# --- part-time cap (schools.rules) ----------------------------------------------------------------------------------


def _part_time_cap(facts: Facts, consortium_id: int, unit_names: dict[int, str]) -> None:
    """Cap = floor(20 % of the staffing quota) and headroom per school (``schools.rules``); the consortium's headroom
    is the sum of the schools' headrooms (a school over its cap frees nothing for another)."""
    quotas = dict(SchoolProfile.objects.for_consortium(consortium_id).values_list("unit_id", "staffing_quota"))
    part_time = {
        int(dim): value
        for (year, unit, dim), value in facts.values.get("teachers.part_time", {}).items()
        if unit is None and dim
    }
    for unit_id in sorted(set(quotas) | set(part_time)):
        quota = quotas.get(unit_id, 0)
        current = int(part_time.get(unit_id, 0))
        label = unit_names.get(unit_id, "")
        facts.add("teachers.part_time_cap", 0, unit_id, part_time_cap(quota), str(unit_id), label, total=True)
        facts.add(
            "teachers.part_time_headroom",
            0,
            unit_id,
            part_time_headroom(quota, current),
            str(unit_id),
            label,
            total=True,
        )
        # every school gets explicit counts, so the teacher-structure table shows zeros rather than gaps
        for key in ("teachers.full_time", "teachers.dual_qualified", "teachers.part_time"):
            if facts.get(key, 0, None, str(unit_id)) is None:
                facts.add(key, 0, unit_id, 0, str(unit_id), label, total=True)


# --- practice centres (practice_center.selectors) -------------------------------------------------------------------


def _practice(facts: Facts, consortium_id: int, today: date) -> None:
    """Per centre and year: open and booked resource-hours summed over the twelve months exactly as the
    utilisation statistics page sums them, and training person-times (``training_stats``). A past year without
    any booked hour is skipped (the centres' opening hours alone are not data). Facts belong to the centre's owner."""
    centres = {
        pk: (unit_id, name)
        for pk, unit_id, name in PracticeCentre.objects.for_consortium(consortium_id).values_list(
            "pk", "unit_id", "name"
        )
    }
    if not centres:
        return
    for year in years_for(today):
        months = practice_selectors.utilisation_months(
            consortium_id=consortium_id, year=year, months=list(range(1, 13))
        )
        open_hours: dict[int, float] = defaultdict(float)
        booked_hours: dict[int, float] = defaultdict(float)
        for month in months:
            for c in month["centres"]:
                open_hours[c["centre_id"]] += c["open_hours"]
                booked_hours[c["centre_id"]] += c["booked_hours"]
        if year == today.year or any(booked_hours.values()):
            for centre_id in sorted(open_hours):
                unit_id, name = centres.get(centre_id, (None, ""))
                dimension = str(centre_id)
                facts.add(
                    "practice.open_hours", year, unit_id, round(open_hours[centre_id], 2), dimension, name, total=True
                )
                facts.add(
                    "practice.booked_hours",
                    year,
                    unit_id,
                    round(booked_hours[centre_id], 2),
                    dimension,
                    name,
                    total=True,
                )
        training = practice_selectors.training_stats(consortium_id=consortium_id, year=year)
        for c in training["centres"]:
            person_times = c["total"]["person_times"]
            if person_times:
                unit_id, _name = centres.get(c["centre_id"], (None, ""))
                facts.add(
                    "practice.training_person_times",
                    year,
                    unit_id,
                    person_times,
                    str(c["centre_id"]),
                    c["centre_name"],
                    total=True,
                )


# --- supply and demand (matching.gap) -------------------------------------------------------------------------------


def gap_inputs(consortium_id: int, years: list[int]) -> gap.GapInputs:
    """The inputs of ``matching.gap.analyse`` for ``years`` of one consortium: the gap page's own reader
    (``selectors_gap.gap_inputs_from``) over ``for_consortium`` rows, all demand kinds."""
    return gap_inputs_from(
        lambda model: model.objects.for_consortium(consortium_id), Industry.objects.all(), years=years
    )


def _unit_chain_facts(facts: Facts, inputs: gap.GapInputs, years: list[int]) -> None:
    """Per unit, year and local chain: the chain figures of the unit's own rows (its programmes' expected graduates,
    its demands' headcount and filled) — what ``gap.analyse`` gives for the inputs narrowed to the unit, computed in
    one pass per year over the consortium's inputs (same shares, same order of additions, same rounding), instead
    of one analysis per unit and year."""
    maps = gap.Maps.build(inputs.industries, inputs.chains)
    shares = [(p.id, p.unit_id, gap.programme_shares(p, gap.CHAIN, maps)) for p in inputs.programmes]
    owned = {programme_id for programme_id, _unit, _shares in shares}
    demand_shares = [(d, gap.demand_shares(d, gap.CHAIN, maps)) for d in inputs.demands]
    chains = [(c.id, c.name) for c in inputs.chains]
    for year in years:
        expected: dict[int, int] = defaultdict(int)
        for row in inputs.supply:
            if row.year == year and row.programme_id in owned:
                expected[row.programme_id] += row.expected
        acc: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0, 0.0]))
        for programme_id, unit_id, programme_share in shares:
            graduates = expected.get(programme_id, 0)
            for target, share in programme_share.items():
                acc[unit_id][target][0] += graduates * share
        for demand, demand_share in demand_shares:
            if demand.year != year:
                continue
            for target, share in demand_share.items():
                bucket = acc[demand.unit_id][target]
                bucket[1] += demand.headcount * share
                bucket[2] += demand.filled * share
        for unit_id in sorted(acc):
            unit_acc = acc[unit_id]
            for chain_id, name in chains:
                if chain_id not in unit_acc:
                    continue
                supply, demand_headcount, filled = (_r1(v) for v in unit_acc[chain_id])
                if demand_headcount or supply or filled:
                    dimension = str(chain_id)
                    facts.put("supply.demand_headcount", year, unit_id, demand_headcount, dimension, name)
                    facts.put("supply.expected_graduates", year, unit_id, supply, dimension, name)
                    facts.put("supply.filled", year, unit_id, filled, dimension, name)


def _r1(value: float) -> float:
    """``matching.gap``'s rounding of target figures (1 decimal)."""
    return round(value + 0.0, 1)


def _chain_facts(facts: Facts, report: gap.GapReport, year: int, unit_id: int | None) -> None:
    for row in report.chains:
        if row.demand or row.expected_graduates or row.filled:
            dimension = str(row.id)
            facts.put("supply.demand_headcount", year, unit_id, row.demand, dimension, row.name)
            facts.put("supply.expected_graduates", year, unit_id, row.expected_graduates, dimension, row.name)
            facts.put("supply.filled", year, unit_id, row.filled, dimension, row.name)


def _supply_demand(facts: Facts, consortium_id: int, today: date) -> None:
    """Alignment per programme and for the consortium, graduates (expected, employed, local) and supply vs demand
    per local chain, all from ``matching.gap.analyse`` (see its module docstring for the definitions). Per unit:
    the alignment index of the unit's programmes (from the consortium-wide analysis: 100·2ΣM/(ΣG+ΣA) over them), its
    graduates, and the chain figures of its own rows (its programmes' graduates, its demands; one pass per year in
    ``_unit_chain_facts``)."""
    years = years_for(today)
    inputs = gap_inputs(consortium_id, years)
    with_data: list[int] = []
    for year in years:
        report = gap.analyse(inputs, year)
        summary = report.summary
        if not (summary.expected_graduates or summary.demand):
            continue
        with_data.append(year)
        facts.put("programmes.alignment_index", year, None, summary.index)
        facts.put("graduates.expected", year, None, summary.expected_graduates)
        facts.put("graduates.employed", year, None, summary.employed)
        facts.put("graduates.local", year, None, summary.local)
        _chain_facts(facts, report, year, None)
        per_unit: dict[int, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0, 0.0])  # G, employed, local, M, A
        for p in report.programmes:
            label = f"{p.code} {p.name}"
            if p.index is not None:
                facts.put("programmes.alignment", year, None, p.index, str(p.id), label)
                facts.put("programmes.alignment", year, p.unit_id, p.index, str(p.id), label)
            bucket = per_unit[p.unit_id]
            bucket[0] += p.expected_graduates
            bucket[1] += p.employed
            bucket[2] += p.local
            if p.expected_graduates:
                bucket[3] += p.absorbable
                bucket[4] += p.attributed_demand
        for unit_id, (expected, employed, local, absorbable, attributed) in per_unit.items():
            if not expected:
                continue
            facts.put("graduates.expected", year, unit_id, expected)
            facts.put("graduates.employed", year, unit_id, employed)
            facts.put("graduates.local", year, unit_id, local)
            facts.put(
                "programmes.alignment_index", year, unit_id, gap.balance_of_totals(absorbable, expected, attributed)
            )
    _unit_chain_facts(facts, inputs, with_data)


# --- tasks (rules.rag_status with today's local date) ---------------------------------------------------------------


def _tasks(facts: Facts, consortium_id: int, today: date) -> None:
    rows = (
        SubTask.objects.for_consortium(consortium_id)
        .values("pk", "lead_unit_id", "lead_unit__name", "starts_on", "deadline", "progress", "status")
        .order_by()
    )
    for row in rows:
        unit_id, name = row["lead_unit_id"], row["lead_unit__name"]
        dimension = str(unit_id)
        rag = task_rag(row, today)
        facts.add("tasks.by_rag", 0, unit_id, 1, rag, total=True)
        facts.add("tasks.total", 0, unit_id, 1, dimension, name, total=True)
        facts.add("tasks.completed", 0, unit_id, 1 if rag == Rag.DONE else 0, dimension, name, total=True)
        facts.add("tasks.overdue", 0, unit_id, 1 if task_overdue(row, today) else 0, dimension, name, total=True)
        facts.add("tasks.rag_by_unit", 0, unit_id, 1, f"{unit_id}:{rag}", name)


# --- ratios ---------------------------------------------------------------------------------------------------------


def _ratios(facts: Facts) -> None:
    """Every ratio metric from its numerator and denominator facts (same year, unit and dimension)."""
    for key, (numerator_key, denominator_key) in RATIOS.items():
        numerators = facts.values.get(numerator_key, {})
        for (year, unit_id, dimension), denominator in list(facts.values.get(denominator_key, {}).items()):
            value = ratio(numerators.get((year, unit_id, dimension), Decimal("0")), denominator)
            label = facts.labels.get((denominator_key, dimension), "")
            facts.put(key, year, unit_id, value, dimension, label)


def compute_facts(consortium_id: int, *, today: date) -> Facts:
    """Every KPI fact of the consortium as of ``today`` (stock metrics under year 0, flow metrics per year of the
    last ``YEARS_BACK`` years that have data), per unit and for the whole consortium (unit None)."""
    facts = Facts()
    unit_names = dict(MemberUnit.objects.for_consortium(consortium_id).values_list("pk", "name"))
    _counted(facts, consortium_id, today, unit_names)
    _part_time_cap(facts, consortium_id, unit_names)
    _practice(facts, consortium_id, today)
    _supply_demand(facts, consortium_id, today)
    _tasks(facts, consortium_id, today)
    _ratios(facts)
    return facts
