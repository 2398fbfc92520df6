"""Step 1, extract CRM: ClickHouse copies the CRM columns the marts need into ``etl_<table>_next``.

A nightly run reads only rows whose ``updated_at`` is past the baseline's watermark, plus the list
of ids the CRM has now (CRM tables are small; the id list is how deletions show up), and carries
over the committed copy of every row that still exists and did not change. A full run copies
everything. ``etl_<table>`` (what the marts were built from) is replaced by ``_next`` only in the
load step, after the marts are published, so a run that dies on the way changes nothing here.

A run reading the change feed's mirrors reads, instead of the rows past ``updated_at``, every row
with a mirror version newer than the baseline read (``<table>@version``, an LSN), so an UPDATE
that leaves updated_at alone counts too; a table whose mirror has nothing newer is carried over
whole without reading it, and ``changes`` skips it (most ticks bring telemetry only).

A row that breaks one of DESIGN's rules (``Rule``: a negative or unreadable amount, an unreadable
or missing date, a status outside the documented values, ...) is left out of the copy, so out of
every metric, and counted per reason in the run record like rejected telemetry: by the run that
read it (a nightly run reads the rows changed since its watermark).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clickhouse_connect.driver import Client

from portal.etl.context import RunContext, ch_time
from portal.etl.session import etl_clickhouse
from portal.etl.sources import SourceDatabase, crm
from portal.etl.steps.telemetry_revisions import version_key


@dataclass(frozen=True)
class Rule:
    """One of DESIGN's rules for a CRM column; a row that breaks it is rejected with a reason named
    after the column: ``missing_<column>`` (NULL where a value is required), ``unreadable_<column>``
    (not a date, a timestamp or a number), ``negative_<column>``, ``unknown_<column>`` (not one of
    the documented values)."""

    column: str
    kind: str  # sources.SourceDatabase.column kind
    required: bool = True
    not_negative: bool = False
    one_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class CrmTable:
    name: str
    # Column -> kind (see sources.SourceDatabase.column); id and updated_at are always copied.
    columns: dict[str, str]
    rules: tuple[Rule, ...] = ()

    @property
    def committed(self) -> str:
        return f"etl_{self.name}"

    @property
    def next(self) -> str:
        return f"etl_{self.name}_next"


CRM_TABLES = (
    CrmTable("users", {"created_at": "datetime"}, rules=(Rule("created_at", "datetime"),)),
    CrmTable(
        "prosthetics",
        {
            "user_id": "int",
            "serial_number": "string",
            "model": "string",
            "limb": "string",
            "activated_at": "datetime",
        },
        rules=(
            Rule("activated_at", "datetime"),
            Rule("limb", "string", one_of=("left_arm", "right_arm", "left_leg", "right_leg")),
            Rule("status", "string", one_of=("active", "maintenance", "retired")),
        ),
    ),
    CrmTable(
        "subscriptions",
        {"user_id": "int", "monthly_cost": "decimal", "started_on": "date", "ended_on": "date"},
        rules=(
            Rule("monthly_cost", "decimal", not_negative=True),
            Rule("started_on", "date"),
            Rule("ended_on", "date", required=False),
            Rule("plan", "string", one_of=("basic", "standard", "premium")),
            Rule("status", "string", one_of=("active", "cancelled", "expired")),
        ),
    ),
    CrmTable(
        "payments",
        {"user_id": "int", "amount": "decimal", "status": "string", "paid_at": "datetime"},
        rules=(
            Rule("amount", "decimal", not_negative=True),
            Rule("paid_at", "datetime"),
            Rule("status", "string", one_of=("success", "failed", "pending", "refunded")),
        ),
    ),
    CrmTable(
        "support_tickets",
        {"user_id": "int", "created_at": "datetime", "resolved_at": "datetime"},
        rules=(
            Rule("created_at", "datetime"),
            Rule("resolved_at", "datetime", required=False),
            Rule("priority", "string", one_of=("low", "normal", "high", "critical")),
            Rule("status", "string", one_of=("open", "in_progress", "resolved", "closed")),
        ),
    ),
)


def reject_reason(source: SourceDatabase, table: CrmTable) -> str:
    """ClickHouse expression: the first rule the source row breaks, or ''."""
    conditions = []
    for rule in table.rules:
        raw, value = rule.column, source.column(rule.column, rule.kind)
        if rule.required:
            conditions.append((f"{raw} IS NULL", f"missing_{rule.column}"))
        if rule.one_of:
            values = ", ".join(f"'{v}'" for v in rule.one_of)
            conditions.append(
                (f"{raw} IS NOT NULL AND toString({raw}) NOT IN ({values})", f"unknown_{rule.column}")
            )
            continue
        conditions.append((f"{raw} IS NOT NULL AND {value} IS NULL", f"unreadable_{rule.column}"))
        if rule.not_negative:
            conditions.append((f"{value} < 0", f"negative_{rule.column}"))
    if not conditions:
        return "''"
    return "multiIf(" + ", ".join(f"{cond}, '{reason}'" for cond, reason in conditions) + ", '')"


def extract_crm(ctx: RunContext) -> dict:
    source = crm(mirrors=ctx.reads_mirrors)
    with source.visible(), etl_clickhouse() as client:
        # Read before any row: a change drained meanwhile has a later version and is read again.
        versions = mirror_versions(client, ctx, [table.name for table in CRM_TABLES])
        for working in ("etl_crm_ids", "etl_crm_rejects"):
            client.command(
                f"TRUNCATE TABLE IF EXISTS {{db:Identifier}}.{working}", parameters={"db": ctx.database}
            )
        unchanged = [
            table.name
            for table in CRM_TABLES
            if not _extract_table(client, ctx, source, table, through=versions.get(table.name))
        ]
        tables = _table_figures(client, ctx)
        rejected = _rejected(client, ctx)
    watermarks = {
        name: capped_watermark(figures.pop("latest"), ctx, previous=ctx.baseline_watermarks.get(name))
        for name, figures in tables.items()
    }
    for table in CRM_TABLES:
        key = version_key(table.name)
        if table.name in versions:
            watermarks[key] = str(versions[table.name])
        elif key in ctx.baseline_watermarks:  # read from the source: the mirrors' window stays open
            watermarks[key] = ctx.baseline_watermarks[key]
    return {
        "read": sum(t["changed"] + t["ids"] for t in tables.values()) + sum(rejected.values()),
        "written": sum(t["rows"] for t in tables.values()),
        "tables": tables,
        "rejected": rejected,
        "watermarks": watermarks,
        "unchanged": unchanged,  # carried over whole: no month of theirs to recompute (changes.py)
    }


def mirror_versions(client: Client, ctx: RunContext, tables: list[str]) -> dict[str, int]:
    """The newest change-feed version in each table's mirror, for a run that reads the mirrors."""
    if not ctx.reads_mirrors:
        return {}
    rows = client.query(
        " UNION ALL ".join(
            f"SELECT '{name}', max(_version) FROM {{db:Identifier}}.mirror_{name}" for name in tables
        ),
        parameters=ctx.parameters(),
    ).result_rows
    return {name: int(version) for name, version in rows}


def _unchanged_since_baseline(ctx: RunContext, table: CrmTable, through: int | None) -> bool:
    """The mirror holds no version newer than what the baseline run read of it: the committed copy
    is this run's copy (most ticks bring telemetry only)."""
    applied = ctx.baseline_watermarks.get(version_key(table.name))
    return through is not None and applied is not None and not ctx.is_full and through <= int(applied)


def _changed_rows(ctx: RunContext, source: SourceDatabase, table: CrmTable, params: dict) -> str:
    """The rows to read: all of them (a full run), those with a mirror version newer than the
    baseline read (every committed change, even an UPDATE that leaves updated_at alone), or else
    those changed since the updated_at watermark."""
    since = ctx.watermark(table.name)
    if since is None:
        return f"SELECT * FROM {source.table(table.name)}"
    applied = ctx.baseline_watermarks.get(version_key(table.name))
    if source.kind == "mirror" and applied is not None:
        params["since_version"] = int(applied)
        mirror = f"{{db:Identifier}}.mirror_{table.name}"
        return (
            f"SELECT * FROM {mirror} FINAL WHERE _is_deleted = 0 AND id IN "
            f"(SELECT id FROM {mirror} WHERE _version > {{since_version:UInt64}})"
        )
    params["since"] = source.timestamp_parameter(since)
    return source.rows_changed_since(table.name, "updated_at", "since")


def _extract_table(
    client: Client, ctx: RunContext, source: SourceDatabase, table: CrmTable, *, through: int | None
) -> bool:
    """Builds the table's copy for this run; False when it is the committed copy, unread."""
    params = {**ctx.parameters(), **source.parameters()}
    client.command(f"TRUNCATE TABLE {{db:Identifier}}.{table.next}", parameters=params)
    if _unchanged_since_baseline(ctx, table, through):
        client.command(
            f"INSERT INTO {{db:Identifier}}.{table.next} SELECT * FROM {{db:Identifier}}.{table.committed}",
            parameters=params,
        )
        return False
    rows = _changed_rows(ctx, source, table, params)
    since = ctx.watermark(table.name)
    columns = ["id", *table.columns, "updated_at"]
    kinds = {"id": "int", **table.columns, "updated_at": "datetime"}
    values = ", ".join(f"{source.column(name, kinds[name])} AS v_{name}" for name in columns)
    # The inner query filters on the source's own columns, so the condition reaches the source.
    checked = f"SELECT {values}, {reject_reason(source, table)} AS reject_reason FROM ({rows})"
    client.command(
        f"INSERT INTO {{db:Identifier}}.{table.next} ({', '.join(columns)}) "
        f"SELECT {', '.join(f'v_{name}' for name in columns)} FROM ({checked}) WHERE reject_reason = ''",
        parameters=params,
    )
    client.command(
        f"INSERT INTO {{db:Identifier}}.etl_crm_rejects (source_table, id, reason) "
        f"SELECT '{table.name}', v_id, reject_reason FROM ({checked}) WHERE reject_reason != ''",
        parameters=params,
    )
    if since is None:
        return True
    client.command(
        f"INSERT INTO {{db:Identifier}}.etl_crm_ids (source_table, id) "
        f"SELECT '{table.name}', toInt64(id) FROM {source.table(table.name)}",
        parameters=params,
    )
    client.command(
        f"INSERT INTO {{db:Identifier}}.{table.next} SELECT * FROM {{db:Identifier}}.{table.committed} "
        f"WHERE id IN (SELECT id FROM {{db:Identifier}}.etl_crm_ids WHERE source_table = '{table.name}') "
        f"AND id NOT IN (SELECT id FROM {{db:Identifier}}.{table.next}) "
        # A row that changed and now breaks a rule is out, not carried over in its old version.
        f"AND id NOT IN (SELECT id FROM {{db:Identifier}}.etl_crm_rejects "
        f"WHERE source_table = '{table.name}')",
        parameters=params,
    )
    return True


def _table_figures(client: Client, ctx: RunContext) -> dict[str, dict]:
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


def _rejected(client: Client, ctx: RunContext) -> dict[str, int]:
    """Rows this run read and rejected, per "table.reason"."""
    rows = client.query(
        "SELECT concat(source_table, '.', reason), count() FROM {db:Identifier}.etl_crm_rejects "
        "GROUP BY 1 ORDER BY 1",
        parameters=ctx.parameters(),
    ).result_rows
    return {reason: count for reason, count in rows}


def capped_watermark(latest: dt.datetime, ctx: RunContext, *, previous: str | None) -> str:
    """Never later than the run's start (a source clock ahead of ours must not hide later changes),
    never behind the previous watermark."""
    latest = latest if latest.tzinfo else latest.replace(tzinfo=dt.UTC)
    candidates = [min(latest, ctx.started_at)]
    if previous and not ctx.is_full:
        candidates.append(dt.datetime.fromisoformat(previous))
    return max(candidates).isoformat()
