"""Charts of a report as inline SVG, generated in Python from the content's chart specs (no JavaScript): the same
markup appears in the HTML view and in the PDF (WeasyPrint draws SVG natively)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.html import escape

from .content import format_number, is_number

PALETTE = ["#2E5A88", "#E07B39", "#4C9A5B", "#C94C4C", "#8E6BB8", "#D4A017", "#5B8FA8", "#7F7F7F"]
FONT = "Noto Sans CJK SC, Noto Sans CJK, Microsoft YaHei, sans-serif"
LABEL_WIDTH = 170
VALUE_WIDTH = 70
MAX_LABEL_CHARS = 13


def _value(raw: Any) -> Decimal:
    return max(Decimal(str(raw)), Decimal(0)) if is_number(raw) else Decimal(0)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def bar_chart_svg(chart: dict[str, Any] | None, *, width: int = 680) -> str:
    """Horizontal bars, one row per category: grouped (one bar per series) or stacked (``kind == "stacked_bar"``)."""
    if not chart or not chart.get("categories") or not chart.get("series"):
        return ""
    categories: list[str] = chart["categories"]
    series: list[dict[str, Any]] = chart["series"]
    stacked = chart.get("kind") == "stacked_bar" and len(series) > 1
    colours = [s.get("color") or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    area = width - LABEL_WIDTH - VALUE_WIDTH
    values = [[_value(v) for v in (s.get("values") or [])] + [Decimal(0)] * len(categories) for s in series]
    if stacked:
        top = max((sum(values[j][i] for j in range(len(series))) for i in range(len(categories))), default=0)
    else:
        top = max((v for row in values for v in row[: len(categories)]), default=0)
    top = top or Decimal(1)
    bar_h = 16 if stacked or len(series) == 1 else 11
    block = (bar_h if stacked else bar_h * len(series)) + 10
    legend_h = 22 if len(series) > 1 or series[0].get("name") else 0
    height = legend_h + block * len(categories) + 6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11" role="img">'
    ]
    x = LABEL_WIDTH
    if legend_h:
        for j, s in enumerate(series):
            name = escape(str(s.get("name", "")))
            out.append(f'<rect x="{x}" y="5" width="10" height="10" fill="{colours[j]}"/>')
            out.append(f'<text x="{x + 14}" y="14">{name}</text>')
            x += 24 + 12 * len(str(s.get("name", "")))
    for i, category in enumerate(categories):
        y0 = legend_h + i * block + 4
        out.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y0 + (block - 10) / 2 + 4:.1f}" text-anchor="end">'
            f"<title>{escape(category)}</title>{escape(_short(category))}</text>"
        )
        if stacked:
            offset = Decimal(0)
            for j in range(len(series)):
                v = values[j][i]
                if v:
                    w = float(v / top) * area
                    out.append(
                        f'<rect x="{LABEL_WIDTH + float(offset / top) * area:.1f}" y="{y0}" width="{w:.1f}" '
                        f'height="{bar_h}" fill="{colours[j]}"/>'
                    )
                offset += v
            out.append(
                f'<text x="{LABEL_WIDTH + float(offset / top) * area + 4:.1f}" y="{y0 + bar_h - 4}">'
                f"{escape(format_number(str(offset)))}</text>"
            )
            continue
        for j, s in enumerate(series):
            raw = (s.get("values") or [None] * len(categories))[i] if i < len(s.get("values") or []) else None
            v = values[j][i]
            y = y0 + j * bar_h
            w = float(v / top) * area
            out.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{colours[j]}"/>')
            out.append(
                f'<text x="{LABEL_WIDTH + w + 4:.1f}" y="{y + bar_h - 3}" font-size="9">'
                f"{escape(format_number(raw) if raw is not None else '—')}</text>"
            )
    out.append(f'<line x1="{LABEL_WIDTH}" y1="{legend_h}" x2="{LABEL_WIDTH}" y2="{height - 2}" stroke="#999"/>')
    out.append("</svg>")
    return "".join(out)
