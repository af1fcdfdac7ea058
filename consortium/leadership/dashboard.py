"""Data of the officials' dashboard, read from the precomputed KPI facts — also what the reports store
(``Dashboard.as_dict()`` → ``Report.content["dashboard"]``), so the dashboard and the reports show equal numbers.

``dashboard_data`` costs a constant number of queries whatever the data size: the facts of the consortium (or one
unit) for the year (stock metrics from year 0), and the latest successful refresh. Labels are translated when the
dashboard is built: metric and chart titles through gettext, choice dimensions through their choices class, data
dimensions (schools, programmes, chains, centres, lead units) through the label stored with the fact.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .choices import Rag
from .kpis.read import fact_rows, latest_refresh
from .kpis.registry import INDEX, METRICS, RATIOS, dimension_label, drill_url, drill_urls

#: Most categories a chart draws. Charts over data dimensions (programmes, schools, lead units, chains, centres) show
#: the CHART_LIMIT most relevant ones (``Chart.note`` says which); ``Chart.rows`` keep every row, in the same order
#: (the charted categories first), for the data table and the Excel exports.
CHART_LIMIT = 30

# --- the contract ---------------------------------------------------------------------------------------------------


@dataclass
class Card:
    key: str
    label: str
    value: Decimal | None
    measure: str
    note: str
    drill_url: str | None


@dataclass
class Series:
    name: str
    values: list[Decimal | None]
    stack: str | None = None
    code: str | None = None  # a stable key for the series (e.g. the RAG value), what the charts colour by


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "bar" | "hbar" | "stacked_bar" | "funnel" | "pie" | "line"
    categories: list[str]
    series: list[Series]
    drill_urls: list[str | None]
    headers: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    #: categories before bounding (== len(categories) when nothing was left out of the chart)
    total_categories: int = 0
    #: "" or which categories the chart shows when it does not show them all
    note: str = ""

    def __post_init__(self) -> None:
        self.total_categories = max(self.total_categories, len(self.categories))

    @property
    def truncated(self) -> bool:
        return self.total_categories > len(self.categories)


@dataclass
class Dashboard:
    consortium_id: int
    year: int
    unit_id: int | None
    refreshed_at: datetime | None
    cards: list[Card]
    charts: list[Chart]

    def card(self, key: str) -> Card | None:
        return next((c for c in self.cards if c.key == key), None)

    def chart(self, key: str) -> Chart | None:
        return next((c for c in self.charts if c.key == key), None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe (Decimals as strings, datetimes in ISO 8601)."""
        return _json_safe(dataclasses.asdict(self))


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# --- reading the facts ----------------------------------------------------------------------------------------------


def clean(value: Decimal | None) -> Decimal | None:
    """Drop the stored trailing zeros: 12.0000 → 12, 12.5000 → 12.5 (never an exponent)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


class _Facts:
    def __init__(self, rows: list[dict[str, Any]], refreshed: bool) -> None:
        self.values: dict[str, dict[str, Decimal]] = {}
        self.labels: dict[tuple[str, str], str] = {}
        self.refreshed = refreshed
        for row in rows:
            self.values.setdefault(row["metric"], {})[row["dimension"]] = clean(row["value"])
            if row["label"]:
                self.labels[(row["metric"], row["dimension"])] = row["label"]

    def value(self, key: str, dimension: str = "") -> Decimal | None:
        """The fact; a missing count of a refreshed consortium is 0 (no rows), a missing ratio or index None."""
        found = self.values.get(key, {}).get(dimension)
        if found is None and self.refreshed and key not in RATIOS and METRICS[key].measure is not INDEX:
            return Decimal(0)
        return found

    def dimensions(self, *keys: str) -> list[str]:
        """The non-empty dimensions present in any of ``keys``, ordered by their label (then id)."""
        dims = {d for key in keys for d in self.values.get(key, {}) if d}
        return sorted(dims, key=lambda d: (self.label(keys, d), int(d) if d.isdigit() else 0, d))

    def label(self, keys: tuple[str, ...] | str, dimension: str) -> str:
        keys = (keys,) if isinstance(keys, str) else keys
        for key in keys:
            if (key, dimension) in self.labels:
                return dimension_label(key, dimension, self.labels[(key, dimension)])
        return dimension_label(keys[0], dimension)


# --- cards ----------------------------------------------------------------------------------------------------------

#: (card key, metric key, dimension, label override or None) — one card per KPI of the issue, group by group.
CARDS: list[tuple[str, str, str, Any]] = [
    ("members.active", "members.by_kind", "", None),
    ("programmes.active", "programmes.active", "", None),
    ("programmes.alignment_index", "programmes.alignment_index", "", None),
    ("order_classes.total", "order_classes.by_stage", "", gettext_lazy("订单班数")),
    ("order_classes.enrolled", "order_classes.enrolled", "", None),
    ("students.enrolled", "students.enrolled", "", None),
    ("order_classes.employed", "order_classes.employed", "", None),
    ("order_classes.retention_rate_6", "order_classes.retention_rate", "6", gettext_lazy("订单班毕业生6个月留任率")),
    ("teachers.dual_ratio", "teachers.dual_ratio", "", None),
    ("teachers.part_time_headroom", "teachers.part_time_headroom", "", None),
    ("teachers.practice_hours", "teachers.practice_hours", "", None),
    ("practice.utilisation", "practice.utilisation", "", None),
    ("practice.training_person_times", "practice.training_person_times", "", None),
    ("demands.published_headcount", "demands.published_headcount", "", None),
    ("demands.filled_headcount", "demands.filled_headcount", "", None),
    ("graduates.local_share", "graduates.local_share", "", None),
    ("rnd.projects", "rnd.projects", "", None),
    ("rnd.service_value", "rnd.service_value", "", None),
    ("rnd.transfers", "rnd.transfers", "", None),
    ("funding.total", "funding.by_source", "", gettext_lazy("经费投入合计")),
    ("tasks.completion_rate", "tasks.completion_rate", "", None),
    ("tasks.overdue", "tasks.overdue", "", None),
]


def _card_label(override: Any, key: str) -> str:
    return str(override if override is not None else METRICS[key].label)


def _cards(facts: _Facts, year: int, unit_id: int | None) -> list[Card]:
    cards = []
    for card_key, key, dimension, override in CARDS:
        metric = METRICS[key]
        note = _("当前") if metric.stock else _("%(year)d年") % {"year": year}
        cards.append(
            Card(
                key=card_key,
                label=_card_label(override, key),
                value=facts.value(key, dimension),
                measure=str(metric.measure),
                note=note,
                drill_url=drill_url(key, year, unit_id, dimension),
            )
        )
    return cards


# --- charts ---------------------------------------------------------------------------------------------------------


def _url(name: str, **params: Any) -> str | None:
    try:
        base = reverse(name)
    except NoReverseMatch:
        return None
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base}?{query}" if query else base


def _ranked(dims: list[str], score: Any) -> list[str]:
    """``dims`` unchanged when they fit in a chart, else ordered by ``score`` (largest first, then their present
    order), so that the first ``CHART_LIMIT`` are the charted ones."""
    if len(dims) <= CHART_LIMIT:
        return dims
    position = {d: i for i, d in enumerate(dims)}
    return sorted(dims, key=lambda d: (-(score(d) or Decimal(0)), position[d]))


def _bounded(
    key: str,
    title: str,
    kind: str,
    categories: list[str],
    series: list[Series],
    urls: list[str | None],
    headers: list[str],
    rows: list[list[Any]],
    note: Any,
) -> Chart:
    """A chart of at most ``CHART_LIMIT`` categories (the first ones; ``rows`` keep everything). ``note(shown, total)``
    says which categories are shown when some are left out."""
    limit = CHART_LIMIT
    total = len(categories)
    if total <= limit:
        return Chart(key, title, kind, categories, series, urls, headers, rows, total)
    return Chart(
        key,
        title,
        kind,
        categories[:limit],
        [dataclasses.replace(s, values=s.values[:limit]) for s in series],
        urls[:limit],
        headers,
        rows,
        total,
        note(limit, total),
    )


def _supply_demand(facts: _Facts, year: int, unit_id: int | None) -> Chart:
    keys = ("supply.demand_headcount", "supply.expected_graduates", "supply.filled")
    dims = _ranked(facts.dimensions(*keys), lambda d: facts.value(keys[0], d))
    names = [_("需求人数"), _("预计毕业生"), _("已满足人数")]
    series = [Series(name, [facts.value(key, d) for d in dims]) for name, key in zip(names, keys, strict=True)]
    categories = [facts.label(keys, d) for d in dims]
    rows = [[categories[i], *(s.values[i] for s in series)] for i in range(len(dims))]
    return _bounded(
        "supply_demand",
        _("本地产业链人才供需"),
        "bar",
        categories,
        series,
        drill_urls("supply.demand_headcount", year, unit_id, dims[:CHART_LIMIT]),
        [_("本地产业链"), *names],
        rows,
        lambda shown, total: ngettext(
            "图中显示需求人数最多的%(shown)d条本地产业链（共%(total)d条）；完整数据见数据表和Excel导出。",
            "图中显示需求人数最多的%(shown)d条本地产业链（共%(total)d条）；完整数据见数据表和Excel导出。",
            total,
        )
        % {"shown": shown, "total": total},
    )


def _alignment(facts: _Facts, year: int, unit_id: int | None) -> Chart:
    """Per programme with graduates in the year (the only ones with an index), highest first; with more than
    ``CHART_LIMIT`` programmes the chart shows the lowest-aligned ones (those needing attention), the table all."""
    key = "programmes.alignment"
    dims = facts.dimensions(key)
    dims.sort(key=lambda d: (-(facts.value(key, d) or Decimal(0)), facts.label(key, d)))
    if len(dims) > CHART_LIMIT:
        dims.reverse()  # lowest first: the charted ones
    categories = [facts.label(key, d) for d in dims]
    values = [facts.value(key, d) for d in dims]

    def note(shown: int, total: int) -> str:
        return ngettext(
            "图中显示对接指数最低的%(shown)d个专业（共%(total)d个有毕业生的专业）；完整数据见数据表和Excel导出。",
            "图中显示对接指数最低的%(shown)d个专业（共%(total)d个有毕业生的专业）；完整数据见数据表和Excel导出。",
            total,
        ) % {"shown": shown, "total": total}

    return _bounded(
        "alignment",
        _("专业产业对接指数"),
        "hbar",
        categories,
        [Series(_("对接指数"), values)],
        drill_urls(key, year, unit_id, dims[:CHART_LIMIT]),
        [_("专业"), _("对接指数")],
        [[c, v] for c, v in zip(categories, values, strict=True)],
        note,
    )


def _order_funnel(facts: _Facts, year: int, unit_id: int | None) -> Chart:
    steps = [
        ("order_classes.enrolled", "", _("在册学生")),
        ("order_classes.completed", "", _("结业学生")),
        ("order_classes.employed", "", _("企业就业")),
        ("order_classes.retained", "6", _("6个月仍在岗")),
    ]
    categories = [label for _key, _dim, label in steps]
    values = [facts.value(key, dim) for key, dim, _label in steps]
    return Chart(
        "order_funnel",
        _("订单班培养漏斗"),
        "funnel",
        categories,
        [Series(_("人数"), values)],
        [drill_url(key, year, unit_id, dim) for key, dim, _label in steps],
        [_("环节"), _("人数")],
        [[c, v] for c, v in zip(categories, values, strict=True)],
    )


def _teacher_structure(facts: _Facts, year: int, unit_id: int | None) -> Chart:
    keys = ("teachers.full_time", "teachers.dual_qualified", "teachers.part_time", "teachers.part_time_cap")
    dims = _ranked(
        facts.dimensions(*keys),
        lambda d: (facts.value("teachers.full_time", d) or 0) + (facts.value("teachers.part_time", d) or 0),
    )
    categories = [facts.label(keys, d) for d in dims]
    dual = [facts.value("teachers.dual_qualified", d) or Decimal(0) for d in dims]
    full = [facts.value("teachers.full_time", d) or Decimal(0) for d in dims]
    other = [max(f - q, Decimal(0)) for f, q in zip(full, dual, strict=True)]
    part = [facts.value("teachers.part_time", d) or Decimal(0) for d in dims]
    series = [
        Series(_("双师型教师"), dual, "teachers"),
        Series(_("其他专任教师"), other, "teachers"),
        Series(_("兼职教师"), part, "teachers"),
    ]
    headers = [
        _("学校"),
        _("双师型教师"),
        _("其他专任教师"),
        _("兼职教师"),
        _("双师型比例（%）"),
        _("兼职教师上限"),
        _("剩余可聘"),
    ]
    rows = [
        [
            categories[i],
            dual[i],
            other[i],
            part[i],
            facts.value("teachers.dual_ratio", d),
            facts.value("teachers.part_time_cap", d),
            facts.value("teachers.part_time_headroom", d),
        ]
        for i, d in enumerate(dims)
    ]
    return _bounded(
        "teacher_structure",
        _("各校师资结构"),
        "stacked_bar",
        categories,
        series,
        drill_urls("teachers.full_time", year, unit_id, dims[:CHART_LIMIT]),
        headers,
        rows,
        lambda shown, total: ngettext(
            "图中显示教师人数最多的%(shown)d所学校（共%(total)d所）；完整数据见数据表和Excel导出。",
            "图中显示教师人数最多的%(shown)d所学校（共%(total)d所）；完整数据见数据表和Excel导出。",
            total,
        )
        % {"shown": shown, "total": total},
    )


def _practice_utilisation(facts: _Facts, year: int, unit_id: int | None) -> Chart:
    keys = ("practice.open_hours", "practice.training_person_times")
    dims = _ranked(facts.dimensions(*keys), lambda d: facts.value("practice.training_person_times", d))
    categories = [facts.label(keys, d) for d in dims]
    utilisation = [facts.value("practice.utilisation", d) for d in dims]
    person_times = [facts.value("practice.training_person_times", d) for d in dims]
    rows = [
        [
            categories[i],
            facts.value("practice.open_hours", d),
            facts.value("practice.booked_hours", d),
            utilisation[i],
            person_times[i],
        ]
        for i, d in enumerate(dims)
    ]
    return _bounded(
        "practice_utilisation",
        _("实践中心利用率与培训人次"),
        "bar",
        categories,
        [Series(_("利用率（%）"), utilisation), Series(_("培训人次"), person_times)],
        drill_urls("practice.utilisation", year, unit_id, dims[:CHART_LIMIT]),
        [_("实践中心"), _("开放时数"), _("预约时数"), _("利用率（%）"), _("培训人次")],
        rows,
        lambda shown, total: ngettext(
            "图中显示培训人次最多的%(shown)d个实践中心（共%(total)d个）；完整数据见数据表和Excel导出。",
            "图中显示培训人次最多的%(shown)d个实践中心（共%(total)d个）；完整数据见数据表和Excel导出。",
            total,
        )
        % {"shown": shown, "total": total},
    )


RAG_ORDER = (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.NOT_STARTED, Rag.SUSPENDED, Rag.DONE)


def _task_progress(facts: _Facts, year: int, unit_id: int | None) -> Chart:
    dims = _ranked(
        facts.dimensions("tasks.total"),
        lambda d: (facts.value("tasks.rag_by_unit", f"{d}:{Rag.RED.value}") or 0)
        + (facts.value("tasks.rag_by_unit", f"{d}:{Rag.AMBER.value}") or 0),
    )
    categories = [facts.label("tasks.total", d) for d in dims]
    series = [
        Series(
            str(rag.label), [facts.value("tasks.rag_by_unit", f"{d}:{rag.value}") for d in dims], "tasks", rag.value
        )
        for rag in RAG_ORDER
    ]
    headers = [_("牵头单位"), *(s.name for s in series), _("合计"), _("逾期"), _("完成率（%）")]
    rows = [
        [
            categories[i],
            *(s.values[i] for s in series),
            facts.value("tasks.total", d),
            facts.value("tasks.overdue", d),
            facts.value("tasks.completion_rate", d),
        ]
        for i, d in enumerate(dims)
    ]
    task_list = _url("leadership:task-list")
    urls = [f"{task_list}?{urlencode({'unit': d})}" if task_list else None for d in dims[:CHART_LIMIT]]
    return _bounded(
        "task_progress",
        _("各牵头单位任务进展"),
        "stacked_bar",
        categories,
        series,
        urls,
        headers,
        rows,
        lambda shown, total: ngettext(
            "图中显示滞后和预警任务最多的%(shown)d个牵头单位（共%(total)d个）；完整数据见数据表和Excel导出。",
            "图中显示滞后和预警任务最多的%(shown)d个牵头单位（共%(total)d个）；完整数据见数据表和Excel导出。",
            total,
        )
        % {"shown": shown, "total": total},
    )


def _funding(facts: _Facts, year: int, unit_id: int | None) -> Chart:
    key = "funding.by_source"
    metric = METRICS[key]
    present = facts.values.get(key, {})
    dims = [str(value) for value, _label in metric.choices.choices if str(value) in present]
    categories = [dimension_label(key, d) for d in dims]
    values = [facts.value(key, d) for d in dims]
    return Chart(
        "funding",
        _("经费投入（按来源）"),
        "pie",
        categories,
        [Series(_("金额（万元）"), values)],
        drill_urls(key, year, unit_id, dims),
        [_("经费来源"), _("金额（万元）")],
        [[c, v] for c, v in zip(categories, values, strict=True)],
    )


CHARTS = (
    _supply_demand,
    _alignment,
    _order_funnel,
    _teacher_structure,
    _practice_utilisation,
    _task_progress,
    _funding,
)


def dashboard_data(*, consortium_id: int, year: int, unit_id: int | None = None) -> Dashboard:
    """The dashboard of a consortium (``unit_id`` None) or of one of its units for ``year`` (2 queries)."""
    refresh = latest_refresh(consortium_id)
    facts = _Facts(fact_rows(consortium_id=consortium_id, year=year, unit_id=unit_id), refresh is not None)
    return Dashboard(
        consortium_id=consortium_id,
        year=year,
        unit_id=unit_id,
        refreshed_at=refresh.finished_at if refresh else None,
        cards=_cards(facts, year, unit_id),
        charts=[build(facts, year, unit_id) for build in CHARTS],
    )
