"""Telemetry rows changed in place or deleted, as the change feed's mirrors bring them.

Telemetry is read by ``received_at``, which finds new rows only. A run that reads the mirrors
also takes every row whose mirror version is newer than what the baseline run applied (the
``<table>@version`` watermark, an LSN), in three idempotent statements:

1. the row's version in ``etl_<table>`` is copied to ``etl_<table>_removed``, stamped with this
   run, so rule 3 of ``changes.py`` rebuilds the months it counted in (removing a row touches the
   same months as adding it);
2. that version is deleted from ``etl_<table>``;
3. the mirror's current version, unless deleted, is validated and inserted, stamped with this run.

A run killed anywhere in between leaves the stamps of a run that never became a baseline, so the
next run covers those months and redoes the window. The first run on the mirrors starts the
window at the feed's initial copy. Runs that read the sources themselves (the nightly run, runs
without the feed) carry the watermark forward unchanged: the next run reading the mirrors
applies what they did not see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clickhouse_connect.driver import Client

from portal.etl.context import RunContext
from portal.etl.sources import SourceDatabase

if TYPE_CHECKING:  # extract_telemetry imports this module
    from portal.etl.steps.extract_telemetry import TelemetryTable


def version_key(table: str) -> str:
    return f"{table}@version"


def apply_revisions(
    client: Client, ctx: RunContext, source: SourceDatabase, table: TelemetryTable
) -> tuple[int, str | None]:
    """Applies the window of mirror versions; returns (rows revised, the new version watermark)."""
    key = version_key(table.name)
    previous = ctx.baseline_watermarks.get(key)
    if not ctx.reads_mirrors:
        return 0, previous
    params = {**ctx.parameters(), **source.parameters()}
    mirror = f"mirror_{table.name}"
    (through,) = client.query(
        f"SELECT max(_version) FROM {{db:Identifier}}.{mirror}", parameters=params
    ).result_rows[0]
    _forget_covered_removals(client, ctx, table)
    since = previous if previous is not None else _snapshot_version(client, ctx)
    if ctx.is_full or since is None:
        return 0, str(through)  # a full copy, or no mirror yet: nothing to revise
    params.update(since=int(since), through=int(through))
    window = (
        f"SELECT DISTINCT id FROM {{db:Identifier}}.{mirror} "
        "WHERE _version > {since:UInt64} AND _version <= {through:UInt64}"
    )
    (present,) = client.query(
        f"SELECT count() FROM {{db:Identifier}}.{table.target} WHERE id IN ({window})", parameters=params
    ).result_rows[0]
    if present:
        columns = ", ".join(column for column in table.columns if column != "run_id")
        client.command(
            f"INSERT INTO {{db:Identifier}}.{table.target}_removed ({columns}, run_id) "
            f"SELECT {columns}, {{run_id:UInt64}} FROM {{db:Identifier}}.{table.target} "
            f"WHERE id IN ({window})",
            parameters=params,
        )
        client.command(
            f"DELETE FROM {{db:Identifier}}.{table.target} WHERE id IN ({window})", parameters=params
        )
    rows = f"SELECT * FROM {source.table(table.name)} WHERE id IN ({window})"
    client.command(
        f"INSERT INTO {{db:Identifier}}.{table.target} ({', '.join(table.columns)}) "
        + table.select(source).replace("{rows}", rows),
        parameters=params,
    )
    return present, str(through)


def _forget_covered_removals(client: Client, ctx: RunContext, table: TelemetryTable) -> None:
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
