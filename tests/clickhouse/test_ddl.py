"""The versioned ClickHouse schema: the ETL's tables, the cluster variant of the DDL, and
``migrate_clickhouse --plan``."""

import pytest
from django.conf import settings
from django.core.management import call_command

from portal.clickhouse.client import clickhouse
from portal.clickhouse.schema import SHARDED_TABLES, all_migrations, local_table

MARTS = ("report_user_monthly_metrics", "report_prosthetic_monthly_metrics")


def ddl(cluster: str) -> list[str]:
    return [s for m in all_migrations() for s in m.statements(database="reports", cluster=cluster)]


def test_single_server_ddl_uses_plain_merge_trees_and_no_cluster_clause():
    statements = ddl("")

    assert not any("ON CLUSTER" in s or "Replicated" in s or "Distributed" in s for s in statements)
    assert any(
        s.startswith("CREATE TABLE IF NOT EXISTS reports.report_user_monthly_metrics ") for s in statements
    )


def test_cluster_ddl_shards_the_marts_by_user_over_replicated_local_tables():
    statements = ddl("bionic")

    assert all(" ON CLUSTER bionic" in s for s in statements)
    for table in MARTS:
        local = next(
            s for s in statements if s.startswith(f"CREATE TABLE IF NOT EXISTS reports.{table}_local ")
        )
        assert (
            f"ReplicatedMergeTree('/clickhouse/tables/{{shard}}/reports/{table}_local', '{{replica}}')"
            in local
        )
        assert "PARTITION BY toYYYYMM(month)" in local
        distributed = next(
            s for s in statements if s.startswith(f"CREATE TABLE IF NOT EXISTS reports.{table} ")
        )
        engine = f"Distributed('bionic', 'reports', '{table}_local', cityHash64(user_id))"
        assert f"AS reports.{table}_local\nENGINE = {engine}" in distributed


def test_cluster_ddl_keeps_the_etl_working_tables_replicated_on_the_etl_node():
    statements = ddl("bionic")
    events = next(s for s in statements if s.startswith("CREATE TABLE IF NOT EXISTS reports.etl_events "))

    assert "ReplicatedMergeTree('/clickhouse/tables/{shard}/reports/etl_events', '{replica}')" in events
    assert not any("reports.etl_events_local" in s for s in statements)
    assert local_table("report_user_monthly_metrics", cluster="bionic") == "report_user_monthly_metrics_local"
    assert local_table("etl_events", cluster="bionic") == "etl_events"
    assert local_table("report_user_monthly_metrics", cluster="") == "report_user_monthly_metrics"
    assert set(SHARDED_TABLES) == {
        *MARTS,
        "etl_stage_user_monthly_metrics",
        "etl_stage_prosthetic_monthly_metrics",
    }


@pytest.mark.django_db
def test_plan_prints_the_pending_ddl_for_the_cluster_and_applies_nothing(capsys, settings):
    settings.CLICKHOUSE_DATABASE = "reports_plan_only"
    settings.CLICKHOUSE_CLUSTER = "bionic"

    call_command("migrate_clickhouse", "--plan")

    out = capsys.readouterr().out
    expected = f"{len(all_migrations())} migration(s) to apply to database reports_plan_only on cluster"
    assert expected in out
    assert "-- would apply 0002_etl_working_tables" in out
    assert "ALTER TABLE reports_plan_only.report_user_monthly_metrics_local ON CLUSTER bionic" in out
    assert "ReplicatedReplacingMergeTree('/clickhouse/tables/all/reports_plan_only/mart_loads'" in out
    assert "ENGINE = Distributed('bionic', 'reports_plan_only'" in out
    with clickhouse() as client:
        exists = client.query("SELECT count() FROM system.databases WHERE name = 'reports_plan_only'")
    assert exists.result_rows[0][0] == 0


def test_the_etl_tables_exist_after_migrating(clickhouse_marts):
    with clickhouse() as client:
        tables = {
            name
            for (name,) in client.query(
                "SELECT name FROM system.tables WHERE database = {db:String}",
                parameters={"db": settings.CLICKHOUSE_DATABASE},
            ).result_rows
        }
    assert {"etl_events", "etl_battery_metrics", "etl_stage_user_monthly_metrics", "etl_users_next"} <= tables
