"""Step 5, load: swap each rebuilt month from staging into its mart, atomically per month, then
make this run's CRM copy the committed one.

``ALTER TABLE mart REPLACE PARTITION ID 'YYYYMM' FROM staging`` replaces a month's rows in one
step: readers see the old month or the new one, never a mix. A month that now has no rows at all
(its only customer was deleted) is dropped. A full run also drops months no longer produced.

Order matters for a run killed here: the CRM copy is committed only after every month is swapped,
so the next run still sees those CRM changes and recomputes the same months. Months swapped before
the kill are simply swapped again with the same rows.
"""

from __future__ import annotations

import re

from clickhouse_connect.driver import Client

from portal.clickhouse.marts import PROSTHETIC_MONTHLY, USER_MONTHLY
from portal.clickhouse.schema import local_table, on_cluster
from portal.etl.context import RunContext
from portal.etl.session import etl_clickhouse
from portal.etl.steps.extract_crm import CRM_TABLES

_PARTITION_ID = re.compile(r"^\d{6}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MARTS = (
    (USER_MONTHLY.table, "etl_stage_user_monthly_metrics", "transform_user_metrics"),
    (PROSTHETIC_MONTHLY.table, "etl_stage_prosthetic_monthly_metrics", "transform_prosthetic_metrics"),
)


def load(ctx: RunContext) -> dict:
    marts = {}
    with etl_clickhouse() as client:
        for mart, stage, transform_step in MARTS:
            months = ctx.steps[transform_step]["months"]
            marts[mart] = swap_months(client, ctx, mart=mart, stage=stage, months=months)
        if not ctx.is_range:
            commit_crm_copy(client, ctx)
    return {
        "read": sum(m["written"] for m in marts.values()),
        "written": sum(m["written"] for m in marts.values()),
        "marts": marts,
    }


def swap_months(client: Client, ctx: RunContext, *, mart: str, stage: str, months: list[str]) -> dict:
    params = ctx.parameters()
    staged: dict[str, int] = {
        partition: rows
        for partition, rows in client.query(
            f"SELECT toString(toYYYYMM(month)), count() FROM {{db:Identifier}}.{stage} GROUP BY 1",
            parameters=params,
        ).result_rows
    }
    wanted = {month.replace("-", "") for month in months}
    dropped = []
    for partition in sorted(wanted):
        swap_month(client, ctx, mart=mart, stage=stage, partition=partition, has_rows=partition in staged)
        if partition not in staged:
            dropped.append(partition)
    if ctx.is_full:
        existing = client.query(
            f"SELECT DISTINCT toString(toYYYYMM(month)) FROM {{db:Identifier}}.{mart}", parameters=params
        ).result_rows
        for (partition,) in existing:
            if partition not in wanted:
                swap_month(client, ctx, mart=mart, stage=stage, partition=partition, has_rows=False)
                dropped.append(partition)
    return {"months": len(wanted), "written": sum(staged.get(p, 0) for p in wanted), "dropped": dropped}


def swap_month(
    client: Client, ctx: RunContext, *, mart: str, stage: str, partition: str, has_rows: bool
) -> None:
    # ALTER ... PARTITION takes no query parameters: the database name comes from settings and the
    # partition id is six digits we produced, both checked before they are written into the text.
    if not _PARTITION_ID.match(partition):
        raise ValueError(f"not a month partition id: {partition!r}")
    db = quoted_identifier(ctx.database)
    target = f"{db}.{local_table(mart)} {on_cluster()}"
    if has_rows:
        client.command(
            f"ALTER TABLE {target} REPLACE PARTITION ID '{partition}' FROM {db}.{local_table(stage)}"
        )
    else:
        client.command(f"ALTER TABLE {target} DROP PARTITION ID '{partition}'")


def commit_crm_copy(client: Client, ctx: RunContext) -> None:
    """etl_<table> := etl_<table>_next, each table in one atomic step."""
    params = ctx.parameters()
    for table in CRM_TABLES:
        rows = client.query(
            f"SELECT count() FROM {{db:Identifier}}.{table.next}", parameters=params
        ).result_rows[0][0]
        if rows:
            db = quoted_identifier(ctx.database)
            client.command(
                f"ALTER TABLE {db}.{table.committed} REPLACE PARTITION ID 'all' FROM {db}.{table.next}"
            )
        else:
            client.command(f"TRUNCATE TABLE {{db:Identifier}}.{table.committed}", parameters=params)


def quoted_identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a ClickHouse identifier: {name!r}")
    return f"`{name}`"
