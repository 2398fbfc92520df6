import uuid

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from portal.clickhouse.client import clickhouse

MART_COLUMNS = {
    "report_user_monthly_metrics": [
        "user_id", "month", "total_payments", "successful_payments", "failed_payments_count",
        "active_subscriptions_count", "subscription_cost_total", "tickets_opened", "tickets_resolved",
        "data_as_of",
    ],
    "report_prosthetic_monthly_metrics": [
        "user_id", "prosthetic_id", "month", "serial_number", "model", "limb", "power_on_count",
        "total_active_hours", "avg_discharge_rate_active", "avg_charge_rate", "avg_battery_temperature_c",
        "charge_cycles", "error_count", "critical_error_count", "downtime_minutes", "uptime_pct",
        "health_status", "data_as_of",
    ],
}  # fmt: skip


def test_marts_have_exactly_the_columns_of_the_design(clickhouse_marts):
    """What ``SELECT *`` returns; besides, each row's load (portal/clickhouse/publication.py) is a
    MATERIALIZED column that ``SELECT *`` does not show."""
    with clickhouse() as client:
        for table, columns in MART_COLUMNS.items():
            rows = client.query(
                "SELECT name, default_kind FROM system.columns "
                "WHERE database = {db:String} AND table = {t:String} ORDER BY position",
                parameters={"db": clickhouse_marts, "t": table},
            ).result_rows
            assert [name for (name, kind) in rows if kind != "MATERIALIZED"] == columns
            assert [name for (name, kind) in rows if kind == "MATERIALIZED"] == ["load_id"]


def test_migrate_clickhouse_is_idempotent(clickhouse_marts, capsys):
    call_command("migrate_clickhouse")
    assert "up to date" in capsys.readouterr().out
    with clickhouse() as client:
        names = client.query(
            "SELECT name FROM {db:Identifier}.schema_migrations",
            parameters={"db": settings.CLICKHOUSE_DATABASE},
        ).result_rows
    assert len(names) == len(set(names))


def test_migrate_clickhouse_check_fails_while_migrations_are_pending_and_passes_after(
    clickhouse_marts, capsys
):
    fresh = f"check_{uuid.uuid4().hex[:12]}"
    try:
        with override_settings(CLICKHOUSE_DATABASE=fresh):
            with pytest.raises(SystemExit) as pending:
                call_command("migrate_clickhouse", "--check")
            assert pending.value.code == 1
            assert "pending" in capsys.readouterr().err
            with clickhouse() as client:  # --check created nothing
                assert not client.query(
                    "SELECT count() FROM system.databases WHERE name = {db:String}", parameters={"db": fresh}
                ).result_rows[0][0]

            call_command("migrate_clickhouse")
            call_command("migrate_clickhouse", "--check")
            assert "up to date" in capsys.readouterr().out
    finally:
        with clickhouse() as client:
            client.command(f"DROP DATABASE IF EXISTS {fresh}")
