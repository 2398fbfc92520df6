"""Which months a nightly run must recompute: exactly those whose mart rows can differ from what the
baseline run built. Every rule below is evaluated inside ClickHouse.

1. data_as_of moved: every month that overlaps [baseline data_as_of, data_as_of) (the current month,
   and at a month change the previous one), because its interval grew.
2. CRM changes: each CRM row version has a *footprint*, the (month, content) pairs it contributes to
   the marts (a payment: its month and amount/status/user; a subscription: every month it is
   active, with user and cost; a user: every month since registration). The months of the
   symmetric difference between the committed and the new footprints are the months it touches,
   insertions and deletions included.
3. Telemetry that became visible (copied after the baseline, or already copied but at or after the
   baseline's data_as_of), or an old version the change feed replaced or deleted: its own month;
   for a power_on/power_off, the month of the last older power_on/power_off (whose session it
   may now end or break); for a power_on/critical_error, every month up to the next older
   power_on (an outage it opens or closes runs until then).

Rule 3 is exact for the union of outages: whether a moment is inside an outage depends only on
the last critical_error/power_on before it, and a moment after an older power_on that follows
every new event keeps that last event.
"""

from __future__ import annotations

import datetime as dt

from clickhouse_connect.driver import Client

from portal.core.months import last_month_before, month_of, month_range
from portal.etl.context import RunContext
from portal.etl.expressions import months_between

LAST_MONTH = "toStartOfMonth(toDateTime({data_as_of:DateTime64(6, 'UTC')} - INTERVAL 1 SECOND, 'UTC'))"
DAO = "{data_as_of:DateTime64(6, 'UTC')}"


def _user_months(created: str) -> str:
    return f"if({created} < {DAO}, {months_between(f'toStartOfMonth({created})', LAST_MONTH)}, [])"


# Per CRM table: the footprint of one row, as Array(Tuple(Date, String)).
FOOTPRINTS = {
    "users": f"arrayMap(m -> (m, ''), {_user_months('created_at')})",
    "prosthetics": (
        "arrayMap(m -> (m, concat(toString(user_id), '|', serial_number, '|', model, '|', limb)), "
        f"{_user_months('activated_at')})"
    ),
    "subscriptions": (
        "arrayMap(m -> (m, concat(toString(user_id), '|', toString(monthly_cost))), "
        f"if(toDateTime64(started_on, 6, 'UTC') < {DAO}, "
        + months_between(
            "toStartOfMonth(started_on)",
            f"least(toStartOfMonth(ifNull(ended_on, {LAST_MONTH})), {LAST_MONTH})",
        )
        + ", []))"
    ),
    "payments": (
        f"if(status IN ('success', 'failed') AND paid_at < {DAO}, "
        "[(toStartOfMonth(paid_at), concat(toString(user_id), '|', toString(amount), '|', status))], [])"
    ),
    "support_tickets": (
        f"arrayConcat(if(created_at < {DAO}, "
        "[(toStartOfMonth(created_at), concat('opened|', toString(user_id)))], []), "
        f"if(resolved_at IS NOT NULL AND resolved_at < {DAO}, "
        "[(toStartOfMonth(assumeNotNull(resolved_at)), concat('resolved|', toString(user_id)))], []))"
    ),
}
USER_MART_SOURCES = ("users", "subscriptions", "payments", "support_tickets")
PROSTHETIC_MART_SOURCES = ("prosthetics",)


def data_as_of_months(ctx: RunContext) -> set[dt.date]:
    """Rule 1: months overlapping [baseline data_as_of, data_as_of)."""
    low, high = sorted((ctx.baseline_data_as_of, ctx.data_as_of))
    if low == high:
        return set()
    return set(month_range(month_of(low.astimezone(dt.UTC)), last_month_before(high)))


def crm_months(client: Client, ctx: RunContext, tables: tuple[str, ...]) -> set[dt.date]:
    """Rule 2 for the given CRM tables, in one query. A table the extract carried over whole has
    the same footprints in both copies: it is left out."""
    unchanged = ctx.steps.get("extract_crm", {}).get("unchanged", [])
    tables = tuple(table for table in tables if table not in unchanged)
    if not tables:
        return set()
    per_table = [
        f"""
        SELECT tupleElement(arrayJoin(arraySymmetricDifference(old.fp, new.fp)), 1) AS month
        FROM (SELECT id, {FOOTPRINTS[table]} AS fp FROM {{db:Identifier}}.etl_{table}) AS old
        FULL OUTER JOIN (SELECT id, {FOOTPRINTS[table]} AS fp FROM {{db:Identifier}}.etl_{table}_next) AS new
            ON old.id = new.id"""
        for table in tables
    ]
    query = f"SELECT DISTINCT month FROM ({' UNION ALL '.join(per_table)})"
    return {month for (month,) in client.query(query, parameters=ctx.parameters()).result_rows}


_VISIBLE = (
    "reject_reason = '' AND {time} < {dao} "
    "AND prosthetic_id IN (SELECT id FROM {{db:Identifier}}.etl_prosthetics_next)"
).format(time="{time}", dao=DAO)
_NEW = "(run_id > {baseline_id:UInt64} OR {time} >= {baseline_data_as_of:DateTime64(6, 'UTC')})"
_OLD = "run_id <= {baseline_id:UInt64} AND {time} < {baseline_data_as_of:DateTime64(6, 'UTC')}"


def _new(table: str, time: str, extra: str = "") -> str:
    """Telemetry this run brought in, and old versions it took out (``*_removed``: an update or a
    deletion through the change feed touches the months of the old version as adding it would)."""
    where = f"{_VISIBLE} AND {_NEW} {extra}".replace("{time}", time)
    return " UNION ALL ".join(
        f"SELECT prosthetic_id, {time} AS at FROM {{db:Identifier}}.{name} WHERE {where}"
        for name in (table, f"{table}_removed")
    )


def _old_events(types: str, new: str) -> str:
    """Older events of the given types, of the prostheses ``new`` has (their ids lead the sorting
    key, so only their granules are read)."""
    where = f"{_VISIBLE} AND {_OLD} AND event_type IN {types}".replace("{time}", "occurred_at")
    return (
        f"SELECT prosthetic_id, occurred_at AS at FROM {{db:Identifier}}.etl_events WHERE {where} "
        f"AND prosthetic_id IN (SELECT prosthetic_id FROM ({new}))"
    )


def telemetry_months(client: Client, ctx: RunContext) -> set[dt.date]:
    """Rule 3."""
    on_off = "('power_on', 'power_off')"
    outage_edges = "('power_on', 'critical_error')"
    new_on_off = _new("etl_events", "occurred_at", f"AND event_type IN {on_off}")
    new_edges = _new("etl_events", "occurred_at", f"AND event_type IN {outage_edges}")
    outage_months = months_between(
        "toStartOfMonth(new.at)", f"ifNull(toStartOfMonth(old.at - INTERVAL 1 MICROSECOND), {LAST_MONTH})"
    )
    query = f"""
        SELECT DISTINCT month FROM (
            SELECT toStartOfMonth(at) AS month FROM ({_new("etl_events", "occurred_at")})
            UNION ALL
            SELECT toStartOfMonth(at) FROM ({_new("etl_battery_metrics", "measured_at")})
            UNION ALL
            SELECT toStartOfMonth(old.at)
            FROM ({new_on_off}) AS new
            ASOF JOIN ({_old_events(on_off, new_on_off)}) AS old
                ON new.prosthetic_id = old.prosthetic_id AND new.at > old.at
            UNION ALL
            SELECT arrayJoin({outage_months})
            FROM ({new_edges}) AS new
            ASOF LEFT JOIN ({_old_events("('power_on')", new_edges)}) AS old
                ON new.prosthetic_id = old.prosthetic_id AND new.at < old.at
        )
        WHERE month <= {LAST_MONTH}
        SETTINGS join_use_nulls = 1"""
    rows = client.query(query, parameters=ctx.parameters()).result_rows
    return {month for (month,) in rows}


def months_to_recompute(client: Client, ctx: RunContext, *, mart: str) -> set[dt.date]:
    """Rules 1-3 for one mart ("user" or "prosthetic") of a nightly run."""
    if mart == "user":
        months = crm_months(client, ctx, USER_MART_SOURCES)
    else:
        months = crm_months(client, ctx, PROSTHETIC_MART_SOURCES) | telemetry_months(client, ctx)
    last = last_month_before(ctx.data_as_of)
    # Months past the last one are kept only from rule 1: when data_as_of moved back (a backfill
    # with an earlier --as-of), rebuilding them empty drops the rows that no longer belong.
    return {m for m in months if m <= last} | data_as_of_months(ctx)
