"""Excel (.xlsx) downloads of the statistics tables (no ORM here).

A statistics page builds ``StatTable`` objects once; the page renders them and the download writes the very same
rows, so the workbook always shows the numbers of the page. Text cells are made formula-safe (a spreadsheet never
runs a cell as a formula), numbers stay numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from consortium.imports.xlsx import safe_text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="2E5A88")
TOTAL_FONT = Font(bold=True)
#: Excel forbids these characters in sheet titles; titles are at most 31 characters.
SHEET_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False
    percent: bool = False  # a ratio 0..1 shown as a percentage
    money: bool = False  # 元 / 万元, two decimals


@dataclass
class StatTable:
    """One table of a statistics page: columns, rows (dicts by column key) and an optional totals row."""

    key: str
    title: str
    columns: Sequence[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] | None = None

    def cells(self, row: dict[str, Any]) -> list[Any]:
        return [row.get(column.key) for column in self.columns]

    @property
    def body(self) -> list[list[Any]]:
        """Rows as lists in column order (what the template iterates)."""
        return [self.cells(row) for row in self.rows]

    @property
    def footer(self) -> list[Any] | None:
        return self.cells(self.totals) if self.totals is not None else None

    def _display(self, row: dict[str, Any]) -> list[tuple[str, bool]]:
        return [(display(column, row.get(column.key)), column.numeric) for column in self.columns]

    @property
    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """Rows as (text, numeric) pairs for the page: percentages with one decimal, hours with two, "—" for none."""
        return [self._display(row) for row in self.rows]

    @property
    def display_footer(self) -> list[tuple[str, bool]] | None:
        return self._display(self.totals) if self.totals is not None else None


def display(column: Column, value: Any) -> str:
    if value is None or value == "":
        return "—" if column.numeric else ""
    if column.percent:
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, Decimal):
        if column.money:
            return f"{value:.2f}"
        return f"{value:.1f}" if value != value.to_integral_value() else f"{value:.0f}"
    return str(value)


def _value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, int | float):
        return value
    return safe_text(str(value))


def _cell(sheet: Any, column: Column, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=_value(value))
    if column.percent and isinstance(value, int | float | Decimal):
        cell.number_format = "0.0%"
    elif column.money or isinstance(value, float):
        cell.number_format = "0.00"
    if bold:
        cell.font = TOTAL_FONT
    return cell


def sheet_title(title: str) -> str:
    return (str(title).translate(SHEET_TITLE_FORBIDDEN) or "Sheet")[:31]


def build_workbook(tables: Sequence[StatTable], *, caption: str = "") -> bytes:
    """One sheet per table: an optional caption line (filters), the header row, the rows, the totals row."""
    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(sheet_title(table.title))
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = 14 if column.numeric else 24
        if caption:
            sheet.append([safe_text(caption)])
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=safe_text(str(column.label)))
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append([_cell(sheet, column, row.get(column.key)) for column in table.columns])
        if table.totals is not None:
            sheet.append([_cell(sheet, column, table.totals.get(column.key), bold=True) for column in table.columns])
    if not tables:
        workbook.create_sheet("Sheet")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    # RFC 6266: an ASCII fallback plus the UTF-8 name (Chinese titles)
    ascii_name = filename.encode("ascii", "ignore").decode() or "export.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
