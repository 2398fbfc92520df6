"""Step 3, transform user metrics: one row per customer per month into the staging copy of
``report_user_monthly_metrics``, computed in ClickHouse from the CRM copy (DESIGN.md, "The marts").

- a row for every month from the month of ``users.created_at`` through the last month that began
  before data_as_of (zeros when nothing happened); none for a customer created at or after it;
- payments by ``paid_at`` month: ``total_payments`` = success + failed amounts,
  ``successful_payments`` = success amounts, ``failed_payments_count``; pending and refunded
  payments count nowhere;
- a subscription is active in a month when it started on or before the month's last day (for the
  month containing data_as_of: before data_as_of) and has no ``ended_on`` or ended on or after the
  month's first day; ``subscription_cost_total`` sums their ``monthly_cost``;
- tickets by ``created_at`` month (opened) and ``resolved_at`` month (resolved);
- nothing at or after data_as_of counts. Decimal sums stay Decimal (exact).
"""

from __future__ import annotations

from portal.clickhouse.schema import local_table, on_cluster
from portal.etl.changes import DAO, LAST_MONTH
from portal.etl.context import RunContext
from portal.etl.expressions import months_between
from portal.etl.plan import format_months, month_batches, months_for
from portal.etl.session import etl_clickhouse

MONTHS = "{months:Array(Date)}"
STAGE = "etl_stage_user_monthly_metrics"

USER_MONTHLY_METRICS_SQL = f"""
INSERT INTO {{db:Identifier}}.{STAGE}
SELECT
    um.user_id,
    um.month,
    p.total_payments,
    p.successful_payments,
    p.failed_payments_count,
    s.active_subscriptions_count,
    s.subscription_cost_total,
    opened.tickets,
    resolved.tickets,
    toDateTime({DAO}, 'UTC')
FROM (
    SELECT id AS user_id, month
    FROM {{db:Identifier}}.etl_users_next
    ARRAY JOIN {months_between("toStartOfMonth(created_at)", LAST_MONTH)} AS month
    WHERE created_at < {DAO} AND has({MONTHS}, month)
) AS um
LEFT JOIN (
    SELECT user_id, toStartOfMonth(paid_at) AS month,
        sumIf(amount, status IN ('success', 'failed')) AS total_payments,
        sumIf(amount, status = 'success') AS successful_payments,
        countIf(status = 'failed') AS failed_payments_count
    FROM {{db:Identifier}}.etl_payments_next
    WHERE paid_at < {DAO} AND has({MONTHS}, toStartOfMonth(paid_at))
    GROUP BY user_id, month
) AS p ON p.user_id = um.user_id AND p.month = um.month
LEFT JOIN (
    SELECT user_id, month, count() AS active_subscriptions_count, sum(monthly_cost) AS subscription_cost_total
    FROM {{db:Identifier}}.etl_subscriptions_next
    ARRAY JOIN {
    months_between(
        "toStartOfMonth(started_on)", f"least(toStartOfMonth(ifNull(ended_on, {LAST_MONTH})), {LAST_MONTH})"
    )
} AS month
    WHERE toDateTime64(started_on, 6, 'UTC') < {DAO} AND has({MONTHS}, month)
    GROUP BY user_id, month
) AS s ON s.user_id = um.user_id AND s.month = um.month
LEFT JOIN (
    SELECT user_id, toStartOfMonth(created_at) AS month, count() AS tickets
    FROM {{db:Identifier}}.etl_support_tickets_next
    WHERE created_at < {DAO} AND has({MONTHS}, toStartOfMonth(created_at))
    GROUP BY user_id, month
) AS opened ON opened.user_id = um.user_id AND opened.month = um.month
LEFT JOIN (
    SELECT user_id, toStartOfMonth(assumeNotNull(resolved_at)) AS month, count() AS tickets
    FROM {{db:Identifier}}.etl_support_tickets_next
    WHERE resolved_at IS NOT NULL AND resolved_at < {DAO}
        AND has({MONTHS}, toStartOfMonth(assumeNotNull(resolved_at)))
    GROUP BY user_id, month
) AS resolved ON resolved.user_id = um.user_id AND resolved.month = um.month
SETTINGS join_use_nulls = 0
"""


def transform_user_metrics(ctx: RunContext) -> dict:
    return build_stage(ctx, mart="user", stage=STAGE, sql=USER_MONTHLY_METRICS_SQL)


def build_stage(ctx: RunContext, *, mart: str, stage: str, sql: str) -> dict:
    """Decide the months, empty the staging table and fill it with them, a batch of months per
    statement (see ``plan.month_batches``).

    On a cluster the insert goes through the Distributed staging table, synchronously, so every
    shard holds its users' rows before the load step copies them into the mart."""
    with etl_clickhouse() as client:
        months = months_for(client, ctx, mart=mart)
        client.command(
            f"TRUNCATE TABLE {{db:Identifier}}.{local_table(stage)} {on_cluster()}",
            parameters=ctx.parameters(),
        )
    for batch in month_batches(months):
        # One lock per batch: report reads get the embedded ClickHouse in between.
        with etl_clickhouse() as client:
            client.command(sql, parameters={**ctx.parameters(), "months": batch}, settings=_insert_settings())
    with etl_clickhouse() as client:
        written = client.query(f"SELECT count() FROM {{db:Identifier}}.{stage}", parameters=ctx.parameters())
    return {"months": format_months(months), "written": written.result_rows[0][0]}


def _insert_settings() -> dict:
    return {"distributed_foreground_insert": 1} if on_cluster() else {}
