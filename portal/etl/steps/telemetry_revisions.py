"""Telemetry rows changed in place or deleted after a run copied them.

Telemetry is read by ``received_at``, which finds new rows only. Two ways find the others:

- A run that reads the change feed's mirrors takes every row whose mirror version is newer than
  what the baseline run applied (the ``<table>@version`` watermark, an LSN): updates and deletions
  alike (``apply_revisions``).
- A run that reads a source by watermark (SQLite, PostgreSQL without logical replication) reads the
  rows the source's change log names (``portal/telemetry/models.py``: a trigger logs each row
  updated in place) since the baseline run, less the overlap, through the view
  ``telemetry_changed_<table>``, and replaces the copies that differ from them
  (``apply_logged_changes``; the ``<table>@changed`` watermark is the instant the baseline run
  started). A row re-read unchanged, as every row in the overlap is, touches nothing. Deletions
  are found by counting: when the copy has more rows than the source, the ids the source no
  longer has are taken out (``remove_deleted_rows``). The log is pruned after
  ``ROW_CHANGES_KEPT``; a baseline older than that reads the table in full.

Taking a row out is two idempotent statements: its version in ``etl_<table>`` is copied to
``etl_<table>_removed``, stamped with this run, so rule 3 of ``changes.py`` rebuilds the months it
counted in (removing a row touches the same months as adding it); then it is deleted from
``etl_<table>``. The new version, unless deleted, is then validated and inserted, stamped with
this run.

A run killed anywhere in between leaves the stamps of a run that never became a baseline, so the
next run covers those months and redoes the window. The first run on the mirrors starts the
window at the feed's initial copy. Runs that read the sources themselves (the nightly run, runs
without the feed) carry the version watermark forward unchanged: the next run reading the mirrors
applies what they did not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from clickhouse_connect.driver import Client

from portal.etl.context import RunContext
from portal.etl.sources import SourceDatabase
from portal.telemetry.models import ROW_CHANGES_KEPT, RowChange

if TYPE_CHECKING:  # extract_telemetry imports this module
    from portal.etl.steps.extract_telemetry import TelemetryTable


INT64_MAX = 2**63 - 1


def version_key(table: str) -> str:
    return f"{table}@version"


def changed_key(table: str) -> str:
    return f"{table}@changed"


def log_covers(ctx: RunContext, table: TelemetryTable) -> bool:
    """Whether the source's change log still holds every update since the baseline run (it keeps
    ``ROW_CHANGES_KEPT``). A baseline without the watermark predates the log, which then holds
    every change since it was created."""
    since = ctx.watermark(changed_key(table.name))
    return since is None or since > ctx.started_at - ROW_CHANGES_KEPT


@dataclass(frozen=True)
class Revisions:
    revised: int  # rows taken out (updated or deleted in place)
    watermark: str | None  # the new <table>@version
    # Every row changed since the baseline run is in the window (new rows included): the baseline
    # applied the mirrors up to its watermark, or read the sources, which held at least as much.
    # Only a window that starts at the feed's initial copy may miss rows the baseline never saw.
    complete: bool = False


def apply_revisions(
    client: Client, ctx: RunContext, source: SourceDatabase, table: TelemetryTable
) -> Revisions:
    """Applies the window of mirror versions since the baseline's watermark."""
    key = version_key(table.name)
    previous = ctx.baseline_watermarks.get(key)
    if not ctx.reads_mirrors:
        return Revisions(0, previous)
    params = {**ctx.parameters(), **source.parameters()}
    mirror = f"mirror_{table.name}"
    (through,) = client.query(
        f"SELECT max(_version) FROM {{db:Identifier}}.{mirror}", parameters=params
    ).result_rows[0]
    since = previous if previous is not None else _snapshot_version(client, ctx)
    if ctx.is_full or since is None:
        return Revisions(0, str(through))  # a full copy, or no mirror yet: nothing to revise
    params.update(since=int(since), through=int(through))
    window = (
        f"SELECT DISTINCT id FROM {{db:Identifier}}.{mirror} "
        "WHERE _version > {since:UInt64} AND _version <= {through:UInt64}"
    )
    present = _take_out(client, table, ids=window, params=params)
    rows = f"SELECT * FROM {source.table(table.name)} WHERE id IN ({window})"
    client.command(
        f"INSERT INTO {{db:Identifier}}.{table.target} ({', '.join(table.columns)}) "
        + table.select(source).replace("{rows}", rows),
        parameters=params,
    )
    return Revisions(present, str(through), complete=previous is not None)


def apply_logged_changes(
    client: Client, ctx: RunContext, source: SourceDatabase, table: TelemetryTable
) -> int:
    """A source read by watermark: replaces the copies of the rows updated in place since the
    baseline run; returns how many it replaced.

    The changed rows are validated into ``etl_<table>_next`` (free outside a full copy), compared
    there with the copy, and only those that differ, or were never copied, are taken out and put
    back, so re-reading the overlap touches no month."""
    since = ctx.watermark(changed_key(table.name))
    logged = RowChange.objects.using(source.alias).filter(table_name=table.name)
    if not (logged if since is None else logged.filter(changed_at__gt=since)).exists():
        return 0  # the usual case, asked of the source itself: not one ClickHouse statement
    params = {**ctx.parameters(), **source.parameters()}
    view = f"telemetry_changed_{table.name}"
    rows = f"SELECT * FROM {source.table(view)}"
    if since is not None:
        rows = source.rows_changed_since(view, "row_changed_at", "changed_since")
        params["changed_since"] = source.timestamp_parameter(since)
    target, staging = f"{{db:Identifier}}.{table.target}", f"{{db:Identifier}}.{table.target}_next"
    columns = ", ".join(table.columns)
    compared = ", ".join(column for column in table.columns if column != "run_id")
    client.command(f"TRUNCATE TABLE {staging}", parameters=params)
    client.command(
        f"INSERT INTO {staging} ({columns}) " + table.select(source).replace("{rows}", rows),
        parameters=params,
    )
    changed = client.query(
        f"SELECT DISTINCT id FROM {staging} WHERE ({compared}) NOT IN "
        f"(SELECT {compared} FROM {target} WHERE id IN (SELECT id FROM {staging}))",
        parameters=params,
    ).result_rows
    replaced = 0
    if changed:
        params["changed_ids"] = [row[0] for row in changed]
        ids = "SELECT arrayJoin({changed_ids:Array(Int64)})"
        replaced = _take_out(client, table, ids=ids, params=params)
        client.command(
            f"INSERT INTO {target} ({columns}) SELECT DISTINCT {columns} FROM {staging} WHERE id IN ({ids})",
            parameters=params,
        )
    client.command(f"TRUNCATE TABLE {staging}", parameters=params)
    return replaced


def remove_deleted_rows(
    client: Client,
    ctx: RunContext,
    source: SourceDatabase,
    table: TelemetryTable,
    counted: tuple[int, int | None] | None,
) -> int:
    """A source read by watermark: takes out the rows the source deleted; returns how many.

    ``counted`` is the source's (rows, newest id) as this run reads it, taken before its new rows
    were copied. The rows to compare are those of the copy the source had to hold then: up to that
    id, and any earlier run's row past it (ids are never reused, so such a row was deleted, as
    when the newest rows go). A row this run copied past that id came in after the count. Only
    when the copy holds more of them than the source has rows are the ids compared, which reads
    every id of the source once."""
    if counted is None:  # read from the mirrors (they bring deletions), or a full copy
        return 0
    rows, newest = counted
    # An empty source: every copied row is gone.
    params = {**ctx.parameters(), **source.parameters(), "newest": INT64_MAX if newest is None else newest}
    compared = "(id <= {newest:Int64} OR run_id != {run_id:UInt64})"
    (copied,) = client.query(
        f"SELECT count() FROM {{db:Identifier}}.{table.target} WHERE {compared}", parameters=params
    ).result_rows[0]
    if copied <= rows:
        return 0
    gone = (
        f"SELECT id FROM {{db:Identifier}}.{table.target} WHERE {compared} "
        f"AND id NOT IN (SELECT {source.column('id', 'int')} FROM {source.table(table.name)})"
    )
    return _take_out(client, table, ids=gone, params=params)


def _take_out(client: Client, table: TelemetryTable, *, ids: str, params: dict) -> int:
    """Moves the copy's rows with the given ids to ``etl_<table>_removed``, stamped with this run."""
    (present,) = client.query(
        f"SELECT count() FROM {{db:Identifier}}.{table.target} WHERE id IN ({ids})", parameters=params
    ).result_rows[0]
    if present:
        columns = ", ".join(column for column in table.columns if column != "run_id")
        client.command(
            f"INSERT INTO {{db:Identifier}}.{table.target}_removed ({columns}, run_id) "
            f"SELECT {columns}, {{run_id:UInt64}} FROM {{db:Identifier}}.{table.target} "
            f"WHERE id IN ({ids})",
            parameters=params,
        )
        client.command(f"DELETE FROM {{db:Identifier}}.{table.target} WHERE id IN ({ids})", parameters=params)
    return present


def forget_covered_removals(client: Client, ctx: RunContext, table: TelemetryTable) -> None:
    """Removed rows the baseline run's months already account for (all of them before a full run,
    which recomputes every month) are no longer needed."""
    removed = f"{{db:Identifier}}.{table.target}_removed"
    if ctx.is_full:
        client.command(f"TRUNCATE TABLE {removed}", parameters=ctx.parameters())
        return
    covered = "run_id <= {baseline_id:UInt64}"
    (count,) = client.query(
        f"SELECT count() FROM {removed} WHERE {covered}", parameters=ctx.parameters()
    ).result_rows[0]
    if count:
        client.command(f"DELETE FROM {removed} WHERE {covered}", parameters=ctx.parameters())


def _snapshot_version(client: Client, ctx: RunContext) -> int | None:
    """The first run on the mirrors revises every change since the feed's initial copy (the
    baseline, read from the sources, may predate some of them; replaying one is harmless)."""
    rows = client.query(
        "SELECT max(version) FROM {db:Identifier}.mirror_snapshots WHERE feed = 'telemetry'",
        parameters=ctx.parameters(),
    ).result_rows
    return rows[0][0] or None
