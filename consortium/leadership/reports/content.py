"""The report snapshot: one JSON-safe dict (stored in ``Report.content``) that the HTML view, the Excel workbook and
the PDF all render from, so the three always show the same figures.

Layout (``SCHEMA`` 1)::

    {"schema": 1, "kind", "kind_label", "title", "consortium": {"id", "name"}, "unit": {"id", "name"} | None,
     "scope_label", "period": {"start", "end", "label"}, "as_of", "generated_at",
     "dashboard": dashboard_data(...).as_dict(),          # the KPI figures exactly as the dashboard shows them
     "sections": [Section, ...]}

    Section = {"key", "title", "type": "text" | "cards" | "table" | "chart", "paragraphs": [str],
               "headers": [str], "numeric": [bool], "rows": [[str | None]],
               "chart": {"kind", "categories": [str], "series": [{"name", "values": [str | None], "stack"}]} | None}

Numbers are canonical decimal strings ("12.5", "100"); ``numeric`` says which columns hold numbers (Excel writes
them as numbers, HTML/PDF format them with ``format_number``). The KPI sections are derived from ``dashboard`` only;
the task sections query the consortium's sub-tasks through ``for_consortium`` with ``rules.rag_status``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.tenancy.models import Consortium, MemberUnit

from .. import rules
from ..choices import Rag, ReportKind
from ..models import PlanPhase, ProgressReturn, SubTask, SupervisionEvaluation
from .periods import period_label

SCHEMA = 1
RAG_ORDER = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.NOT_STARTED, Rag.SUSPENDED, Rag.DONE]
RAG_COLOURS = {
    Rag.RED: "#DC3545", Rag.AMBER: "#FFC107", Rag.GREEN: "#198754", Rag.NOT_STARTED: "#ADB5BD",
    Rag.SUSPENDED: "#6C757D", Rag.DONE: "#0D6EFD",
}
#: Dashboard charts shown in each kind of report (all of them in the KPI reports).
WEEKLY_CHARTS = ("task_progress",)


# --- numbers ------------------------------------------------------------------------------------------------------


def num(value: Any) -> str | None:
    """A canonical decimal string ("12.5", "100", "-3") or None; text that is not a number is returned as text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return None
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def is_number(value: Any) -> bool:
    if value is None or value == "":
        return False
    try:
        return Decimal(str(value)).is_finite()
    except (InvalidOperation, ValueError):
        return False


def format_number(value: Any) -> str:
    """How HTML and PDF show a number: thousands separators, at most two decimals (Excel uses the same format)."""
    if not is_number(value):
        return "" if value is None else str(value)
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number:,.2f}"


def section(
    key: str, title: str, *, type: str = "table", headers: list[str] | None = None, rows: list[list[Any]] | None = None,
    numeric: list[bool] | None = None, paragraphs: list[str] | None = None, chart: dict[str, Any] | None = None,
) -> dict[str, Any]:
    headers = [str(h) for h in (headers or [])]
    raw_rows = rows or []
    if numeric is None:  # a column is numeric when every filled cell is a number
        numeric = [
            any(is_number(r[i]) for r in raw_rows if i < len(r))
            and all(is_number(r[i]) for r in raw_rows if i < len(r) and r[i] not in (None, ""))
            for i in range(len(headers))
        ]
    clean_rows = [
        [num(cell) if numeric[i] else (None if cell is None else str(cell)) for i, cell in enumerate(row)]
        for row in raw_rows
    ]
    return {
        "key": key, "title": str(title), "type": type, "paragraphs": [str(p) for p in paragraphs or []],
        "headers": headers, "numeric": list(numeric), "rows": clean_rows, "chart": chart,
    }


def _series_colour(name: str) -> str | None:
    """Series named like a RAG colour ("滞后", "预警", ...) are drawn in that colour."""
    for rag, colour in RAG_COLOURS.items():
        if name == str(Rag(rag).label):
            return colour
    return None


def chart_spec(kind: str, categories: list[Any], series: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": kind if kind in ("bar", "hbar", "stacked_bar") else "bar",
        "categories": [str(c) for c in categories],
        "series": [
            {"name": str(s.get("name", "")), "values": [num(v) for v in s.get("values") or []], "stack": s.get("stack"),
             "color": s.get("color") or _series_colour(str(s.get("name", "")))}
            for s in series
        ],
    }


# --- the KPI part: always the dashboard's own figures --------------------------------------------------------------


def dashboard_snapshot(*, consortium_id: int, year: int, unit_id: int | None, refresh: bool) -> dict[str, Any]:
    """A fresh KPI refresh (when asked) and ``dashboard_data(...).as_dict()`` (imported lazily: H-kpi's modules)."""
    from ..dashboard import dashboard_data
    from ..kpis.refresh import kpi_refresh

    if refresh:
        kpi_refresh(consortium_id=consortium_id, trigger="report")
    return dashboard_data(consortium_id=consortium_id, year=year, unit_id=unit_id).as_dict()


def _at(values: list[Any], index: int) -> Any:
    return values[index] if index < len(values) else None


def kpi_sections(dashboard: dict[str, Any], *, only: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    cards = dashboard.get("cards") or []
    if cards and only is None:
        rows = [
            [c.get("label", c.get("key", "")), c.get("value"), c.get("measure") or "", c.get("note") or ""]
            for c in cards
        ]
        sections.append(section(
            "kpi_cards", _("关键指标"), type="cards",
            headers=[_("指标"), _("数值"), _("单位"), _("说明")], rows=rows, numeric=[False, True, False, False],
        ))
    for chart in dashboard.get("charts") or []:
        key = str(chart.get("key", ""))
        if only is not None and key not in only:
            continue
        headers = [str(h) for h in chart.get("headers") or []]
        rows = [list(r) for r in chart.get("rows") or []]
        if not headers:  # a chart without its own table: categories × series
            headers = [_("类别"), *[s.get("name", "") for s in chart.get("series") or []]]
            series = chart.get("series") or []
            rows = [
                [cat, *[_at(s.get("values") or [], i) for s in series]]
                for i, cat in enumerate(chart.get("categories") or [])
            ]
        sections.append(section(
            f"chart_{key}", chart.get("title", key), type="chart", headers=headers, rows=rows,
            chart=chart_spec(chart.get("kind", "bar"), chart.get("categories") or [], chart.get("series") or []),
        ))
    return sections


# --- the task part -------------------------------------------------------------------------------------------------


def _subtasks(consortium_id: int, unit_id: int | None) -> list[SubTask]:
    qs = SubTask.objects.for_consortium(consortium_id).select_related("key_task", "lead_unit", "phase")
    if unit_id:
        qs = qs.filter(Q(lead_unit_id=unit_id) | Q(co_units__id=unit_id)).distinct()
    return list(qs.order_by("key_task__number", "code", "id"))


def _rag(task: SubTask, as_of: date) -> str:
    return rules.rag_status(
        today=as_of, starts_on=task.starts_on, deadline=task.deadline, progress=task.progress, status=task.status
    )


def _overdue(task: SubTask, as_of: date) -> bool:
    return rules.is_overdue(today=as_of, deadline=task.deadline, progress=task.progress, status=task.status)


def _yes_no(flag: bool) -> str:
    return _("是") if flag else ""


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def task_summary_rows(tasks: list[SubTask], rags: dict[int, str], as_of: date, key: Any) -> list[list[Any]]:
    """Per group (lead unit / key task): total, a count per RAG colour, overdue and average progress."""
    groups: dict[Any, list[SubTask]] = defaultdict(list)
    for task in tasks:
        groups[key(task)].append(task)
    rows = []
    for label, members in groups.items():
        colours = Counter(rags[t.pk] for t in members)
        avg = sum(Decimal(t.progress) for t in members) / len(members)
        rows.append([
            label, len(members), *[colours.get(c, 0) for c in RAG_ORDER],
            sum(_overdue(t, as_of) for t in members), avg.quantize(Decimal("0.1")),
        ])
    return rows


def summary_headers(first: str) -> list[str]:
    return [first, _("子任务数"), *[str(Rag(c).label) for c in RAG_ORDER], _("逾期"), _("平均进度（%）")]


def rag_stacked_chart(rows: list[list[Any]]) -> dict[str, Any]:
    return chart_spec(
        "stacked_bar", [r[0] for r in rows],
        [{"name": str(Rag(c).label), "values": [r[2 + i] for r in rows], "stack": "rag", "color": RAG_COLOURS[c]}
         for i, c in enumerate(RAG_ORDER)],
    )


def task_sections(
    *, consortium_id: int, kind: str, period_start: date, period_end: date, unit_id: int | None, as_of: date
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The task tables of a report and the counts its narrative quotes."""
    tasks = _subtasks(consortium_id, unit_id)
    rags = {t.pk: _rag(t, as_of) for t in tasks}
    colours = Counter(rags.values())
    overdue = [t for t in tasks if _overdue(t, as_of)]
    returns_qs = ProgressReturn.objects.for_consortium(consortium_id).filter(
        reported_on__gte=period_start, reported_on__lte=period_end
    ).select_related("subtask", "unit")
    if unit_id:
        returns_qs = returns_qs.filter(Q(unit_id=unit_id) | Q(subtask__lead_unit_id=unit_id))
    returns = list(returns_qs.order_by("reported_on", "id"))
    evaluations_qs = SupervisionEvaluation.objects.for_consortium(consortium_id).filter(
        evaluated_on__gte=period_start, evaluated_on__lte=period_end
    ).select_related("unit", "subtask")
    if unit_id:
        evaluations_qs = evaluations_qs.filter(unit_id=unit_id)
    evaluations = list(evaluations_qs.order_by("evaluated_on", "id"))
    completed = [t for t in tasks if t.completed_on and period_start <= t.completed_on <= period_end]
    facts = {
        "total": len(tasks), "overdue": len(overdue), "returns": len(returns),
        "returned_tasks": len({r.subtask_id for r in returns}), "evaluations": len(evaluations),
        "completed_in_period": len(completed), **{c: colours.get(c, 0) for c in RAG_ORDER},
        "overdue_titles": [str(t) for t in overdue[:10]],
        "average_score": (
            num((sum(e.score for e in evaluations) / len(evaluations)).quantize(Decimal("0.1")))
            if evaluations else None
        ),
    }
    sections: list[dict[str, Any]] = []
    rag_rows = [[str(Rag(c).label), colours.get(c, 0)] for c in RAG_ORDER]
    sections.append(section(
        "task_rag", _("子任务状态分布"), type="chart", headers=[_("状态"), _("子任务数")], rows=rag_rows,
        chart=chart_spec(
            "bar", [r[0] for r in rag_rows], [{"name": _("子任务数"), "values": [r[1] for r in rag_rows]}]
        ),
    ))
    by_unit = task_summary_rows(tasks, rags, as_of, lambda t: t.lead_unit.name)
    if kind == ReportKind.WEEKLY_TASKS:
        ordered = sorted(tasks, key=lambda t: (not _overdue(t, as_of), RAG_ORDER.index(rags[t.pk])))
        sections.append(section(
            "subtasks", _("子任务进展明细"),
            headers=[_("编号"), _("子任务"), _("重点任务"), _("牵头单位"), _("责任人"), _("完成时限"), _("进度（%）"),
                     _("状态"), _("最近报送"), _("逾期")],
            numeric=[False, False, False, False, False, False, True, False, False, False],
            rows=[[t.code, t.title, str(t.key_task), t.lead_unit.name, t.responsible_person, _d(t.deadline),
                   t.progress, str(Rag(rags[t.pk]).label), _d(t.last_return_on), _yes_no(_overdue(t, as_of))]
                  for t in ordered],
        ))
        sections.append(section(
            "returns", _("本期进度报送"),
            headers=[_("报送日期"), _("子任务"), _("报送单位"), _("进度（%）"), _("进展情况"), _("存在问题")],
            numeric=[False, False, False, True, False, False],
            rows=[[_d(r.reported_on), str(r.subtask), r.unit.name, r.progress, r.text, r.problems] for r in returns],
        ))
        sections.append(section(
            "by_unit", _("按牵头单位汇总"), type="chart", headers=summary_headers(_("牵头单位")), rows=by_unit,
            chart=rag_stacked_chart(by_unit),
        ))
        return sections, facts
    sections.append(section(
        "by_unit", _("按牵头单位汇总"), type="chart", headers=summary_headers(_("牵头单位")), rows=by_unit,
        chart=rag_stacked_chart(by_unit),
    ))
    by_key_task = task_summary_rows(tasks, rags, as_of, lambda t: str(t.key_task))
    sections.append(
        section("by_key_task", _("按重点任务汇总"), headers=summary_headers(_("重点任务")), rows=by_key_task)
    )
    if overdue:
        sections.append(section(
            "overdue", _("逾期未完成的子任务"),
            headers=[_("编号"), _("子任务"), _("牵头单位"), _("责任人"), _("完成时限"), _("进度（%）")],
            numeric=[False, False, False, False, False, True],
            rows=[[t.code, t.title, t.lead_unit.name, t.responsible_person, _d(t.deadline), t.progress]
                  for t in overdue],
        ))
    if kind == ReportKind.ANNUAL:
        phases = list(PlanPhase.objects.for_consortium(consortium_id).order_by("number"))
        phase_counts = Counter(t.phase_id for t in tasks)
        phase_done = Counter(t.phase_id for t in tasks if rags[t.pk] == Rag.DONE)
        sections.append(section(
            "phases", _("实施阶段"),
            headers=[_("阶段"), _("开始日期"), _("结束日期"), _("子任务数"), _("已完成")],
            numeric=[False, False, False, True, True],
            rows=[[str(p), _d(p.starts_on), _d(p.ends_on), phase_counts.get(p.pk, 0), phase_done.get(p.pk, 0)]
                  for p in phases],
        ))
        sections.append(section(
            "completed", _("本年度完成的子任务"),
            headers=[_("编号"), _("子任务"), _("牵头单位"), _("完成日期")],
            rows=[[t.code, t.title, t.lead_unit.name, _d(t.completed_on)] for t in completed],
        ))
    sections.append(section(
        "evaluations", _("本期督导评价"),
        headers=[_("评价日期"), _("被评价单位"), _("子任务"), _("评价周期"), _("得分"), _("等级"), _("评价意见")],
        numeric=[False, False, False, False, True, False, False],
        rows=[[_d(e.evaluated_on), e.unit.name, str(e.subtask) if e.subtask_id else "", e.period_label, e.score,
               e.get_grade_display(), e.comments] for e in evaluations],
    ))
    return sections, facts


def narrative(kind: str, facts: dict[str, Any], *, scope: str, as_of: date, dashboard: dict[str, Any]) -> list[str]:
    paragraphs = [
        _(
            "截至%(date)s，%(scope)s共有子任务%(total)s项：已完成%(done)s项，正常推进%(green)s项，预警%(amber)s项，"
            "滞后%(red)s项，未开始%(not_started)s项，已暂停%(suspended)s项；逾期未完成%(overdue)s项。"
        ) % {"date": as_of.isoformat(), "scope": scope, **{k: facts[k] for k in (
            "total", "done", "green", "amber", "red", "not_started", "suspended", "overdue")}},
        _("本期共收到进度报送%(returns)s份，涉及子任务%(tasks)s项。") % {
            "returns": facts["returns"], "tasks": facts["returned_tasks"]},
    ]
    if facts["overdue_titles"]:
        paragraphs.append(_("逾期任务：%(titles)s。") % {"titles": "、".join(facts["overdue_titles"])})
    if kind != ReportKind.WEEKLY_TASKS:
        paragraphs.append(_("本期完成子任务%(done)s项；开展督导评价%(count)s次%(avg)s。") % {
            "done": facts["completed_in_period"], "count": facts["evaluations"],
            "avg": (_("，平均得分%(score)s") % {"score": facts["average_score"]}) if facts["average_score"] else "",
        })
        refreshed = dashboard.get("refreshed_at")
        if refreshed:
            paragraphs.append(_("关键指标由平台根据各成员单位填报的业务数据自动计算，数据更新于%(at)s。") % {
                "at": str(refreshed)[:16].replace("T", " ")})
    return paragraphs


# --- the whole snapshot -----------------------------------------------------------------------------------------


def report_title(kind: str, consortium_name: str, unit_name: str | None, label: str) -> str:
    kind_label = str(ReportKind(kind).label)
    if unit_name:
        return _("%(consortium)s %(unit)s %(kind)s（%(period)s）") % {
            "consortium": consortium_name, "unit": unit_name, "kind": kind_label, "period": label}
    return _("%(consortium)s %(kind)s（%(period)s）") % {
        "consortium": consortium_name, "kind": kind_label, "period": label}


def build_content(
    *, consortium_id: int, kind: str, period_start: date, period_end: date, unit_id: int | None = None,
    today: date | None = None, refresh: bool = True,
) -> dict[str, Any]:
    """The JSON-safe snapshot of one report (see the module docstring). ``refresh`` recomputes the KPI facts first,
    so the report shows what the dashboard shows right after it."""
    consortium = Consortium.objects.get(pk=consortium_id)
    generated = timezone.localtime()
    unit = MemberUnit.objects.for_consortium(consortium_id).get(pk=unit_id) if unit_id else None
    as_of = today or timezone.localdate()
    label = period_label(kind, period_start, period_end)
    scope = unit.name if unit else _("全联合体")
    dashboard = dashboard_snapshot(
        consortium_id=consortium_id, year=period_end.year, unit_id=unit_id, refresh=refresh
    )
    tasks, facts = task_sections(
        consortium_id=consortium_id, kind=kind, period_start=period_start, period_end=period_end, unit_id=unit_id,
        as_of=as_of,
    )
    sections = [section("summary", _("总体情况"), type="text",
                        paragraphs=narrative(kind, facts, scope=scope, as_of=as_of, dashboard=dashboard))]
    if kind == ReportKind.WEEKLY_TASKS:
        sections += tasks + kpi_sections(dashboard, only=WEEKLY_CHARTS)
    else:
        sections += kpi_sections(dashboard) + tasks
    return {
        "schema": SCHEMA,
        "kind": kind,
        "kind_label": str(ReportKind(kind).label),
        "title": report_title(kind, consortium.name, unit.name if unit else None, label),
        "consortium": {"id": consortium.pk, "name": consortium.name},
        "unit": {"id": unit.pk, "name": unit.name} if unit else None,
        "scope_label": str(scope),
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat(), "label": label},
        "as_of": as_of.isoformat(),
        "generated_at": generated.isoformat(timespec="seconds"),
        "generated_label": generated.strftime("%Y-%m-%d %H:%M"),
        "dashboard": dashboard,
        "sections": sections,
    }
