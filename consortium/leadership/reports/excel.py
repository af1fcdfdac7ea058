"""The Excel workbook of a report (openpyxl), built from ``Report.content`` only.

Sheet 1 "概览": title, period, scope and the narrative. Then one sheet per section: a title, a formatted table
(header style, column widths, number formats, frozen header, filter) and, for sections with chart data, the chart's
data block next to the table and a native Excel bar chart drawn from it. Numbers stay numbers; text cells are guarded
against formula injection.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from consortium.imports.xlsx import safe_text

from .content import is_number

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="2E5A88")
TITLE_FONT = Font(bold=True, size=14, color="1D3F63")
LABEL_FONT = Font(bold=True, color="555555")
THIN = Side(style="thin", color="9AA7B5")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
INT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
TABLE_ROW = 3  # header row of every section sheet
INVALID_TITLE = re.compile(r"[\[\]:*?/\\]")


def excel_number(value: Any) -> int | float | None:
    if not is_number(value):
        return None
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


def number_format(value: Any) -> str:
    number = Decimal(str(value))
    return INT_FORMAT if number == number.to_integral_value() else DECIMAL_FORMAT


def text_width(value: Any) -> int:
    return sum(2 if ord(ch) > 127 else 1 for ch in str(value or ""))


def sheet_title(index: int, title: str, used: set[str]) -> str:
    base = INVALID_TITLE.sub("", f"{index}.{title}")[:31] or str(index)
    name, n = base, 2
    while name in used:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def _header(cell: Any) -> None:
    cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_cell(ws: Any, row: int, column: int, value: Any, *, numeric: bool) -> Any:
    if numeric and is_number(value):
        cell = ws.cell(row=row, column=column, value=excel_number(value))
        cell.number_format = number_format(value)
        cell.alignment = Alignment(horizontal="right")
    else:
        cell = ws.cell(row=row, column=column, value=safe_text(str(value)) if value not in (None, "") else None)
        cell.alignment = Alignment(vertical="top", wrap_text=text_width(value) > 40)
    cell.border = BORDER
    return cell


def write_table(ws: Any, top: int, left: int, headers: list[str], rows: list[list[Any]], numeric: list[bool]) -> None:
    widths = [text_width(h) + 2 for h in headers]
    for j, header in enumerate(headers):
        _header(ws.cell(row=top, column=left + j, value=str(header)))
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row[: len(headers)]):
            is_num = j < len(numeric) and numeric[j]
            write_cell(ws, top + i, left + j, value, numeric=is_num)
            widths[j] = max(widths[j], text_width(value) + 2)
    for j, width in enumerate(widths):
        letter = get_column_letter(left + j)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, min(max(width, 8), 60))


def add_chart(ws: Any, section: dict[str, Any], *, left: int) -> None:
    """Write the chart's data block at column ``left`` and draw a native bar chart from it."""
    chart_spec = section["chart"]
    categories, series = chart_spec["categories"], chart_spec["series"]
    headers = [_("类别"), *[s["name"] or _("数值") for s in series]]
    rows = [
        [c, *[(s["values"][i] if i < len(s["values"]) else None) for s in series]] for i, c in enumerate(categories)
    ]
    ws.cell(row=TABLE_ROW - 1, column=left, value=_("图表数据")).font = LABEL_FONT
    write_table(ws, TABLE_ROW, left, headers, rows, [False] + [True] * len(series))
    chart = BarChart()
    kind = chart_spec.get("kind")
    chart.type = "bar" if kind in ("hbar", "stacked_bar") or len(categories) > 8 else "col"
    if kind == "stacked_bar" and len(series) > 1:
        chart.grouping, chart.overlap = "stacked", 100
    chart.title = section["title"]
    chart.style = 10
    chart.height = max(7.5, 0.6 * len(categories) + 3) if chart.type == "bar" else 8
    chart.width = 18
    data = Reference(ws, min_col=left + 1, max_col=left + len(series), min_row=TABLE_ROW,
                     max_row=TABLE_ROW + len(categories))
    cats = Reference(ws, min_col=left, min_row=TABLE_ROW + 1, max_row=TABLE_ROW + len(categories))
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    for s, spec in zip(chart.series, series, strict=False):
        if spec.get("color"):
            s.graphicalProperties.solidFill = spec["color"].lstrip("#")
    ws.add_chart(chart, f"{get_column_letter(left + len(series) + 2)}{TABLE_ROW}")


def build_workbook(content: dict[str, Any]) -> bytes:
    wb = Workbook()
    overview = wb.active
    used = {_("概览")}
    overview.title = _("概览")
    overview["A1"] = safe_text(content.get("title", ""))
    overview["A1"].font = TITLE_FONT
    period = content.get("period") or {}
    meta = [
        (_("报告类型"), content.get("kind_label", "")),
        (_("报告周期"), f"{period.get('label', '')}（{period.get('start', '')} — {period.get('end', '')}）"),
        (_("报告范围"), content.get("scope_label", "")),
        (_("生成时间"), content.get("generated_label", "")),
    ]
    row = 3
    for label, value in meta:
        overview.cell(row=row, column=1, value=str(label)).font = LABEL_FONT
        overview.cell(row=row, column=2, value=safe_text(str(value)))
        row += 1
    overview.column_dimensions["A"].width = 14
    overview.column_dimensions["B"].width = 100
    for index, sec in enumerate(content.get("sections") or [], start=1):
        if sec.get("type") == "text":
            row += 1
            overview.cell(row=row, column=1, value=f"{index}. {sec['title']}").font = Font(bold=True, size=12)
            for paragraph in sec.get("paragraphs") or []:
                row += 1
                cell = overview.cell(row=row, column=2, value=safe_text(paragraph))
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                overview.row_dimensions[row].height = 15 * max(1, text_width(paragraph) // 95 + 1)
            continue
        ws = wb.create_sheet(sheet_title(index, sec["title"], used))
        ws["A1"] = safe_text(f"{index}. {sec['title']}")
        ws["A1"].font = TITLE_FONT
        headers = sec.get("headers") or []
        rows = sec.get("rows") or []
        write_table(ws, TABLE_ROW, 1, headers, rows, sec.get("numeric") or [])
        if not rows:
            ws.cell(row=TABLE_ROW + 1, column=1, value=_("本期无数据。"))
        else:
            ws.auto_filter.ref = f"A{TABLE_ROW}:{get_column_letter(len(headers))}{TABLE_ROW + len(rows)}"
        ws.freeze_panes = f"A{TABLE_ROW + 1}"
        chart = sec.get("chart")
        if chart and chart.get("categories") and chart.get("series"):
            add_chart(ws, sec, left=len(headers) + 2)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
