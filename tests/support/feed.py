"""The change feed against a real PostgreSQL with logical replication (``wal_level=logical``).

CI turns logical replication on (.ci/run) and sets REQUIRE_CHANGE_FEED=1, so there a missing feed
fails; locally (SQLite, or a PostgreSQL without it) the feed tests skip and say why."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings

from portal.clickhouse.client import clickhouse
from portal.clickhouse.schema import apply_migrations
from portal.etl.feed import mirrors
from portal.etl.feed.publications import FEEDS, unavailable_reason
from portal.etl.feed.setup import set_up, tear_down


def feed_unavailable() -> str | None:
    for feed in FEEDS:
        reason = unavailable_reason(feed)
        if reason:
            return reason
    return None


@pytest.fixture
def change_feed(clickhouse_marts):
    """Publications and slots on the test source databases and empty mirrors; dropped afterwards
    (a slot left behind would keep WAL and block dropping the test database)."""
    reason = feed_unavailable()
    if reason:
        if os.environ.get("REQUIRE_CHANGE_FEED"):
            pytest.fail(f"the change feed must be tested here, but {reason}")
        pytest.skip(f"no logical replication: {reason} (CI runs these on PostgreSQL)")
    with clickhouse() as client:
        apply_migrations(client)
    for feed in FEEDS:
        set_up(feed)
    try:
        yield FEEDS
    finally:
        for feed in FEEDS:
            tear_down(feed)


def _comparable(value: object) -> object:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def source_rows(table: str) -> set[tuple]:
    """The source table's mirrored columns, as the ORM reads them."""
    model = next(
        model
        for label in ("crm", "telemetry")
        for model in apps.get_app_config(label).get_models()
        if model._meta.db_table == table
    )
    columns = [_attname(model, column) for column in mirrors.MIRRORED_COLUMNS[table]]
    return {tuple(_comparable(v) for v in row) for row in model.objects.values_list(*columns)}


def mirror_rows(table: str) -> set[tuple]:
    """The mirror's current rows (FINAL: the last version of each id, deletions dropped)."""
    columns = ", ".join(mirrors.MIRRORED_COLUMNS[table])
    with clickhouse() as client:
        rows = client.query(
            f"SELECT {columns} FROM {{db:Identifier}}.{{mirror:Identifier}} FINAL",  # noqa: S608 (declared names)
            parameters={"db": settings.CLICKHOUSE_DATABASE, "mirror": mirrors.mirror_table(table)},
        ).result_rows
    return {tuple(_comparable(v) for v in row) for row in rows}


def mirror_version_count(table: str) -> int:
    """Rows stored for the table, every version (what FINAL collapses)."""
    with clickhouse() as client:
        return client.query(
            "SELECT count() FROM {db:Identifier}.{mirror:Identifier}",
            parameters={"db": settings.CLICKHOUSE_DATABASE, "mirror": mirrors.mirror_table(table)},
        ).result_rows[0][0]


def _attname(model, column: str) -> str:
    for field in model._meta.concrete_fields:
        if field.column == column:
            return field.attname
    raise LookupError(f"{model.__name__} has no column {column}")
