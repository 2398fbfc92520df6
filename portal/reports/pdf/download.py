"""A month's PDF: served from storage when this data version was rendered before, otherwise
rendered once and stored. The cached path reads only the portal database (ETL run versions) and
the storage: no ClickHouse, no WeasyPrint.

With ``REPORTS_X_ACCEL_REDIRECT_PREFIX`` set (nginx in front), the answer is an empty response
with ``X-Accel-Redirect: {prefix}{storage name}`` and nginx sends the file from its internal
location; Django has already run the access check.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import FileResponse, HttpResponse

from portal.reports import cache as report_cache
from portal.reports.building import month_report
from portal.reports.freshness import current_freshness
from portal.reports.months import format_month
from portal.reports.pdf.render import render_month_pdf

PDF_CONTENT_TYPE = "application/pdf"


def pdf_filename(month: dt.date) -> str:
    return f"bionicpro-report-{format_month(month)}.pdf"


def month_pdf_response(*, crm_user_id: int, month: dt.date, language: str) -> HttpResponse:
    freshness = current_freshness()
    freshness.check_covers(month)
    name = report_cache.pdf_storage_name(
        crm_user_id=crm_user_id, month=month, version=freshness.month_version(month), language=language
    )
    filename = pdf_filename(month)
    if report_cache.stored_pdf_exists(name):
        return _stored_pdf_response(name, filename)
    report = month_report(crm_user_id=crm_user_id, month=month, freshness=freshness)
    content = render_month_pdf(report, language=language)
    report_cache.store_pdf(name, content)
    if settings.REPORTS_X_ACCEL_REDIRECT_PREFIX:
        return _stored_pdf_response(name, filename)
    response = HttpResponse(content, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stored_pdf_response(name: str, filename: str) -> HttpResponse:
    prefix = settings.REPORTS_X_ACCEL_REDIRECT_PREFIX
    if prefix:
        response = HttpResponse(content_type=PDF_CONTENT_TYPE)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + name
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    stored = report_cache.open_stored_pdf(name)
    return FileResponse(stored, as_attachment=True, filename=filename, content_type=PDF_CONTENT_TYPE)
