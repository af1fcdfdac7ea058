"""Excel export of the gap and alignment analysis (openpyxl, write-only mode).

The workbook holds exactly the rows and figures of the page (``selectors_gap.GapPage``): the column specs below read
the same report objects the template renders, so a figure never differs between the page and the file. Numbers stay
numbers (a secretary sorts and sums them in Excel); a figure without a value (zero denominator, or hidden from the
viewer) is an empty cell; text cells are guarded against formula injection.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from consortium.imports.xlsx import safe_text
from schools.choices import PriorityClass

from . import gap
from .selectors_gap import GapPage

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="2E5A88")
TITLE_FONT = Font(bold=True, size=14)

Column = tuple[str, Callable[[Any], Any], int]  # header, getter, width


def _yes_no(value: bool) -> str:
    return _("是") if value else _("否")


def target_columns(dimension: str, *, local: bool) -> list[Column]:
    columns: list[Column] = []
    if dimension == gap.INDUSTRY:
        columns += [(_("产业组"), lambda r: r.group, 16), (_("产业"), lambda r: r.name, 22)]
    else:
        columns += [(_("本地产业链"), lambda r: r.name, 22)]
    columns += [
        (_("对应在办专业数"), lambda r: r.programmes, 12),
        (_("预计毕业生"), lambda r: r.expected_graduates, 12),
        (_("需求人数"), lambda r: r.demand, 12),
        (_("已满足"), lambda r: r.filled, 10),
        (_("未满足"), lambda r: r.open, 10),
        (_("缺口（需求−毕业生）"), lambda r: r.gap, 16),
        (_("供需比（毕业生÷需求）"), lambda r: r.supply_ratio, 16),
        (_("供需平衡度（0–100）"), lambda r: r.balance, 16),
    ]
    if local:
        columns += [
            (_("已就业毕业生"), lambda r: r.employed, 12),
            (_("本地就业"), lambda r: r.local, 10),
            (_("本地就业占比（%）"), lambda r: r.local_share, 14),
        ]
    return columns


def programme_columns() -> list[Column]:
    priorities = dict(PriorityClass.choices)
    return [
        (_("学校"), lambda r: r.unit_name, 22),
        (_("专业代码"), lambda r: r.code, 10),
        (_("专业名称"), lambda r: r.name, 20),
        (_("在办"), lambda r: _yes_no(r.active), 6),
        (_("重点类别"), lambda r: str(priorities.get(r.priority_class, r.priority_class)), 10),
        (_("本年度计划招生"), lambda r: r.planned_intake, 12),
        (_("预计毕业生"), lambda r: r.expected_graduates, 10),
        (_("对应产业"), lambda r: "、".join(r.industries), 24),
        (_("已对应到产业（%）"), lambda r: r.mapped_share, 14),
        (_("可吸纳毕业生"), lambda r: r.absorbable, 12),
        (_("分摊需求"), lambda r: r.attributed_demand, 10),
        (_("吸纳率（%）"), lambda r: r.absorption, 10),
        (_("覆盖率（%）"), lambda r: r.coverage, 10),
        (_("对接指数（0–100）"), lambda r: r.index, 14),
        (_("对应产业需求"), lambda r: r.industry_demand, 12),
        (_("对应产业毕业生"), lambda r: r.industry_supply, 12),
        (_("需求÷毕业生"), lambda r: r.demand_ratio, 12),
        (_("企业点名需求"), lambda r: r.named_demand, 12),
        (_("已就业毕业生"), lambda r: r.employed, 12),
        (_("本地就业"), lambda r: r.local, 10),
        (_("本地就业占比（%）"), lambda r: r.local_share, 14),
        (_("建议"), lambda r: gap.Action.label(r.action) if r.action else "", 12),
    ]


def recommendation_columns() -> list[Column]:
    return [
        (_("建议"), lambda r: r.action_label, 12),
        (_("对象类型"), lambda r: r.subject_label, 10),
        (_("对象"), lambda r: r.name, 26),
        (_("学校"), lambda r: r.unit_name, 22),
        (_("对应需求"), lambda r: r.demand, 10),
        (_("对应毕业生"), lambda r: r.supply, 10),
        (_("需求÷毕业生"), lambda r: r.ratio, 12),
        (_("理由"), lambda r: r.reason, 80),
    ]


def trend_columns(*, local: bool) -> list[Column]:
    columns: list[Column] = [
        (_("年度"), lambda r: r.year, 8),
        (_("预计毕业生"), lambda r: r.expected_graduates, 12),
        (_("需求人数"), lambda r: r.demand, 12),
        (_("已满足"), lambda r: r.filled, 10),
        (_("未满足"), lambda r: r.open, 10),
        (_("可对接人数"), lambda r: r.matched, 12),
        (_("对接指数（0–100）"), lambda r: r.index, 14),
    ]
    if local:
        columns.append((_("本地就业占比（%）"), lambda r: r.local_share, 14))
    return columns


def summary_items(page: GapPage) -> list[tuple[str, Any]]:
    s = page.report.summary
    items: list[tuple[str, Any]] = [
        (_("预计毕业生"), s.expected_graduates),
        (_("需求人数"), s.demand),
        (_("已满足"), s.filled),
        (_("未满足"), s.open),
        (_("可对接人数"), s.matched),
        (_("毕业生吸纳率（%）"), s.absorption),
        (_("需求覆盖率（%）"), s.coverage),
        (_("联合体对接指数（0–100）"), s.index),
        (_("有对应专业的需求占比（%）"), s.demand_with_programme),
        (_("未归类需求（企业未登记产业）"), s.unclassified_demand),
        (_("未对应到产业的毕业生"), s.unallocated_supply),
    ]
    if not page.report.local_hidden:
        items += [(_("已就业毕业生"), s.employed), (_("本地就业"), s.local), (_("本地就业占比（%）"), s.local_share)]
    return items


def listed_industries(report: gap.GapReport) -> list[gap.TargetRow]:
    """Industries the page and the workbook list: those with demand, graduates or a programme in the year (the 4567
    system has dozens; the rest are counted in a note)."""
    return [row for row in report.industries if row.programmes or row.demand or row.expected_graduates]


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        return safe_text(value)
    return value


def _header(sheet: Any, headers: Iterable[str]) -> list[WriteOnlyCell]:
    cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cells.append(cell)
    return cells


def _table(workbook: Workbook, title: str, columns: Sequence[Column], rows: Iterable[Any]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, (_header_text, _getter, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(_header(sheet, [c[0] for c in columns]))
    for row in rows:
        sheet.append([_cell_value(getter(row)) for _h, getter, _w in columns])


def gap_workbook(page: GapPage, labels: dict[str, str]) -> bytes:
    """The workbook of one gap page. ``labels``: consortium, chain and kinds as shown on the page."""
    report = page.report
    local = not report.local_hidden
    workbook = Workbook(write_only=True)

    about = workbook.create_sheet(_("说明"))
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 100
    title = WriteOnlyCell(about, value=safe_text(_("供需缺口与专业对接分析")))
    title.font = TITLE_FONT
    about.append([title])
    for key, value in [
        (_("产教联合体"), labels.get("consortium", "")),
        (_("年度（毕业年份/需求到岗年份）"), report.year),
        (_("本地产业链"), labels.get("chain", "")),
        (_("需求类型"), labels.get("kinds", "")),
        (_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        (_("扩大招生阈值（需求÷毕业生 ≥）"), gap.EXPAND_RATIO),
        (_("缩减招生阈值（需求÷毕业生 ≤）"), gap.SHRINK_RATIO),
        (_("开设专业阈值（无对应专业的年度需求 ≥，人）"), gap.OPEN_MIN_HEADCOUNT),
    ]:
        about.append([safe_text(str(key)), _cell_value(value)])
    about.append([])
    for line in definitions():
        about.append([None, safe_text(line)])

    summary = workbook.create_sheet(_("汇总"))
    summary.column_dimensions["A"].width = 30
    summary.column_dimensions["B"].width = 14
    summary.append(_header(summary, [_("指标"), str(report.year)]))
    for label, value in summary_items(page):
        summary.append([safe_text(str(label)), value])

    _table(workbook, _("年度趋势"), trend_columns(local=local), page.trend)
    _table(workbook, _("本地产业链"), target_columns(gap.CHAIN, local=local), report.chains)
    _table(workbook, _("产业"), target_columns(gap.INDUSTRY, local=local), listed_industries(report))
    _table(workbook, _("专业"), programme_columns(), report.programmes)
    _table(workbook, _("调整建议"), recommendation_columns(), report.recommendations)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def definitions() -> list[str]:
    """The definitions printed on the page and in the workbook."""
    return [
        _("预计毕业生：预计当年毕业的学生（不含升学）；需求：当年到岗、已发布（已发布/部分满足/已满足）的人才需求人数。"),
        _("专业的预计毕业生按专业与产业的对应权重分摊到产业；对应本地产业链的部分平均分摊到该链所属产业。"
          "需求按企业所属产业平均分摊；企业未登记产业时按其所属本地产业链的产业分摊。"),
        _("供需平衡度 = 2 × min(毕业生, 需求) ÷ (毕业生 + 需求) × 100。"),
        _("专业对接指数 = 2 × 可吸纳毕业生 ÷ (预计毕业生 + 分摊需求) × 100："
          "可吸纳毕业生为对应产业需求按各专业毕业生比例分摊后能吸纳的本专业毕业生，分摊需求为按同一比例分摊到本专业的需求；即“毕业生吸纳率”与“需求覆盖率”的调和平均，"
          "0–100，100表示对应产业的供需完全匹配。本年度无预计毕业生的专业不计算指数。"),
        _("本地就业：订单班在合作企业就业，或经匹配录用且岗位地点属本地（匹配设置中的本地地名）的毕业生；"
          "本地就业占比 = 本地就业 ÷ 已就业毕业生。"),
    ]
