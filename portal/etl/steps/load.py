"""Step 5, load: copy each rebuilt month from staging into its mart under a new load id, publish
all of them at once, then make this run's CRM copy the committed one.

Readers see a month's rows of its latest published load (``clickhouse.publication``), so:

1. a new ``load_id`` is reserved (one row in ``mart_loads``), so a load that dies and the load
   after it never share an id;
2. the months' rows are copied from staging into the marts tagged with it, a batch of months per
   INSERT (``plan.month_batches``); nobody sees them yet;
3. one INSERT into ``mart_loads`` publishes every rebuilt month of both marts: readers switch from
   the old rows to the new ones for all of them at once. A month rebuilt without rows (its only
   customer was deleted; for a full run, every month no longer produced) is published empty;
4. the deletion of rows no reader can see any more (superseded, or left by a load that died before
   step 3) is queued (readers never depend on it), then the CRM copy is committed.

A run killed anywhere before step 3 leaves what readers see untouched; the next run recomputes the
same months (the CRM copy and the baseline did not move) and publishes them. Killed after step 3,
readers already see this run's months whole; the next run recomputes and publishes them again.
Nothing here rewrites or swaps a part in place, so a kill cannot leave two copies of a month
visible, and both marts of a month always come from the same published load.
"""

from __future__ import annotations

import datetime as dt
import re

from clickhouse_connect.driver import Client

from portal.clickhouse.marts import PROSTHETIC_MONTHLY, USER_MONTHLY
from portal.clickhouse.publication import LOADS_TABLE, RESERVED, live_rows
from portal.clickhouse.schema import local_table, on_cluster
from portal.etl.context import RunContext
from portal.etl.plan import month_batches
from portal.etl.session import etl_clickhouse
from portal.etl.steps.extract_crm import CRM_TABLES

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MARTS = (
    (USER_MONTHLY.table, "etl_stage_user_monthly_metrics", "transform_user_metrics"),
    (PROSTHETIC_MONTHLY.table, "etl_stage_prosthetic_monthly_metrics", "transform_prosthetic_metrics"),
)
RESERVED_MONTH = dt.date(1970, 1, 1)


def load(ctx: RunContext) -> dict:
    with etl_clickhouse() as client:
        load_id = reserve_load_id(client, ctx)
    marts, publication = {}, []
    for mart, stage, transform_step in MARTS:
        months = [dt.date.fromisoformat(f"{m}-01") for m in ctx.steps[transform_step]["months"]]
        marts[mart] = copy_months(ctx, load_id=load_id, mart=mart, stage=stage, months=months)
        publication += [(mart, month) for month in marts[mart].pop("published")]
    with etl_clickhouse() as client:
        publish(client, ctx, load_id=load_id, months=publication)
        removed = {mart: remove_invisible_rows(client, ctx, mart=mart) for mart, _, _ in MARTS}
        if not ctx.is_range:
            commit_crm_copy(client, ctx)
    for mart, count in removed.items():
        marts[mart]["removed"] = count
    written = sum(m["written"] for m in marts.values())
    return {"read": written, "written": written, "load_id": load_id, "marts": marts}


def reserve_load_id(client: Client, ctx: RunContext) -> int:
    params = ctx.parameters()
    latest = client.query(f"SELECT max(load_id) FROM {{db:Identifier}}.{LOADS_TABLE}", parameters=params)
    load_id = int(latest.result_rows[0][0]) + 1
    client.insert(
        f"{ctx.database}.{LOADS_TABLE}",
        [[RESERVED, RESERVED_MONTH, load_id]],
        column_names=["mart", "month", "load_id"],
    )
    return load_id


def copy_months(ctx: RunContext, *, load_id: int, mart: str, stage: str, months: list[dt.date]) -> dict:
    """Staged rows of ``months`` into the mart under ``load_id``; returns the figures and the months
    to publish (for a full run also every month readers see that it no longer produces)."""
    params = ctx.parameters()
    with etl_clickhouse() as client:
        columns = ", ".join(stage_columns(client, ctx, stage))
        staged = dict(
            client.query(
                f"SELECT month, count() FROM {{db:Identifier}}.{stage} GROUP BY month", parameters=params
            ).result_rows
        )
        published = set(months)
        if ctx.is_full:
            live = client.query(
                f"SELECT DISTINCT month FROM {{db:Identifier}}.{mart} WHERE {live_rows(mart)}",
                parameters=params,
            ).result_rows
            published |= {month for (month,) in live}
    for batch in month_batches([m for m in months if m in staged]):
        with etl_clickhouse() as client:
            client.command(
                f"INSERT INTO {{db:Identifier}}.{mart} ({columns}, load_id) "
                f"SELECT {columns}, {{load_id:UInt64}} FROM {{db:Identifier}}.{stage} "
                f"WHERE has({{months:Array(Date)}}, month)",
                parameters={**params, "load_id": load_id, "months": batch},
                settings=_insert_settings(),
            )
    empty = sorted(published - set(staged))
    return {
        "months": len(months),
        "written": sum(staged.get(m, 0) for m in months),
        "dropped": [m.strftime("%Y%m") for m in empty],
        "published": sorted(published),
    }


def stage_columns(client: Client, ctx: RunContext, stage: str) -> list[str]:
    """The mart's ordinary columns, in order (the staging copy has exactly these)."""
    rows = client.query(
        "SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String} "
        "AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY position",
        parameters={"db": ctx.database, "t": stage},
    ).result_rows
    return [quoted_identifier(name) for (name,) in rows]


def publish(client: Client, ctx: RunContext, *, load_id: int, months: list[tuple[str, dt.date]]) -> None:
    """One INSERT, one part: readers see all of these months switch at once, or none."""
    if months:
        client.insert(
            f"{ctx.database}.{LOADS_TABLE}",
            [[mart, month, load_id] for mart, month in months],
            column_names=["mart", "month", "load_id"],
        )


def remove_invisible_rows(client: Client, ctx: RunContext, *, mart: str) -> int:
    """Queue the deletion of rows no reader sees any more; returns how many there are.

    An asynchronous mutation: readers do not depend on it, so the load does not wait for it (a
    synchronous delete made the nightly load step wait a minute on a busy machine). While one is
    still pending, no second one is queued."""
    params = ctx.parameters()
    hidden = client.query(
        f"SELECT count() FROM {{db:Identifier}}.{mart} WHERE NOT {live_rows(mart)}", parameters=params
    ).result_rows[0][0]
    pending = client.query(
        "SELECT count() FROM system.mutations WHERE database = {db:String} AND table = {t:String} "
        "AND NOT is_done",
        parameters={"db": ctx.database, "t": local_table(mart)},
    ).result_rows[0][0]
    if hidden and not pending:
        # A mutation changes only the parts that exist when it is queued, so rows a later load is
        # still copying are never touched; of the older rows it deletes only invisible ones, and an
        # invisible row never becomes visible again. The subquery makes it "non-deterministic"
        # for a replicated table, which is what is wanted here.
        client.command(
            f"ALTER TABLE {{db:Identifier}}.{local_table(mart)} {on_cluster()} "
            f"DELETE WHERE NOT {live_rows(mart)}",
            parameters=params,
            settings={"mutations_sync": 0, "allow_nondeterministic_mutations": 1},
        )
    return hidden


def commit_crm_copy(client: Client, ctx: RunContext) -> None:
    """etl_<table> := etl_<table>_next, each table in one atomic rename (``EXCHANGE TABLES``; a part
    swap could leave both copies' rows behind when killed). The old copy lands in ``_next``, which
    the next extract empties first. ``etl_crm_commits`` records each exchange, so a retried load
    step of the same run does not exchange a table back."""
    params = ctx.parameters()
    done = client.query(
        "SELECT source_table FROM {db:Identifier}.etl_crm_commits WHERE run_id = {run_id:UInt64}",
        parameters=params,
    ).result_rows
    for table in CRM_TABLES:
        if (table.name,) in done:
            continue
        client.command(
            f"EXCHANGE TABLES {{db:Identifier}}.{table.committed} AND {{db:Identifier}}.{table.next}",
            parameters=params,
        )
        client.insert(
            f"{ctx.database}.etl_crm_commits",
            [[ctx.run_id, table.name]],
            column_names=["run_id", "source_table"],
        )


def _insert_settings() -> dict:
    settings: dict = {"insert_allow_materialized_columns": 1}
    if on_cluster():
        settings["distributed_foreground_insert"] = 1
    return settings


def quoted_identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a ClickHouse identifier: {name!r}")
    return f"`{name}`"
