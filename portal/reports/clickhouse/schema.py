"""Versioned ClickHouse schema: numbered ``migrations/NNNN_name.sql`` files applied in order and
recorded in ``{database}.schema_migrations``.

The files are templates with three placeholders, so the same DDL serves a single server, chDB
and a cluster: ``{database}``, ``{on_cluster}`` (``ON CLUSTER name`` when ``CLICKHOUSE_CLUSTER`` is
set) and ``{engine:TABLE}`` (``MergeTree`` alone, or ``ReplicatedMergeTree`` with a ZooKeeper path
per table on a cluster). Identifiers come from settings, never from user input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_ENGINE_PLACEHOLDER = re.compile(r"\{engine:(\w+)\}")


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    def statements(self, *, database: str, cluster: str = "") -> list[str]:
        text = _ENGINE_PLACEHOLDER.sub(lambda m: _engine(m.group(1), cluster=cluster), self.sql)
        text = text.replace("{database}", database).replace(
            "{on_cluster}", f"ON CLUSTER {cluster}" if cluster else ""
        )
        body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("--"))
        return [stmt.strip() for stmt in body.split(";") if stmt.strip()]


def _engine(table: str, *, cluster: str) -> str:
    if not cluster:
        return "MergeTree"
    zk_path = f"/clickhouse/tables/{{shard}}/{settings.CLICKHOUSE_DATABASE}/{table}"
    return f"ReplicatedMergeTree('{zk_path}', '{{replica}}')"


def all_migrations() -> list[Migration]:
    return [Migration(path.stem, path.read_text()) for path in sorted(MIGRATIONS_DIR.glob("[0-9]*.sql"))]


def applied_migrations(client, database: str) -> set[str]:
    client.command(
        f"CREATE TABLE IF NOT EXISTS {database}.schema_migrations "
        "(name String, applied_at DateTime('UTC') DEFAULT now()) ENGINE = MergeTree ORDER BY name"
    )
    rows = client.query(f"SELECT name FROM {database}.schema_migrations").result_rows  # noqa: S608 (identifier from settings)
    return {row[0] for row in rows}


def pending_migrations(client, database: str) -> list[Migration]:
    done = applied_migrations(client, database)
    return [m for m in all_migrations() if m.name not in done]


def apply_migrations(client, *, database: str | None = None, cluster: str | None = None) -> list[str]:
    """Apply every pending migration; returns the names applied. Safe to call repeatedly."""
    database = database or settings.CLICKHOUSE_DATABASE
    cluster = settings.CLICKHOUSE_CLUSTER if cluster is None else cluster
    on_cluster = f" ON CLUSTER {cluster}" if cluster else ""
    client.command(f"CREATE DATABASE IF NOT EXISTS {database}{on_cluster}")
    applied = []
    for migration in pending_migrations(client, database):
        for statement in migration.statements(database=database, cluster=cluster):
            client.command(statement)
        client.insert(f"{database}.schema_migrations", [[migration.name]], column_names=["name"])
        applied.append(migration.name)
    return applied
