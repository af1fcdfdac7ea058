"""Excel downloads of the leadership dashboard (openpyxl, write-only; no ORM here).

A chart's sheet holds exactly the table printed under the chart on the page (``Chart.headers`` / ``Chart.rows``), the
cards sheet holds exactly the cards, so a figure never differs between the page and the file: both read the one
``Dashboard`` object built by ``dashboard.dashboard_data``. Numbers stay numbers (officials sum and sort them in
Excel), a figure without a value is an empty cell, text cells are guarded against formula injection.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from consortium.imports.xlsx import safe_text
from practice_center.exports import xlsx_response  # noqa: F401  (re-exported: UTF-8 file names)

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="2E5A88")
TITLE_FONT = Font(bold=True, size=13)
#: Excel forbids these characters in sheet titles; titles are at most 31 characters and unique per workbook.
SHEET_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def cell_value(value: Any) -> Any:
    """What a cell stores: Decimals as int/float (numbers stay numbers), text formula-safe, None empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int | float):
        return value
    return safe_text(str(value))


def display_value(value: Any) -> str:
    """How the page prints a figure: integers without decimals, other values with up to two decimals, "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        number = Decimal(str(value))
        if number == number.to_integral_value():
            return f"{number:.0f}"
        text = f"{number:.2f}".rstrip("0").rstrip(".")
        return text
    return str(value)


def sheet_title(title: str, used: set[str]) -> str:
    base = (str(title).translate(SHEET_TITLE_FORBIDDEN).strip() or "Sheet")[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f"({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _header(sheet: Any, headers: Iterable[Any]) -> list[WriteOnlyCell]:
    cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=safe_text(str(text)))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cells.append(cell)
    return cells


def _title(sheet: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=safe_text(text))
    cell.font = TITLE_FONT
    return cell


def _table_sheet(
    workbook: Workbook,
    used: set[str],
    *,
    title: str,
    caption: str,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
) -> None:
    sheet = workbook.create_sheet(sheet_title(title, used))
    for index, _h in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 28 if index == 1 else 16
    sheet.append([_title(sheet, title)])
    if caption:
        sheet.append([safe_text(caption)])
    sheet.append(_header(sheet, headers))
    for row in rows:
        sheet.append([cell_value(value) for value in row])


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def card_headers() -> list[str]:
    return [_("指标分组"), _("指标"), _("数值"), _("单位"), _("说明")]


def card_rows(groups: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
    """Rows of the cards sheet from the page's grouping ``[(group label, [Card, ...]), ...]``."""
    return [
        [str(label), str(card.label), card.value, str(card.measure or ""), str(card.note or "")]
        for label, cards in groups
        for card in cards
    ]


def chart_workbook(chart: Any, *, caption: str) -> bytes:
    """One chart's data table (the table under the chart on the page)."""
    workbook = Workbook(write_only=True)
    _table_sheet(workbook, set(), title=str(chart.title), caption=caption, headers=chart.headers, rows=chart.rows)
    return _save(workbook)


def dashboard_workbook(dashboard: Any, groups: Sequence[tuple[str, Sequence[Any]]], *, caption: str) -> bytes:
    """The whole dashboard: a cards sheet (grouped as on the page), then one sheet per chart in page order."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    _table_sheet(
        workbook, used, title=_("关键指标"), caption=caption, headers=card_headers(), rows=card_rows(groups)
    )
    for chart in dashboard.charts:
        _table_sheet(workbook, used, title=str(chart.title), caption=caption, headers=chart.headers, rows=chart.rows)
    return _save(workbook)


def province_workbook(
    headers: Sequence[Any], rows: Sequence[Sequence[Any]], totals: Sequence[Any], *, caption: str
) -> bytes:
    """The province view's table: one row per consortium plus the totals row."""
    workbook = Workbook(write_only=True)
    _table_sheet(
        workbook, set(), title=_("各产教联合体关键指标"), caption=caption, headers=headers, rows=[*rows, totals]
    )
    return _save(workbook)
