"""What the HTML view and the PDF template render: the content's sections with display strings and SVG charts."""

from __future__ import annotations

from typing import Any

from django.utils.safestring import mark_safe

from .content import format_number
from .svg import bar_chart_svg


def report_sections(content: dict[str, Any], *, chart_width: int = 680) -> list[dict[str, Any]]:
    sections = []
    for raw in content.get("sections") or []:
        numeric = raw.get("numeric") or []
        rows = [
            [
                {"text": (format_number(cell) if cell is not None else "—") if i < len(numeric) and numeric[i]
                 else (cell or ""),
                 "numeric": bool(i < len(numeric) and numeric[i])}
                for i, cell in enumerate(row)
            ]
            for row in raw.get("rows") or []
        ]
        sections.append({
            "key": raw.get("key", ""), "title": raw.get("title", ""), "type": raw.get("type", "table"),
            "paragraphs": raw.get("paragraphs") or [], "headers": raw.get("headers") or [],
            "numeric": numeric, "rows": rows,
            "svg": mark_safe(bar_chart_svg(raw.get("chart"), width=chart_width)),  # noqa: S308 (escaped in svg.py)
        })
    return sections
