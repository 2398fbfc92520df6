"""The ClickHouse mirrors of the source tables (``portal/clickhouse/sql/0004_source_mirrors.sql``)
and how a decoded change becomes a mirror row.

A mirror row is the source row's mirrored columns plus ``_version`` (the change's LSN) and
``_is_deleted``. Values arrive from pgoutput as PostgreSQL's text output (the decoding session
runs in UTC); each mirrored column says how to read that text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from portal.etl.feed.pgoutput import UNCHANGED


def _timestamp(text: str) -> dt.datetime:
    # PostgreSQL prints timestamptz in UTC as "2026-01-31 23:59:59.5+00".
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _boolean(text: str) -> int:
    return 1 if text == "t" else 0


Reader = Callable[[str], object]
INTEGER: Reader = int
TEXT: Reader = str
DECIMAL: Reader = Decimal
TIMESTAMP: Reader = _timestamp
DATE: Reader = dt.date.fromisoformat
BOOLEAN: Reader = _boolean

# Source table -> mirrored column -> how to read its text. ``id`` is every table's key.
MIRRORED_COLUMNS: dict[str, dict[str, Reader]] = {
    "users": {"id": INTEGER, "created_at": TIMESTAMP, "updated_at": TIMESTAMP},
    "prosthetics": {
        "id": INTEGER, "user_id": INTEGER, "serial_number": TEXT, "model": TEXT, "limb": TEXT,
        "activated_at": TIMESTAMP, "status": TEXT, "updated_at": TIMESTAMP,
    },
    "subscriptions": {
        "id": INTEGER, "user_id": INTEGER, "monthly_cost": DECIMAL, "started_on": DATE, "ended_on": DATE,
        "plan": TEXT, "status": TEXT, "updated_at": TIMESTAMP,
    },
    "payments": {
        "id": INTEGER, "user_id": INTEGER, "amount": DECIMAL, "status": TEXT, "paid_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    },
    "support_tickets": {
        "id": INTEGER, "user_id": INTEGER, "created_at": TIMESTAMP, "resolved_at": TIMESTAMP,
        "priority": TEXT, "status": TEXT, "updated_at": TIMESTAMP,
    },
    "events": {
        "id": INTEGER, "prosthetic_id": INTEGER, "event_type": TEXT, "occurred_at": TIMESTAMP,
        "received_at": TIMESTAMP, "error_code": TEXT,
    },
    "battery_metrics": {
        "id": INTEGER, "prosthetic_id": INTEGER, "measured_at": TIMESTAMP, "current_ma": INTEGER,
        "temperature_c": DECIMAL, "is_charging": BOOLEAN, "received_at": TIMESTAMP,
    },
}  # fmt: skip
SYSTEM_COLUMNS = ("_version", "_is_deleted")


def mirror_table(source_table: str) -> str:
    return f"mirror_{source_table}"


def mirror_columns(source_table: str) -> list[str]:
    return [*MIRRORED_COLUMNS[source_table], *SYSTEM_COLUMNS]


def mirror_row(source_table: str, values: dict[str, object], *, version: int, deleted: bool) -> list[object]:
    """One mirror row from a decoded tuple (the new row, or the key of a deleted one).

    PostgreSQL leaves an unchanged TOASTed value out of an update. No mirrored column is large
    enough to be TOASTed (ids, short strings, numbers, timestamps), so meeting one means the
    source schema changed under the feed: stop with a clear error rather than store a NULL."""
    row: list[object] = []
    for column, read in MIRRORED_COLUMNS[source_table].items():
        text = values.get(column)
        if text is UNCHANGED:
            raise ValueError(f"{source_table}.{column} came as an unchanged TOASTed value")
        row.append(None if text is None else read(str(text)))
    return [*row, version, 1 if deleted else 0]
