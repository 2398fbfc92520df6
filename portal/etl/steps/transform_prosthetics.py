"""Step 4, transform prosthetic metrics: one row per prosthesis per month into the staging copy of
``report_prosthetic_monthly_metrics``, computed in ClickHouse (DESIGN.md, "The marts").

Only valid telemetry of CRM prostheses with a timestamp before data_as_of counts (``telemetry``
lists the rejection rules). A prosthesis's events form one sequence ordered by
``(occurred_at, id)``; "next" and "later" below mean next/later in that sequence.

- rows from the month of ``activated_at`` through the last month that began before data_as_of;
- counts by ``occurred_at`` month: power_on, charge_end (charge cycles), error, critical_error;
- ``total_active_hours``: sessions are a power_on whose next power_on/power_off event is a
  power_off; the session counts, whole, in the month it starts; its end must be before
  data_as_of. Summed in microseconds, then rounded to hours with 2 decimals;
- battery averages over the month's readings: ``current_ma`` of non-charging readings, of charging
  readings, and ``temperature_c`` of all; NULL when there are none;
- ``downtime_minutes``: the union of outages, an outage running from a critical_error to the next
  later power_on (or still open: to data_as_of), intersected with [month start, min(next month
  start, data_as_of)). Because the union is "every moment whose last critical_error/power_on
  event was a critical_error", it is the sum of [critical_error, next such event) pieces;
- ``uptime_pct`` = 100 * (1 - downtime / interval), both exact (microseconds), then rounded;
- ``health_status``: critical if any critical_error; else warning if error_count >= 5 or
  uptime_pct (as stored, 2 decimals) < 99.5; else healthy.

Rounding: half away from zero on exact integer ratios (``expressions.rounded_ratio``).
"""

from __future__ import annotations

from portal.etl.changes import DAO, LAST_MONTH
from portal.etl.context import RunContext
from portal.etl.expressions import month_end_capped, month_start_time, months_between, rounded_ratio
from portal.etl.steps.transform_users import build_stage

MONTHS = "{months:Array(Date)}"
STAGE = "etl_stage_prosthetic_monthly_metrics"
VALID = f"reject_reason = '' AND {{time}} < {DAO}"
US_PER_HOUR = 3_600_000_000
US_PER_MINUTE = 60_000_000
NEXT_IN_SEQUENCE = (
    "(PARTITION BY prosthetic_id ORDER BY occurred_at, id ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING)"
)


def _valid(time: str) -> str:
    return VALID.replace("{time}", time)


OUTAGE_MONTHS = months_between("toStartOfMonth(start_at)", "toStartOfMonth(end_at - INTERVAL 1 MICROSECOND)")
FIRST_MONTH_START = f"toDateTime64(arrayMin({MONTHS}), 6, 'UTC')"
# The critical_error/power_on events from the first month rebuilt on; a prosthesis that is inside
# an outage when that month starts (its last earlier such event is a critical_error) gets a
# stand-in critical_error at the month's start, ordered before any real event at that instant.
# Sorting only these, not every edge since activation, keeps a nightly run cheap.
OUTAGE_EDGES = f"""
    SELECT prosthetic_id, event_type, occurred_at, id
    FROM {{db:Identifier}}.etl_events
    WHERE {_valid("occurred_at")} AND event_type IN ('critical_error', 'power_on')
        AND occurred_at >= {FIRST_MONTH_START}
    UNION ALL
    SELECT prosthetic_id, 'critical_error', {FIRST_MONTH_START}, toInt64(-1)
    FROM {{db:Identifier}}.etl_events
    WHERE {_valid("occurred_at")} AND event_type IN ('critical_error', 'power_on')
        AND occurred_at < {FIRST_MONTH_START}
    GROUP BY prosthetic_id
    HAVING argMax(event_type, (occurred_at, id)) = 'critical_error'"""
INTERVAL_US = f"dateDiff('microsecond', {month_start_time('pm.month')}, {month_end_capped('pm.month', DAO)})"

PROSTHETIC_MONTHLY_METRICS_SQL = f"""
INSERT INTO {{db:Identifier}}.{STAGE}
SELECT
    pm.user_id,
    pm.prosthetic_id,
    pm.month,
    pm.serial_number,
    pm.model,
    pm.limb,
    ev.power_on_count,
    {rounded_ratio("sessions.active_us", str(US_PER_HOUR), decimals=2)},
    if(battery.discharge_readings = 0, NULL,
       {rounded_ratio("battery.discharge_sum", "battery.discharge_readings", decimals=2)}),
    if(battery.charge_readings = 0, NULL,
       {rounded_ratio("battery.charge_sum", "battery.charge_readings", decimals=2)}),
    if(battery.readings = 0, NULL,
       {rounded_ratio("battery.temperature_tenths_sum", "battery.readings * 10", decimals=1)}),
    ev.charge_cycles,
    ev.error_count,
    ev.critical_error_count,
    {rounded_ratio("down.down_us", str(US_PER_MINUTE), decimals=1)},
    {rounded_ratio(f"100 * ({INTERVAL_US} - down.down_us)", INTERVAL_US, decimals=2)} AS uptime_pct,
    multiIf(ev.critical_error_count > 0, 'critical',
            ev.error_count >= 5 OR uptime_pct < toDecimal32('99.5', 2), 'warning',
            'healthy'),
    toDateTime({DAO}, 'UTC')
FROM (
    SELECT id AS prosthetic_id, user_id, serial_number, model, limb, month
    FROM {{db:Identifier}}.etl_prosthetics_next
    ARRAY JOIN {months_between("toStartOfMonth(activated_at)", LAST_MONTH)} AS month
    WHERE activated_at < {DAO} AND has({MONTHS}, month)
) AS pm
LEFT JOIN (
    SELECT prosthetic_id, toStartOfMonth(occurred_at) AS month,
        countIf(event_type = 'power_on') AS power_on_count,
        countIf(event_type = 'charge_end') AS charge_cycles,
        countIf(event_type = 'error') AS error_count,
        countIf(event_type = 'critical_error') AS critical_error_count
    FROM {{db:Identifier}}.etl_events
    WHERE {_valid("occurred_at")} AND has({MONTHS}, toStartOfMonth(occurred_at))
    GROUP BY prosthetic_id, month
) AS ev ON ev.prosthetic_id = pm.prosthetic_id AND ev.month = pm.month
LEFT JOIN (
    SELECT prosthetic_id, toStartOfMonth(occurred_at) AS month,
        sum(dateDiff('microsecond', occurred_at, next_at)) AS active_us
    FROM (
        SELECT prosthetic_id, event_type, occurred_at,
            leadInFrame(event_type) OVER w AS next_type,
            leadInFrame(occurred_at) OVER w AS next_at
        FROM {{db:Identifier}}.etl_events
        WHERE {_valid("occurred_at")} AND event_type IN ('power_on', 'power_off')
            AND occurred_at >= toDateTime64(arrayMin({MONTHS}), 6, 'UTC')
        WINDOW w AS {NEXT_IN_SEQUENCE}
    )
    WHERE event_type = 'power_on' AND next_type = 'power_off' AND has({MONTHS}, toStartOfMonth(occurred_at))
    GROUP BY prosthetic_id, month
) AS sessions ON sessions.prosthetic_id = pm.prosthetic_id AND sessions.month = pm.month
LEFT JOIN (
    SELECT prosthetic_id, toStartOfMonth(measured_at) AS month,
        sumIf(current_ma, is_charging = 0) AS discharge_sum,
        countIf(is_charging = 0) AS discharge_readings,
        sumIf(current_ma, is_charging = 1) AS charge_sum,
        countIf(is_charging = 1) AS charge_readings,
        sum(toInt64(temperature_c * 10)) AS temperature_tenths_sum,
        count() AS readings
    FROM {{db:Identifier}}.etl_battery_metrics
    WHERE {_valid("measured_at")} AND has({MONTHS}, toStartOfMonth(measured_at))
    GROUP BY prosthetic_id, month
) AS battery ON battery.prosthetic_id = pm.prosthetic_id AND battery.month = pm.month
LEFT JOIN (
    SELECT prosthetic_id, month,
        sum(dateDiff('microsecond',
                     greatest(start_at, {month_start_time("month")}),
                     least(end_at, {month_end_capped("month", DAO)}))) AS down_us
    FROM (
        SELECT prosthetic_id, start_at, end_at,
            arrayJoin({OUTAGE_MONTHS}) AS month
        FROM (
            SELECT prosthetic_id, event_type, occurred_at AS start_at,
                ifNull(leadInFrame(toNullable(occurred_at)) OVER w, {DAO}) AS end_at
            FROM ({OUTAGE_EDGES})
            WINDOW w AS {NEXT_IN_SEQUENCE}
        )
        WHERE event_type = 'critical_error' AND end_at > start_at
    )
    WHERE has({MONTHS}, month)
    GROUP BY prosthetic_id, month
) AS down ON down.prosthetic_id = pm.prosthetic_id AND down.month = pm.month
SETTINGS join_use_nulls = 0
"""


def transform_prosthetic_metrics(ctx: RunContext) -> dict:
    return build_stage(ctx, mart="prosthetic", stage=STAGE, sql=PROSTHETIC_MONTHLY_METRICS_SQL)
