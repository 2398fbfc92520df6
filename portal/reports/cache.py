"""Where rendered reports are kept, under keys that change whenever the data changes.

- Month and list JSON: Django's cache (``CACHES["default"]``), keyed by customer, month (or
  range) and the data version from ``freshness`` (the ETL run that last recomputed the month).
- PDFs: Django's default storage (filesystem, or S3 through django-storages), at
  ``reports/{crm_user_id}/{YYYY-MM}/{version}-{language}-layout{N}.pdf``. The layout number is
  bumped whenever the PDF template changes, so an old rendering is never served after a deploy.
  Superseded versions are removed by the daily sweep (``sweep``).
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

from portal.core.months import format_month

PDF_LAYOUT_VERSION = 3
JSON_LAYOUT_VERSION = 1
JSON_CACHE_SECONDS = 7 * 24 * 3600


def month_json_key(*, crm_user_id: int, month: dt.date, version: str) -> str:
    return f"reports:v{JSON_LAYOUT_VERSION}:month:{crm_user_id}:{format_month(month)}:{version}"


def month_list_key(
    *, crm_user_id: int, month_from: dt.date | None, month_to: dt.date | None, version: str
) -> str:
    bounds = ":".join(format_month(bound) if bound else "-" for bound in (month_from, month_to))
    return f"reports:v{JSON_LAYOUT_VERSION}:list:{crm_user_id}:{bounds}:{version}"


def cached_json(key: str) -> dict | None:
    return cache.get(key)


def store_json(key: str, data: dict) -> None:
    cache.set(key, data, JSON_CACHE_SECONDS)


def pdf_storage_name(*, crm_user_id: int, month: dt.date, version: str, language: str) -> str:
    return f"reports/{crm_user_id}/{format_month(month)}/{version}-{language}-layout{PDF_LAYOUT_VERSION}.pdf"


def stored_pdf_exists(name: str) -> bool:
    return default_storage.exists(name)


def store_pdf(name: str, content: bytes) -> None:
    # Two first downloads at once render twice; the second save finds the file and keeps it.
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(content))


def open_stored_pdf(name: str) -> File:
    return default_storage.open(name, "rb")
