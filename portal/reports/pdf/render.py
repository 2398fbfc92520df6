"""HTML -> PDF with WeasyPrint. Fonts (DejaVu, with Cyrillic) are set on ``html``, in ``@page``
margin boxes and in the SVG charts' text, since margin boxes and SVG do not inherit body fonts."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from portal.reports.presentation import month_page_context

PDF_TEMPLATE = "reports/pdf/month.html"


def render_month_pdf(report: dict, *, language: str) -> bytes:
    with translation.override(language):
        html = render_to_string(PDF_TEMPLATE, month_page_context(report))
    return HTML(string=html).write_pdf()
