"""Removes stored PDFs that no request can ask for any more.

A PDF is stored under its month's data version and the layout number (``cache``). Once an ETL run
recomputes the month, or a deploy bumps the layout, the old file is never served again; without
a sweep the storage only grows. The sweep keeps, per month directory, the files of the month's
current version and layout, and removes the others once they are older than ``GRACE`` (a request
that read the old version just before the run finished may still be streaming its file).

It runs daily as the django-celery-beat task ``bionicpro_sweep_report_files`` (created by
``manage.py setup_periodic_tasks``, editable in the admin) and on demand with
``manage.py sweep_report_files``.
Works through Django's storage API, so the same code sweeps the filesystem and S3.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.utils import timezone

from portal.core.months import InvalidMonth, parse_month
from portal.reports.cache import PDF_LAYOUT_VERSION
from portal.reports.freshness import current_freshness

logger = logging.getLogger(__name__)

GRACE = dt.timedelta(hours=1)
_PDF_NAME = re.compile(r"^(?P<version>[A-Za-z0-9]+)-(?P<language>[A-Za-z_-]+)-layout(?P<layout>\d+)\.pdf$")
ROOT = "reports"


@dataclass
class SweepResult:
    removed: int = 0
    kept: int = 0


def sweep_report_files(*, now: dt.datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    freshness = current_freshness()
    result = SweepResult()
    for month_dir, month in _month_dirs():
        for file_name in default_storage.listdir(month_dir)[1]:
            name = f"{month_dir}/{file_name}"
            if _is_current(file_name, freshness.month_version(month)) or _is_recent(name, now):
                result.kept += 1
                continue
            default_storage.delete(name)
            result.removed += 1
    logger.info("Swept stored report PDFs: %s removed, %s kept", result.removed, result.kept)
    return result


def _month_dirs():
    """(storage directory, month) for every ``reports/<user id>/<YYYY-MM>`` directory.

    Not ``exists(ROOT)``: S3 has no directories, and asking for one answers False even when PDFs
    are stored under it; listing works on both (a missing folder lists empty on S3)."""
    try:
        user_dirs = default_storage.listdir(ROOT)[0]
    except FileNotFoundError:
        return
    for user_dir in user_dirs:
        if not user_dir.isdigit():
            continue
        for month_name in default_storage.listdir(f"{ROOT}/{user_dir}")[0]:
            try:
                month = parse_month(month_name)
            except InvalidMonth:
                continue
            yield f"{ROOT}/{user_dir}/{month_name}", month


def _is_current(file_name: str, version: str) -> bool:
    match = _PDF_NAME.match(file_name)
    return match is not None and match["version"] == version and int(match["layout"]) == PDF_LAYOUT_VERSION


def _is_recent(name: str, now: dt.datetime) -> bool:
    return now - default_storage.get_modified_time(name) < GRACE
