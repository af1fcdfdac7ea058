"""The PDF of a report: WeasyPrint renders ``leadership/reports/pdf.html`` (A4, header and footer with page numbers,
the same ``_body.html`` as the HTML view, charts as inline SVG). Fonts are embedded (WeasyPrint subsets and embeds
every font it uses); the family is Noto Sans CJK SC with fallbacks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .render import report_sections


def render_pdf_html(content: dict[str, Any]) -> str:
    return render_to_string(
        "leadership/reports/pdf.html",
        {"content": content, "sections": report_sections(content, chart_width=640), "for_pdf": True},
    )


def render_pdf(content: dict[str, Any], *, language: str | None = None) -> bytes:
    from weasyprint import HTML  # heavy import: only where PDFs are made

    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_pdf_html(content)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
