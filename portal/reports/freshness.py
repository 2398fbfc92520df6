"""How far the marts are processed, and a data version per month for cache keys.

The processed-through point is ``data_as_of`` of the latest successful ETL run
(``EtlRun`` with status success and ``data_as_of`` set, latest by ``finished_at``). Only when no
such run is recorded (rows loaded by hand, a bench filling the marts directly) does it fall back to
``max(data_as_of)`` in the marts, which costs a ClickHouse read.

A month's data version is the id of the latest successful run that recomputed it (its
``months_recomputed`` lists ``"YYYY-MM"``; a ``full`` run recomputes every month). A month no
recorded run mentions takes the latest run's id, so it can only be re-rendered too often, never
served stale. Without any run the version is the marts' ``data_as_of``.

Why this cannot cache old figures under a new version: a run swaps its partitions in before it
is marked successful, and a request reads the version before it reads ClickHouse. So a request
that sees the new version reads swapped data; one that sees the old version may cache new figures
under the old key, which nobody asks for once the new version is visible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.dateparse import parse_datetime

from portal.core.columns import column_of
from portal.core.months import FIRST_MONTH, format_month, month_start, processed_through_date
from portal.etl.models import EtlRun
from portal.reports import marts
from portal.reports.errors import MonthNotProcessed

VERSION_MAP_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Freshness:
    data_as_of: dt.datetime | None
    latest_run_id: int | None = None
    month_run_ids: dict[str, int] = field(default_factory=dict)

    def covers(self, month: dt.date) -> bool:
        """A month has rows once it began before data_as_of (the current month is month-to-date)."""
        return self.data_as_of is not None and month_start(month) < self.data_as_of

    def processed_through(self) -> dt.date | None:
        return processed_through_date(self.data_as_of)

    def check_covers(self, month: dt.date) -> None:
        if not self.covers(month):
            raise MonthNotProcessed(month, self.data_as_of, self.processed_through())

    def month_version(self, month: dt.date) -> str:
        if self.latest_run_id is None:
            stamp = self.data_as_of.strftime("%Y%m%dT%H%M%S") if self.data_as_of else "none"
            return f"asof{stamp}"
        return f"etl{self.month_run_ids.get(format_month(month), self.latest_run_id)}"

    def list_version(self) -> str:
        if self.latest_run_id is None:
            return self.month_version(FIRST_MONTH)
        return f"etl{self.latest_run_id}"


def _successful_runs():
    return EtlRun.objects.filter(status=EtlRun.Status.SUCCESS, data_as_of__isnull=False)


def current_freshness() -> Freshness:
    latest = latest_successful_run()
    if latest is None:
        return Freshness(data_as_of=marts.marts_data_as_of())
    run_id, data_as_of = latest
    return Freshness(data_as_of=data_as_of, latest_run_id=run_id, month_run_ids=_month_run_ids(run_id))


def latest_successful_run() -> tuple[int, dt.datetime] | None:
    """(id, data_as_of) of the latest successful run with a data_as_of, or None.

    This runs on every report request, cached or not, and is never cached itself (a new run must
    be visible at once in every process). It is the ORM query
    ``_successful_runs().order_by("-finished_at", "-id").values_list("id", "data_as_of").first()``
    written as plain SQL, because building that query cost several times more than running it
    (it uses the ``etlrun_status_finished`` index)."""
    db = router.db_for_read(EtlRun)
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(_latest_run_sql(connection), [EtlRun.Status.SUCCESS])
        row = cursor.fetchone()
    if row is None:
        return None
    run_id, data_as_of = row
    return run_id, _aware_utc(data_as_of)


def _latest_run_sql(connection: BaseDatabaseWrapper) -> str:
    quote = connection.ops.quote_name
    column = {
        name: quote(column_of(EtlRun._meta.get_field(name)))
        for name in ("id", "status", "data_as_of", "finished_at")
    }
    return (
        f"SELECT {column['id']}, {column['data_as_of']} FROM {quote(EtlRun._meta.db_table)} "  # noqa: S608 (names from the model)
        f"WHERE {column['status']} = %s AND {column['data_as_of']} IS NOT NULL "
        f"ORDER BY {column['finished_at']} DESC, {column['id']} DESC LIMIT 1"
    )


def _aware_utc(value: dt.datetime | str) -> dt.datetime:
    """A raw cursor gives SQLite's stored UTC text or naive value; PostgreSQL's is already aware."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(f"not a stored datetime: {value!r}")
        value = parsed
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _month_run_ids(latest_run_id: int) -> dict[str, int]:
    """{"YYYY-MM": id of the latest successful run that recomputed it}, cached per latest run."""
    key = f"reports:month-run-ids:{latest_run_id}"
    mapping = cache.get(key)
    if mapping is None:
        mapping = {}
        runs = _successful_runs().order_by("id").values_list("id", "mode", "months_recomputed")
        for run_id, mode, months in runs:
            if mode == EtlRun.Mode.FULL:
                mapping = dict.fromkeys(mapping, run_id)
            mapping.update(dict.fromkeys(months or [], run_id))
        cache.set(key, mapping, VERSION_MAP_CACHE_SECONDS)
    return mapping
