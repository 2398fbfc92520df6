"""HTML -> PDF with WeasyPrint. Fonts (DejaVu, with Cyrillic) are set on ``html``, in ``@page``
margin boxes and in the SVG charts' text, since margin boxes and SVG do not inherit body fonts."""

from __future__ import annotations

import zoneinfo

from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML

from portal.reports.presentation import month_page_context

PDF_TEMPLATE = "reports/pdf/month.html"


def render_month_pdf(report: dict, *, language: str, zone: str = "UTC") -> bytes:
    """A tagged PDF (structure tags for screen readers), times in ``zone``."""
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        html = render_to_string(PDF_TEMPLATE, {**month_page_context(report), "for_pdf": True})
    return HTML(string=html).write_pdf(pdf_tags=True)
