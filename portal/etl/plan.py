"""The months a run rebuilds in one mart: every month (full), the asked range (``--from/--to``), or
the months the changes since the baseline touch (nightly; see ``changes``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from clickhouse_connect.driver import Client

from portal.core.months import format_month, last_month_before, month_range
from portal.etl import changes
from portal.etl.context import RunContext

# One INSERT may write into at most 100 partitions (ClickHouse's max_partitions_per_insert_block),
# and the marts and their staging copies have one partition per month: every statement that writes
# mart rows covers at most this many months. A batch's statement reads no more than one statement
# for all months would, so batching keeps the memory bound of a short history.
MONTHS_PER_INSERT = 96

# Per mart: the CRM copy and column whose month starts a customer's / a prosthetic's rows.
FIRST_MONTH_SOURCES = {
    "user": ("etl_users_next", "created_at"),
    "prosthetic": ("etl_prosthetics_next", "activated_at"),
}


def months_for(client: Client, ctx: RunContext, *, mart: str) -> list[dt.date]:
    last = last_month_before(ctx.data_as_of)
    if ctx.is_full:
        months = set(month_range(_first_month(client, ctx, mart) or last, last))
    elif ctx.is_range:
        assert ctx.month_from is not None and ctx.month_to is not None  # range runs are created with both
        months = set(month_range(ctx.month_from, min(ctx.month_to, last)))
    else:
        months = changes.months_to_recompute(client, ctx, mart=mart)
    return sorted(months)


def _first_month(client: Client, ctx: RunContext, mart: str) -> dt.date | None:
    table, column = FIRST_MONTH_SOURCES[mart]
    ((first, count),) = client.query(
        f"SELECT toStartOfMonth(min({column})), count() FROM {{db:Identifier}}.{table} "
        f"WHERE {column} < {{data_as_of:DateTime64(6, 'UTC')}}",
        parameters=ctx.parameters(),
    ).result_rows
    return first if count else None


def month_batches(months: list[dt.date]) -> list[list[dt.date]]:
    """The sorted months in consecutive batches of at most ``MONTHS_PER_INSERT``."""
    months = sorted(months)
    return [months[i : i + MONTHS_PER_INSERT] for i in range(0, len(months), MONTHS_PER_INSERT)]


def format_months(months: Iterable[dt.date]) -> list[str]:
    return [format_month(month) for month in sorted(months)]
