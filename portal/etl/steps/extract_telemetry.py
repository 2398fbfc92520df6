"""Step 2, extract telemetry: ClickHouse appends new events and battery readings to ``etl_events``
and ``etl_battery_metrics``, validating every row on the way.

A nightly run reads rows whose ``received_at`` is past the baseline's watermark (minus an overlap;
rows already copied are skipped by id), so late telemetry is picked up whatever its
``occurred_at``. Each copied row is stamped with this run's id: rows stamped after the baseline are
the ones whose months the transform recomputes, even when an earlier run died after copying them.
A full run copies everything into ``*_next`` and swaps it in with ``EXCHANGE TABLES`` only when the
copy is complete. Every run also applies rows updated or deleted in place since the baseline: from
the change feed's mirrors, or from the source's change log and row count (``telemetry_revisions.py``).

Rejected rows are kept with a reason (so they are counted once, by the run that read them) and left
out of every metric:

- ``missing_timestamp``: occurred_at/measured_at or received_at is NULL or unreadable;
- ``future_timestamp``: it happened more than ``FUTURE_TOLERANCE`` after it was received, which no
  device can report honestly (its clock is wrong). A row that is merely at or after data_as_of is
  not rejected: it simply counts once data_as_of passes it;
- ``unknown_event_type`` (events), ``negative_current`` and ``missing_value`` (battery readings);
- ``unknown_prosthetic``: its prosthetic_id is not a CRM prosthetic. Decided at transform time
  against the CRM copy, so a prosthetic added to the CRM later gets its telemetry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clickhouse_connect.driver import Client

from portal.etl.context import RunContext
from portal.etl.session import etl_clickhouse
from portal.etl.sources import SourceDatabase, telemetry
from portal.etl.steps.extract_crm import capped_watermark
from portal.etl.steps.telemetry_revisions import (
    apply_logged_changes,
    apply_revisions,
    changed_key,
    forget_covered_removals,
    log_covers,
    remove_deleted_rows,
    version_key,
)

FUTURE_TOLERANCE = "INTERVAL 1 DAY"
EVENT_TYPES = (
    "power_on",
    "power_off",
    "grip",
    "release",
    "error",
    "critical_error",
    "charge_start",
    "charge_end",
)


@dataclass(frozen=True)
class TelemetryTable:
    name: str
    time_column: str
    columns: tuple[str, ...]

    @property
    def target(self) -> str:
        return f"etl_{self.name}"

    def select(self, source: SourceDatabase) -> str:
        return _SELECTS[self.name](source, self.time_column)


def _events_select(source: SourceDatabase, time_column: str) -> str:
    known_types = ", ".join(f"'{t}'" for t in EVENT_TYPES)
    return f"""
        SELECT src_id, src_prosthetic_id, src_event_type, ifNull(src_time, toDateTime64(0, 6, 'UTC')),
            ifNull(src_received, toDateTime64(0, 6, 'UTC')),
            multiIf(src_time IS NULL OR src_received IS NULL, 'missing_timestamp',
                    src_time > src_received + {FUTURE_TOLERANCE}, 'future_timestamp',
                    src_event_type NOT IN ({known_types}), 'unknown_event_type',
                    ''),
            {{run_id:UInt64}}
        FROM (
            SELECT {source.column("id", "int")} AS src_id,
                ifNull({source.column("prosthetic_id", "int")}, 0) AS src_prosthetic_id,
                ifNull({source.column("event_type", "string")}, '') AS src_event_type,
                {source.column(time_column, "datetime")} AS src_time,
                {source.column("received_at", "datetime")} AS src_received
            FROM ({{rows}})
        )"""


def _battery_select(source: SourceDatabase, time_column: str) -> str:
    return f"""
        SELECT src_id, src_prosthetic_id, ifNull(src_time, toDateTime64(0, 6, 'UTC')),
            ifNull(src_current, 0), ifNull(src_temperature, 0), ifNull(src_charging, 0),
            ifNull(src_received, toDateTime64(0, 6, 'UTC')),
            multiIf(src_time IS NULL OR src_received IS NULL, 'missing_timestamp',
                    src_time > src_received + {FUTURE_TOLERANCE}, 'future_timestamp',
                    src_current IS NULL OR src_temperature IS NULL OR src_charging IS NULL, 'missing_value',
                    src_current < 0, 'negative_current',
                    ''),
            {{run_id:UInt64}}
        FROM (
            SELECT {source.column("id", "int")} AS src_id,
                ifNull({source.column("prosthetic_id", "int")}, 0) AS src_prosthetic_id,
                {source.column(time_column, "datetime")} AS src_time,
                {source.column("current_ma", "int")} AS src_current,
                {source.column("temperature_c", "decimal1")} AS src_temperature,
                {source.column("is_charging", "bool")} AS src_charging,
                {source.column("received_at", "datetime")} AS src_received
            FROM ({{rows}})
        )"""


_SELECTS = {"events": _events_select, "battery_metrics": _battery_select}

TELEMETRY_TABLES = (
    TelemetryTable(
        "events",
        "occurred_at",
        ("id", "prosthetic_id", "event_type", "occurred_at", "received_at", "reject_reason", "run_id"),
    ),
    TelemetryTable(
        "battery_metrics",
        "measured_at",
        (
            "id",
            "prosthetic_id",
            "measured_at",
            "current_ma",
            "temperature_c",
            "is_charging",
            "received_at",
            "reject_reason",
            "run_id",
        ),
    ),
)


def extract_telemetry(ctx: RunContext) -> dict:
    source = telemetry(mirrors=ctx.reads_mirrors)
    tables, rejected, watermarks = {}, {}, {}
    with source.visible():
        for table in TELEMETRY_TABLES:
            since = _read_since(ctx, table)
            incremental = since is not None and not ctx.reads_mirrors  # read by watermark
            # Counted before any row is read: a row added meanwhile has a later id.
            counted = source.count_rows(table.name) if incremental else None
            # One lock per table: report reads get the embedded ClickHouse in between.
            with etl_clickhouse() as client:
                forget_covered_removals(client, ctx, table)
                revisions = apply_revisions(client, ctx, source, table)
                updated = apply_logged_changes(client, ctx, source, table) if incremental else 0
                # The mirrors' window already holds every new row: no scan by received_at.
                read = None if revisions.complete else _extract_table(client, ctx, source, table, since)
                deleted = remove_deleted_rows(client, ctx, source, table, counted)
                loaded = _loaded_rows_by_reason(client, ctx, table)
                watermarks[table.name] = _watermark(client, ctx, table)
            if revisions.watermark is not None:
                watermarks[version_key(table.name)] = revisions.watermark
            # Every run, whatever it read, has applied each update logged before it started.
            watermarks[changed_key(table.name)] = ctx.started_at.isoformat()
            written = sum(loaded.values())
            tables[table.name] = {
                "read": written if read is None else read,
                "written": written,
                "revised": revisions.revised + updated + deleted,
            }
            rejected.update({f"{table.name}.{reason}": n for reason, n in loaded.items() if reason})
    return {
        "read": sum(t["read"] for t in tables.values()),
        "written": sum(t["written"] for t in tables.values()),
        "tables": tables,
        "rejected": rejected,
        "watermarks": watermarks,
    }


def _read_since(ctx: RunContext, table: TelemetryTable) -> dt.datetime | None:
    """Where the run reads the table from by ``received_at`` (None: all of it, a full copy). A
    source read by watermark must also have kept its change log since the baseline run."""
    since = ctx.watermark(table.name)
    if since is not None and not ctx.reads_mirrors and not log_covers(ctx, table):
        return None
    return since


def _extract_table(
    client: Client, ctx: RunContext, source: SourceDatabase, table: TelemetryTable, since: dt.datetime | None
) -> int | None:
    """Copies the rows received after ``since`` (all of them for None, a full copy); returns how
    many source rows were read (None: all)."""
    params = {**ctx.parameters(), **source.parameters()}
    rows = f"SELECT * FROM {source.table(table.name)}"
    if since is not None:
        rows = source.rows_changed_since(table.name, "received_at", "since")
        params["since"] = source.timestamp_parameter(since)
        params["since_time"] = params["since"]
    select = table.select(source).replace("{rows}", rows)
    columns = ", ".join(table.columns)
    if since is None:
        staging = f"{table.target}_next"
        client.command(f"TRUNCATE TABLE {{db:Identifier}}.{staging}", parameters=params)
        client.command(f"INSERT INTO {{db:Identifier}}.{staging} ({columns}) {select}", parameters=params)
        client.command(
            f"EXCHANGE TABLES {{db:Identifier}}.{table.target} AND {{db:Identifier}}.{staging}",
            parameters=params,
        )
        client.command(f"TRUNCATE TABLE {{db:Identifier}}.{staging}", parameters=params)
        return None
    # Rows in the overlap that an earlier run already copied are skipped by id.
    client.command(
        f"INSERT INTO {{db:Identifier}}.{table.target} ({columns}) "
        f"SELECT * FROM ({select}) WHERE src_id NOT IN ("
        f"SELECT id FROM {{db:Identifier}}.{table.target} "
        f"WHERE received_at >= {{since_time:DateTime64(6, 'UTC')}})",
        parameters=params,
    )
    return client.query(f"SELECT count() FROM ({rows})", parameters=params).result_rows[0][0]


def _loaded_rows_by_reason(client: Client, ctx: RunContext, table: TelemetryTable) -> dict[str, int]:
    """Rows this run copied, by rejection reason ('' = valid)."""
    rows = client.query(
        f"""
        SELECT multiIf(reject_reason != '', reject_reason,
                       prosthetic_id NOT IN (SELECT id FROM {{db:Identifier}}.etl_prosthetics_next),
                       'unknown_prosthetic', '') AS reason,
               count()
        FROM {{db:Identifier}}.{table.target}
        WHERE run_id = {{run_id:UInt64}}
        GROUP BY reason ORDER BY reason""",
        parameters=ctx.parameters(),
    ).result_rows
    return {reason: count for reason, count in rows}


def _watermark(client: Client, ctx: RunContext, table: TelemetryTable) -> str:
    """The newest received_at this run copied (every row, for a full run), never behind the last
    watermark: rows of earlier runs are at or behind it, and reading them would scan the table."""
    latest = client.query(
        f"SELECT max(received_at) FROM {{db:Identifier}}.{table.target} WHERE run_id = {{run_id:UInt64}}",
        parameters=ctx.parameters(),
    ).result_rows[0][0]
    return capped_watermark(latest, ctx, previous=ctx.baseline_watermarks.get(table.name))
