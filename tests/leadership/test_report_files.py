"""The Excel workbook and the PDF are rendered from the content snapshot only: the workbook read back holds the
content's figures as numbers (with native bar charts); the PDF's extracted text holds the Chinese title and figures,
and its fonts are embedded."""

from __future__ import annotations

import io
import re
import time
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from consortium.leadership.choices import ReportKind
from consortium.leadership.reports.content import build_content
from consortium.leadership.reports.excel import build_workbook
from consortium.leadership.reports.pdf import render_pdf
from consortium.leadership.reports.svg import bar_chart_svg

from .test_report_content import TODAY, build_world, fake_dashboard

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(monkeypatch):
    from consortium.leadership.reports import content as content_module

    monkeypatch.setattr(content_module, "dashboard_snapshot", fake_dashboard)
    world = build_world()
    return build_content(
        consortium_id=world.consortium.pk, kind=ReportKind.MONTHLY_KPI, period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28), today=TODAY,
    )


def test_workbook_has_a_sheet_per_section_with_the_contents_figures(content):
    wb = load_workbook(io.BytesIO(build_workbook(content)))
    tables = [s for s in content["sections"] if s["type"] != "text"]
    assert len(wb.sheetnames) == 1 + len(tables)
    overview = wb.worksheets[0]
    assert overview["A1"].value == content["title"]
    assert any(content["sections"][0]["paragraphs"][0] == c.value for row in overview.iter_rows() for c in row)
    for sheet, sec in zip(wb.worksheets[1:], tables, strict=True):
        assert sheet["A1"].value.endswith(sec["title"])
        header = [c.value for c in sheet[3][: len(sec["headers"])]]
        assert header == sec["headers"]
        assert sheet.cell(row=3, column=1).font.bold
        for i, row in enumerate(sec["rows"]):
            cells = sheet[4 + i][: len(sec["headers"])]
            for cell, value, numeric in zip(cells, row, sec["numeric"], strict=True):
                if value in (None, ""):
                    assert cell.value is None
                elif numeric:
                    assert isinstance(cell.value, int | float)
                    assert Decimal(str(cell.value)) == Decimal(value)
                    assert cell.number_format in ("#,##0", "#,##0.00")
                else:
                    assert cell.value == value
        if sec["rows"]:
            assert sheet.freeze_panes == "A4"
    cards = wb[[n for n in wb.sheetnames if "关键指标" in n][0]]
    assert cards["B5"].value == pytest.approx(61.5385) and cards["B5"].number_format == "#,##0.00"
    assert cards.column_dimensions["A"].width >= 10


def test_chart_sections_get_a_native_bar_chart_over_their_data(content):
    wb = load_workbook(io.BytesIO(build_workbook(content)))
    supply = wb[[n for n in wb.sheetnames if "产业链供需对比" in n][0]]
    assert len(supply._charts) == 1
    chart = supply._charts[0]
    assert chart.tagname == "barChart" and len(chart.series) == 2
    # the chart's data block: categories and values equal to the content's chart spec
    spec = next(s for s in content["sections"] if s["key"] == "chart_supply_demand")["chart"]
    left = len(next(s for s in content["sections"] if s["key"] == "chart_supply_demand")["headers"]) + 2
    assert [supply.cell(row=4 + i, column=left).value for i in range(2)] == spec["categories"]
    assert [supply.cell(row=4 + i, column=left + 1).value for i in range(2)] == [120, 80]
    stacked = wb[[n for n in wb.sheetnames if "按牵头单位汇总" in n][0]]
    assert stacked._charts[0].grouping == "stacked"


def test_pdf_has_extractable_chinese_text_figures_and_embedded_fonts(content):
    started = time.monotonic()
    data = render_pdf(content)
    elapsed = time.monotonic() - started
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert "宝清县产教联合体" in text and "关键指标月报" in text
    assert "双师型教师占比" in text and "61.54" in text  # the card, as format_number shows it
    assert "完成实训基地改造" in text and "72.5" in text
    assert "1/" in text  # the footer's page number "1 / n"
    fonts = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts.append((str(font.get("/BaseFont")), embedded))
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    assert any("CJK" in name for name, _e in fonts), fonts
    assert elapsed < 60


def test_svg_chart_escapes_labels_and_scales_bars():
    svg = bar_chart_svg({"kind": "bar", "categories": ["<b>甲</b>", "乙"],
                         "series": [{"name": "数量", "values": ["10", "5"], "stack": None}]}, width=400)
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    widths = [float(w) for w in re.findall(r'<rect x="170" y="[\d.]+" width="([\d.]+)" height="14"', svg)]
    assert len(widths) == 2
    assert widths[0] == pytest.approx(2 * widths[1])
    assert bar_chart_svg({"kind": "bar", "categories": [], "series": []}) == ""
