"""A month's PDF: served from storage when this data version was rendered before, otherwise
rendered once and stored. The cached path reads only the portal database (ETL run versions) and
the storage: no ClickHouse, no WeasyPrint.

With ``REPORTS_X_ACCEL_REDIRECT_PREFIX`` set (nginx in front), the answer is an empty response
with ``X-Accel-Redirect: {prefix}{storage name}`` and nginx sends the file from its internal
location; Django has already run the access check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control

from portal.core.months import format_month
from portal.reports import cache as report_cache
from portal.reports.freshness import Freshness, current_freshness
from portal.reports.pdf.render import render_month_pdf
from portal.reports.selectors import month_report

PDF_CONTENT_TYPE = "application/pdf"


def pdf_filename(month: dt.date) -> str:
    return f"bionicpro-report-{format_month(month)}.pdf"


@dataclass(frozen=True)
class StoredPdf:
    name: str  # the storage name of this data version's PDF
    rendered_now: bytes | None  # the content, when this call had to render it


def ensure_stored_pdf(*, crm_user_id: int, month: dt.date, language: str, freshness: Freshness) -> StoredPdf:
    """The month's PDF in storage, rendered only when this data version has none yet."""
    freshness.check_covers(month)
    name = report_cache.pdf_storage_name(
        crm_user_id=crm_user_id, month=month, version=freshness.month_version(month), language=language
    )
    if report_cache.stored_pdf_exists(name):
        return StoredPdf(name=name, rendered_now=None)
    report = month_report(crm_user_id=crm_user_id, month=month, freshness=freshness)
    content = render_month_pdf(report, language=language)
    report_cache.store_pdf(name, content)
    return StoredPdf(name=name, rendered_now=content)


def month_pdf_response(*, crm_user_id: int, month: dt.date, language: str) -> HttpResponseBase:
    stored = ensure_stored_pdf(
        crm_user_id=crm_user_id, month=month, language=language, freshness=current_freshness()
    )
    filename = pdf_filename(month)
    if stored.rendered_now is not None and not settings.REPORTS_X_ACCEL_REDIRECT_PREFIX:
        return _private(HttpResponse(stored.rendered_now, content_type=PDF_CONTENT_TYPE), filename)
    return _stored_pdf_response(stored.name, filename)


def _stored_pdf_response(name: str, filename: str) -> HttpResponseBase:
    prefix = settings.REPORTS_X_ACCEL_REDIRECT_PREFIX
    if prefix:
        response = HttpResponse(content_type=PDF_CONTENT_TYPE)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + name
        return _private(response, filename)
    stored = report_cache.open_stored_pdf(name)
    return _private(FileResponse(stored, content_type=PDF_CONTENT_TYPE), filename)


def _private(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    """An attachment that only the signed-in browser may keep: shared caches must not store it."""
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True)
    return response
