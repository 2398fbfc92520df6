"""Step 1, extract CRM: ClickHouse copies the CRM columns the marts need into ``etl_<table>_next``.

A nightly run reads only rows whose ``updated_at`` is past the baseline's watermark, plus the list
of ids the CRM has now (CRM tables are small; the id list is how deletions show up), and carries
over the committed copy of every row that still exists and did not change. A full run copies
everything. ``etl_<table>`` (what the marts were built from) is replaced by ``_next`` only in the
load step, after the marts are swapped, so a run that dies on the way changes nothing here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.etl.context import RunContext, ch_time
from portal.etl.session import etl_clickhouse
from portal.etl.sources import SourceDatabase, crm


@dataclass(frozen=True)
class CrmTable:
    name: str
    # Column -> kind (see sources.SourceDatabase.column); id and updated_at are always copied.
    columns: dict[str, str]

    @property
    def committed(self) -> str:
        return f"etl_{self.name}"

    @property
    def next(self) -> str:
        return f"etl_{self.name}_next"


CRM_TABLES = (
    CrmTable("users", {"created_at": "datetime"}),
    CrmTable(
        "prosthetics",
        {
            "user_id": "int",
            "serial_number": "string",
            "model": "string",
            "limb": "string",
            "activated_at": "datetime",
        },
    ),
    CrmTable(
        "subscriptions",
        {"user_id": "int", "monthly_cost": "decimal", "started_on": "date", "ended_on": "date"},
    ),
    CrmTable("payments", {"user_id": "int", "amount": "decimal", "status": "string", "paid_at": "datetime"}),
    CrmTable("support_tickets", {"user_id": "int", "created_at": "datetime", "resolved_at": "datetime"}),
)


def extract_crm(ctx: RunContext) -> dict:
    source = crm(mirrors=ctx.reads_mirrors)
    with etl_clickhouse() as client:
        client.command(
            "TRUNCATE TABLE IF EXISTS {db:Identifier}.etl_crm_ids", parameters={"db": ctx.database}
        )
        for table in CRM_TABLES:
            _extract_table(client, ctx, source, table)
        tables = _table_figures(client, ctx)
    watermarks = {
        name: capped_watermark(figures.pop("latest"), ctx, previous=ctx.baseline_watermarks.get(name))
        for name, figures in tables.items()
    }
    return {
        "read": sum(t["changed"] + t["ids"] for t in tables.values()),
        "written": sum(t["rows"] for t in tables.values()),
        "tables": tables,
        "watermarks": watermarks,
    }


def _extract_table(client, ctx: RunContext, source: SourceDatabase, table: CrmTable) -> None:
    params = {**ctx.parameters(), **source.parameters()}
    source.make_visible()
    client.command(f"TRUNCATE TABLE {{db:Identifier}}.{table.next}", parameters=params)
    since = ctx.watermark(table.name)
    where = ""
    if since is not None:
        where = "WHERE " + source.changed_since("updated_at", "since")
        params["since"] = source.timestamp_parameter(since)
    columns = ["id", *table.columns, "updated_at"]
    kinds = {"id": "int", **table.columns, "updated_at": "datetime"}
    select = ", ".join(source.column(name, kinds[name]) for name in columns)
    # The inner query filters on the source's own columns, so the condition reaches the source.
    client.command(
        f"INSERT INTO {{db:Identifier}}.{table.next} ({', '.join(columns)}) "
        f"SELECT {select} FROM (SELECT * FROM {source.table(table.name)} {where})",
        parameters=params,
    )
    if since is None:
        return
    client.command(
        f"INSERT INTO {{db:Identifier}}.etl_crm_ids (source_table, id) "
        f"SELECT '{table.name}', toInt64(id) FROM {source.table(table.name)}",
        parameters=params,
    )
    client.command(
        f"INSERT INTO {{db:Identifier}}.{table.next} SELECT * FROM {{db:Identifier}}.{table.committed} "
        f"WHERE id IN (SELECT id FROM {{db:Identifier}}.etl_crm_ids WHERE source_table = '{table.name}') "
        f"AND id NOT IN (SELECT id FROM {{db:Identifier}}.{table.next})",
        parameters=params,
    )


def _table_figures(client, ctx: RunContext) -> dict[str, dict]:
    """Per CRM table, in one query: rows read from the source (changed since the watermark), ids
    listed, rows in this run's copy, and the latest updated_at."""
    parts = []
    params = ctx.parameters()
    for table in CRM_TABLES:
        since = ctx.watermark(table.name)
        changed = "count()"
        if since is not None:
            params[f"since_{table.name}"] = ch_time(since)
            changed = f"countIf(updated_at > {{since_{table.name}:DateTime64(6, 'UTC')}})"
        parts.append(
            f"SELECT '{table.name}', {changed}, "
            f"(SELECT count() FROM {{db:Identifier}}.etl_crm_ids WHERE source_table = '{table.name}'), "
            f"count(), max(updated_at) FROM {{db:Identifier}}.{table.next}"
        )
    rows = client.query(" UNION ALL ".join(parts), parameters=params).result_rows
    return {
        name: {"changed": changed, "ids": ids, "rows": count, "latest": latest}
        for name, changed, ids, count, latest in rows
    }


def capped_watermark(latest: dt.datetime, ctx: RunContext, *, previous: str | None) -> str:
    """Never later than the run's start (a source clock ahead of ours must not hide later changes),
    never behind the previous watermark."""
    latest = latest if latest.tzinfo else latest.replace(tzinfo=dt.UTC)
    candidates = [min(latest, ctx.started_at)]
    if previous and not ctx.is_full:
        candidates.append(dt.datetime.fromisoformat(previous))
    return max(candidates).isoformat()
