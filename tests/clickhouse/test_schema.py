import uuid

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from portal.clickhouse.client import clickhouse


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
