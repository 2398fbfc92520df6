"""The two marts' columns, declared once: name, ClickHouse type (as ``system.columns`` spells it)
and meaning (DESIGN.md, "The marts").

The DDL (``sql/0001_marts.sql``), the report serializers (``portal/reports/contract.py``), the
portal's reads (``portal/reports/marts.py``) and the query book (``sql/clickhouse_queries.sql``)
all name these columns; ``tests/clickhouse/test_mart_columns.py`` checks each against this list.
Column names are fixed: other tools read them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    values: tuple[str, ...] = ()  # the only values a String column holds, when they are fixed


@dataclass(frozen=True)
class Mart:
    table: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


DATA_AS_OF = Column(
    "data_as_of", "DateTime('UTC')", "exclusive upper bound of the source timestamps included"
)

USER_MONTHLY = Mart(
    "report_user_monthly_metrics",
    (
        Column("user_id", "UInt64", "CRM users.id (key)"),
        Column("month", "Date", "first day of the calendar month, UTC (key)"),
        Column(
            "total_payments",
            "Decimal(18, 2)",
            "sum of amount of payments with status success or failed, paid_at in the month",
        ),
        Column("successful_payments", "Decimal(18, 2)", "sum of amount of payments with status success"),
        Column("failed_payments_count", "UInt32", "count of payments with status failed"),
        Column(
            "active_subscriptions_count",
            "UInt32",
            "subscriptions with started_on <= last day of the month and "
            "(ended_on is null or ended_on >= first day of the month)",
        ),
        Column("subscription_cost_total", "Decimal(18, 2)", "sum of monthly_cost of those subscriptions"),
        Column("tickets_opened", "UInt32", "support tickets with created_at in the month"),
        Column("tickets_resolved", "UInt32", "support tickets with resolved_at in the month"),
        DATA_AS_OF,
    ),
)

PROSTHETIC_MONTHLY = Mart(
    "report_prosthetic_monthly_metrics",
    (
        Column("user_id", "UInt64", "the prosthetic's owner, CRM users.id (key)"),
        Column("prosthetic_id", "UInt64", "CRM prosthetics.id (key)"),
        Column("month", "Date", "first day of the calendar month, UTC (key)"),
        Column("serial_number", "String", "copied from the CRM"),
        Column("model", "LowCardinality(String)", "copied from the CRM"),
        Column("limb", "LowCardinality(String)", "copied from the CRM"),
        Column("power_on_count", "UInt32", "power_on events in the month"),
        Column(
            "total_active_hours",
            "Decimal(12, 2)",
            "sum of session lengths in hours (a power_on immediately followed by a power_off), "
            "in the month the session starts",
        ),
        Column(
            "avg_discharge_rate_active",
            "Nullable(Decimal(10, 2))",
            "average current_ma of readings with is_charging = false; NULL without readings",
        ),
        Column(
            "avg_charge_rate",
            "Nullable(Decimal(10, 2))",
            "average current_ma of readings with is_charging = true; NULL without readings",
        ),
        Column(
            "avg_battery_temperature_c",
            "Nullable(Decimal(6, 1))",
            "average temperature_c of all readings; NULL without readings",
        ),
        Column("charge_cycles", "UInt32", "charge_end events in the month"),
        Column("error_count", "UInt32", "error events in the month"),
        Column("critical_error_count", "UInt32", "critical_error events in the month"),
        Column(
            "downtime_minutes",
            "Decimal(12, 1)",
            "minutes of the union of outages (critical_error to the next power_on) within "
            "[month start, min(next month start, data_as_of))",
        ),
        Column("uptime_pct", "Decimal(5, 2)", "100 * (1 - downtime_minutes / minutes of that interval)"),
        Column(
            "health_status",
            "LowCardinality(String)",
            "critical if critical_error_count > 0; else warning if error_count >= 5 or "
            "uptime_pct < 99.5; else healthy",
            values=("healthy", "warning", "critical"),
        ),
        DATA_AS_OF,
    ),
)

MARTS = (USER_MONTHLY, PROSTHETIC_MONTHLY)
