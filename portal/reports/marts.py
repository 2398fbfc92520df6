"""Reads from the ClickHouse marts, and nothing else. Every value is bound by the driver
(``{name:Type}`` parameters); the database name is an ``Identifier`` parameter from settings.
Only published rows are read (``live_rows``, portal/clickhouse/publication.py): each month of
both marts as the load that last published it left it.

One ``with clickhouse()`` block per request: in embedded mode each block opens chDB under a
cross-process file lock (about 40 ms), so a report's queries share one block.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clickhouse_connect.driver import Client
from django.conf import settings

from portal.clickhouse.client import ClickHouseBusy, clickhouse
from portal.clickhouse.marts import PROSTHETIC_MONTHLY, USER_MONTHLY
from portal.clickhouse.publication import live_rows
from portal.core.months import FIRST_MONTH, LAST_MONTH
from portal.reports import budget
from portal.reports.errors import ReportsBusy

# Every column, in the declared order: the report serializers pick what they show.
USER_COLUMNS = ", ".join(USER_MONTHLY.column_names)
PROSTHETIC_COLUMNS = ", ".join(PROSTHETIC_MONTHLY.column_names)

USER_MONTHS_SQL = f"""
SELECT {USER_COLUMNS}
FROM {{db:Identifier}}.{USER_MONTHLY.table}
WHERE user_id = {{user_id:UInt64}} AND month >= {{month_from:Date}} AND month <= {{month_to:Date}}
    AND {live_rows(USER_MONTHLY.table)}
ORDER BY month
"""  # noqa: S608 (placeholders are bound by the driver)

PROSTHETIC_MONTH_SQL = f"""
SELECT {PROSTHETIC_COLUMNS}
FROM {{db:Identifier}}.{PROSTHETIC_MONTHLY.table}
WHERE user_id = {{user_id:UInt64}} AND month = {{month:Date}}
    AND {live_rows(PROSTHETIC_MONTHLY.table)}
ORDER BY prosthetic_id
"""  # noqa: S608 (placeholders are bound by the driver)

# The worst status of a customer's prostheses per month, for the month list's status column. A
# prosthesis month without any telemetry is counted apart: its mart status says "healthy", but the
# statement shows "no data" (DESIGN.md "How a statement reads").
MONTH_STATUS_SQL = f"""
SELECT
    month,
    max(multiIf(health_status = 'critical', 3, health_status = 'warning', 2, 1)) AS severity,
    countIf(power_on_count = 0 AND charge_cycles = 0 AND error_count = 0 AND critical_error_count = 0
            AND downtime_minutes = 0 AND avg_battery_temperature_c IS NULL) AS without_data,
    count() AS prostheses
FROM {{db:Identifier}}.{PROSTHETIC_MONTHLY.table}
WHERE user_id = {{user_id:UInt64}} AND month >= {{month_from:Date}} AND month <= {{month_to:Date}}
    AND {live_rows(PROSTHETIC_MONTHLY.table)}
GROUP BY month
"""  # noqa: S608 (placeholders are bound by the driver)

FIRST_MONTH_SQL = f"""
SELECT minOrNull(month) FROM {{db:Identifier}}.{USER_MONTHLY.table}
WHERE user_id = {{user_id:UInt64}} AND {live_rows(USER_MONTHLY.table)}
"""  # noqa: S608 (placeholders are bound by the driver)

# One month's partition (a row per prosthesis), bounded by a LIMIT; ordered by the caller.
ATTENTION_SQL = f"""
SELECT {PROSTHETIC_COLUMNS}
FROM {{db:Identifier}}.{PROSTHETIC_MONTHLY.table}
WHERE month = {{month:Date}} AND {live_rows(PROSTHETIC_MONTHLY.table)}
  AND (critical_error_count > 0 OR uptime_pct < {{uptime_below:Decimal(5, 2)}})
ORDER BY prosthetic_id DESC
LIMIT {{limit:UInt32}}
"""  # noqa: S608 (placeholders are bound by the driver)


MARTS_DATA_AS_OF_SQL = f"""
SELECT maxOrNull(data_as_of) FROM {{db:Identifier}}.{USER_MONTHLY.table}
WHERE {live_rows(USER_MONTHLY.table)}
"""  # noqa: S608 (placeholders are bound by the driver)

# Threads of one process take turns here: each clickhouse() block opens chDB under its own file
# lock, so a second thread would queue on that lock anyway, polling every 50 ms, where this lock
# wakes it at once. Both waits take from the request's one budget (``budget``).
_process_reader = threading.Lock()


@dataclass(frozen=True)
class MonthRows:
    user_history: list[dict]  # user rows for the months up to and including the requested one
    prosthetics: list[dict]  # prosthetic rows of the requested month
    previous_prosthetics: list[dict]  # prosthetic rows of the month before, for the comparison
    first_month: dt.date | None  # the customer's first month, read only when the month has no row


@contextmanager
def _marts_client() -> Iterator:
    if not _process_reader.acquire(timeout=budget.remaining()):
        raise ReportsBusy()
    try:
        with clickhouse(timeout=budget.remaining()) as client:
            yield client
    except ClickHouseBusy as exc:
        raise ReportsBusy() from exc
    finally:
        _process_reader.release()


def _rows(client: Client, sql: str, **parameters: Any) -> list[dict[str, Any]]:
    parameters["db"] = settings.CLICKHOUSE_DATABASE
    rows = list(client.query(sql, parameters=parameters).named_results())
    for row in rows:
        row["data_as_of"] = _aware(row["data_as_of"])
    return rows


def _scalar(client: Client, sql: str, **parameters: Any) -> Any:
    parameters["db"] = settings.CLICKHOUSE_DATABASE
    return client.query(sql, parameters=parameters).result_rows[0][0]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """The marts store UTC; the driver hands back naive datetimes."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


SEVERITY_STATUS = {1: "healthy", 2: "warning", 3: "critical"}


def user_months(*, user_id: int, month_from: dt.date | None, month_to: dt.date | None) -> list[dict]:
    """The user rows of the range, each with ``health_status``: the worst of its prostheses
    (``no_data`` when none of them sent telemetry, None without prostheses)."""
    bounds = {"user_id": user_id, "month_from": month_from or FIRST_MONTH, "month_to": month_to or LAST_MONTH}
    with _marts_client() as client:
        rows = _rows(client, USER_MONTHS_SQL, **bounds)
        bounds["db"] = settings.CLICKHOUSE_DATABASE
        statuses = {
            month: "no_data" if without_data == count else SEVERITY_STATUS[severity]
            for month, severity, without_data, count in client.query(
                MONTH_STATUS_SQL, parameters=bounds
            ).result_rows
        }
    for row in rows:
        row["health_status"] = statuses.get(row["month"])
    return rows


def month_rows(*, user_id: int, month: dt.date, history_from: dt.date, previous: dt.date) -> MonthRows:
    with _marts_client() as client:
        history = _rows(client, USER_MONTHS_SQL, user_id=user_id, month_from=history_from, month_to=month)
        prosthetics = _rows(client, PROSTHETIC_MONTH_SQL, user_id=user_id, month=month)
        before = _rows(client, PROSTHETIC_MONTH_SQL, user_id=user_id, month=previous) if prosthetics else []
        has_month = bool(history) and history[-1]["month"] == month
        first_month = None if has_month else _scalar(client, FIRST_MONTH_SQL, user_id=user_id)
    return MonthRows(
        user_history=history, prosthetics=prosthetics, previous_prosthetics=before, first_month=first_month
    )


def marts_data_as_of() -> dt.datetime | None:
    """The newest data_as_of in the marts; used only when no successful ETL run is recorded."""
    with _marts_client() as client:
        return _aware(_scalar(client, MARTS_DATA_AS_OF_SQL))


def prosthetics_needing_attention(*, month: dt.date, uptime_below: Decimal, limit: int) -> list[dict]:
    """Prosthetic rows of ``month`` with a critical error or uptime below ``uptime_below`` %."""
    with _marts_client() as client:
        return _rows(client, ATTENTION_SQL, month=month, uptime_below=uptime_below, limit=limit)


MONTH_CUSTOMERS_SQL = f"""
SELECT DISTINCT user_id FROM {{db:Identifier}}.{USER_MONTHLY.table}
WHERE month = {{month:Date}} AND {live_rows(USER_MONTHLY.table)} ORDER BY user_id
"""  # noqa: S608 (placeholders are bound by the driver)


def month_customer_ids(*, month: dt.date) -> list[int]:
    """Every customer with a report for ``month`` (the recipients of its e-mail)."""
    with _marts_client() as client:
        result = client.query(
            MONTH_CUSTOMERS_SQL, parameters={"db": settings.CLICKHOUSE_DATABASE, "month": month}
        )
    return [int(row[0]) for row in result.result_rows]
