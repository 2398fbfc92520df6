"""Versioned ClickHouse schema: numbered ``sql/NNNN_name.sql`` files applied in order and
recorded in ``{database}.schema_migrations``.

The files are templates with three placeholders, so the same DDL serves a single server, chDB
and a cluster: ``{database}``, ``{on_cluster}`` (``ON CLUSTER name`` when ``CLICKHOUSE_CLUSTER`` is
set) and ``{engine:TABLE}`` (``MergeTree`` alone, or ``ReplicatedMergeTree`` with a ZooKeeper path
per table on a cluster). Identifiers come from settings, never from user input.

On a cluster the marts (and their ETL staging copies) are sharded by user: each becomes a
replicated ``<name>_local`` table on every node plus a ``Distributed`` table under the original
name, so the portal reads ``report_user_monthly_metrics`` the same way everywhere, the ETL inserts
into the Distributed staging table (rows go to their user's shard) and swaps months with
``ALTER TABLE <mart>_local ON CLUSTER ... REPLACE PARTITION ... FROM <stage>_local``. The ETL's
other working tables stay on the node the ETL talks to (replicated within its shard).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from clickhouse_connect.driver import Client
from django.conf import settings

MIGRATIONS_DIR = Path(__file__).parent / "sql"
_ENGINE_PLACEHOLDER = re.compile(r"\{engine:(\w+)\}")
_REPLACING_PLACEHOLDER = re.compile(r"\{replacing_engine:(\w+):(\w+)\}")
# {replacing:table:version_column:is_deleted_column}: a ReplacingMergeTree (replicated on a cluster).
_REPLACING_DELETED_PLACEHOLDER = re.compile(r"\{replacing:(\w+):(\w+):(\w+)\}")
_CREATE_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS \{database\}\.(\w+)")
_ALTER_TABLE = re.compile(r"ALTER TABLE \{database\}\.(\w+) ")
LOCAL_SUFFIX = "_local"
# Tables sharded across a cluster, with their sharding key: a user's rows live on one shard.
SHARDED_TABLES = {
    "report_user_monthly_metrics": "cityHash64(user_id)",
    "report_prosthetic_monthly_metrics": "cityHash64(user_id)",
    "etl_stage_user_monthly_metrics": "cityHash64(user_id)",
    "etl_stage_prosthetic_monthly_metrics": "cityHash64(user_id)",
}


def local_table(name: str, *, cluster: str | None = None) -> str:
    """The table that holds the rows on this node: ``<name>_local`` for a sharded table on a cluster."""
    cluster = settings.CLICKHOUSE_CLUSTER if cluster is None else cluster
    return name + LOCAL_SUFFIX if cluster and name in SHARDED_TABLES else name


def on_cluster(*, cluster: str | None = None) -> str:
    cluster = settings.CLICKHOUSE_CLUSTER if cluster is None else cluster
    return f"ON CLUSTER {cluster}" if cluster else ""


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    def statements(self, *, database: str, cluster: str = "") -> list[str]:
        body = "\n".join(line for line in self.sql.splitlines() if not line.strip().startswith("--"))
        templates = [stmt.strip() for stmt in body.split(";") if stmt.strip()]
        if cluster:
            templates = [out for template in templates for out in _sharded(template, cluster=cluster)]
        return [_render(template, database=database, cluster=cluster) for template in templates]


def _sharded(template: str, *, cluster: str) -> list[str]:
    """A sharded table's CREATE becomes its ``_local`` table plus a Distributed table over it; its
    ALTER is applied to both."""
    altered = _ALTER_TABLE.match(template)
    if altered and altered.group(1) in SHARDED_TABLES:
        name = altered.group(1)
        return [template.replace(f"{{database}}.{name} ", f"{{database}}.{name}{LOCAL_SUFFIX} ", 1), template]
    match = _CREATE_TABLE.match(template)
    if not match or match.group(1) not in SHARDED_TABLES:
        return [template]
    name = match.group(1)
    local = name + LOCAL_SUFFIX
    local_template = template.replace(f"{{database}}.{name} ", f"{{database}}.{local} ", 1)
    local_template = local_template.replace(f"{{engine:{name}}}", f"{{engine:{local}}}")
    distributed = (
        f"CREATE TABLE IF NOT EXISTS {{database}}.{name} {{on_cluster}} AS {{database}}.{local}\n"
        f"ENGINE = Distributed('{cluster}', '{{database}}', '{local}', {SHARDED_TABLES[name]})"
    )
    return [local_template, distributed]


def _render(template: str, *, database: str, cluster: str) -> str:
    template = _REPLACING_PLACEHOLDER.sub(
        lambda m: _replacing_engine(m.group(1), m.group(2), database=database, cluster=cluster), template
    )
    text = _ENGINE_PLACEHOLDER.sub(
        lambda m: _engine(m.group(1), database=database, cluster=cluster), template
    )
    text = _REPLACING_DELETED_PLACEHOLDER.sub(
        lambda m: _replacing_deleted_engine(*m.groups(), database=database, cluster=cluster), text
    )
    return text.replace("{database}", database).replace("{on_cluster}", on_cluster(cluster=cluster))


def _engine(table: str, *, database: str, cluster: str) -> str:
    if not cluster:
        return "MergeTree"
    zk_path = f"/clickhouse/tables/{{shard}}/{database}/{table}"
    return f"ReplicatedMergeTree('{zk_path}', '{{replica}}')"


def _replacing_engine(table: str, version: str, *, database: str, cluster: str) -> str:
    """A ReplacingMergeTree; on a cluster replicated to every node of every shard."""
    if not cluster:
        return f"ReplacingMergeTree({version})"
    zk_path = f"/clickhouse/tables/all/{database}/{table}"
    return f"ReplicatedReplacingMergeTree('{zk_path}', '{{replica}}', {version})"


def _replacing_deleted_engine(
    table: str, version: str, is_deleted: str, *, database: str, cluster: str
) -> str:
    """A ReplacingMergeTree with an is_deleted column (the change feed's mirrors)."""
    if not cluster:
        return f"ReplacingMergeTree({version}, {is_deleted})"
    zk_path = f"/clickhouse/tables/all/{database}/{table}"  # the same mirror on every node
    return f"ReplicatedReplacingMergeTree('{zk_path}', '{{replica}}', {version}, {is_deleted})"


def all_migrations() -> list[Migration]:
    return [Migration(path.stem, path.read_text()) for path in sorted(MIGRATIONS_DIR.glob("[0-9]*.sql"))]


def applied_migrations(client: Client, database: str) -> set[str]:
    client.command(
        f"CREATE TABLE IF NOT EXISTS {database}.schema_migrations "
        "(name String, applied_at DateTime('UTC') DEFAULT now()) ENGINE = MergeTree ORDER BY name"
    )
    rows = client.query(f"SELECT name FROM {database}.schema_migrations").result_rows  # noqa: S608 (identifier from settings)
    return {row[0] for row in rows}


def pending_migrations(client: Client, database: str) -> list[Migration]:
    done = applied_migrations(client, database)
    return [m for m in all_migrations() if m.name not in done]


def planned_migrations(client: Client, database: str) -> list[Migration]:
    """What ``apply_migrations`` would apply, without creating anything."""
    exists = client.query(
        "SELECT count() FROM system.tables WHERE database = {db:String} AND name = 'schema_migrations'",
        parameters={"db": database},
    ).result_rows[0][0]
    if not exists:
        return all_migrations()
    rows = client.query("SELECT name FROM {db:Identifier}.schema_migrations", parameters={"db": database})
    done = {name for (name,) in rows.result_rows}
    return [m for m in all_migrations() if m.name not in done]


def apply_migrations(client: Client, *, database: str | None = None, cluster: str | None = None) -> list[str]:
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
