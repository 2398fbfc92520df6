from django.conf import settings
from django.core.management import call_command

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
