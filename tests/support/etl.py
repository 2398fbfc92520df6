"""ETL tests run the real pipeline: factories write committed rows to the SQLite files (or the
PostgreSQL test databases in CI), ClickHouse (embedded chDB) reads them with its sqlite() /
postgresql() table functions, and the tests read the marts back."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connections

from portal.clickhouse.client import clickhouse
from portal.clickhouse.publication import live_rows
from portal.etl import pipeline, runs
from portal.etl.models import EtlRun

ETL_TABLES = (
    "etl_users", "etl_users_next", "etl_prosthetics", "etl_prosthetics_next", "etl_subscriptions",
    "etl_subscriptions_next", "etl_payments", "etl_payments_next", "etl_support_tickets",
    "etl_support_tickets_next", "etl_crm_ids", "etl_events", "etl_events_next", "etl_battery_metrics",
    "etl_battery_metrics_next", "etl_stage_user_monthly_metrics", "etl_stage_prosthetic_monthly_metrics",
    "etl_crm_rejects", "etl_crm_commits",
)  # fmt: skip
USER_MART = "report_user_monthly_metrics"
PROSTHETIC_MART = "report_prosthetic_monthly_metrics"

etl_db = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture
def etl_clickhouse(clickhouse_marts):
    """Empty marts and empty ETL working tables."""
    with clickhouse() as client:
        for table in ETL_TABLES:
            client.command(f"TRUNCATE TABLE IF EXISTS {clickhouse_marts}.{table}")
    return clickhouse_marts


def run_etl(
    *, data_as_of: dt.datetime, mode=EtlRun.Mode.INCREMENTAL, month_from=None, month_to=None
) -> EtlRun:
    run = runs.create_run(
        trigger=EtlRun.Trigger.COMMAND,
        mode=mode,
        month_from=month_from,
        month_to=month_to,
        data_as_of=data_as_of,
    )
    pipeline.run_all(run.pk, token=f"test-{run.pk}")
    run.refresh_from_db()
    return run


def mart_rows(table: str) -> dict[tuple, dict]:
    """Every row of a mart that readers see, keyed by (user_id, month) or (prosthetic_id, month);
    a key seen twice fails the test."""
    with clickhouse() as client:
        result = client.query(
            f"SELECT * FROM {{db:Identifier}}.{{t:Identifier}} WHERE {live_rows(table)} ORDER BY ALL",  # noqa: S608
            parameters={"db": settings.CLICKHOUSE_DATABASE, "t": table},
        )
    rows = [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]
    key = "prosthetic_id" if table == PROSTHETIC_MART else "user_id"
    keyed = {(row[key], row["month"].strftime("%Y-%m")): row for row in rows}
    assert len(keyed) == len(rows), f"duplicate keys in {table}"
    return keyed


def without_data_as_of(rows: dict[tuple, dict]) -> dict[tuple, dict]:
    return {key: {k: v for k, v in row.items() if k != "data_as_of"} for key, row in rows.items()}


def assert_marts_equal_a_full_rebuild(data_as_of: dt.datetime) -> None:
    """The marts as the incremental runs left them hold exactly what a full rebuild computes.

    Only ``data_as_of`` may differ: a month no change touched keeps the run that last built it."""
    incremental = {table: without_data_as_of(mart_rows(table)) for table in (USER_MART, PROSTHETIC_MART)}
    full = run_etl(data_as_of=data_as_of, mode=EtlRun.Mode.FULL)
    assert full.status == "success", full.error
    for table, rows in incremental.items():
        assert rows == without_data_as_of(mart_rows(table)), table


def _database_url(alias: str) -> str:
    db = connections[alias].settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(**extra) -> dict:
    """Environment for another process (manage.py, a Celery worker) on this test's databases,
    ClickHouse directory and data folder."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATA_DIR": str(settings.DATA_DIR),
        "CLICKHOUSE_URL": settings.CLICKHOUSE_URL,
        "DATABASE_URL": _database_url("default"),
        "CRM_DATABASE_URL": _database_url("crm"),
        "TELEMETRY_DATABASE_URL": _database_url("telemetry"),
        # This run's replication slots (settings_test names them per run).
        "CHANGE_FEED_SLOT_PREFIX": settings.CHANGE_FEED_SLOT_PREFIX,
    }
    env.update(extra)
    return env


def dead_pid() -> int:
    """The id of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid
