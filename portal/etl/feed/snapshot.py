"""The initial copy of a source into its mirrors, taken when its slot is created.

A slot only holds changes made after it exists, so the rows already in the source are copied by
ClickHouse itself (``postgresql()``), each with the slot's consistent point as its version. A row
changed while the copy runs is both copied (old or new state) and in the slot with a later LSN;
the later version wins, so the mirror ends up right either way. The copy is recorded in
``mirror_snapshots``; a tick refuses a feed whose copy never completed.
"""

from __future__ import annotations

from clickhouse_connect.driver import Client
from django.conf import settings
from django.utils import timezone

from portal.etl.feed import mirrors
from portal.etl.feed.publications import Feed
from portal.etl.sources import SourceDatabase


class SnapshotMissing(RuntimeError):
    """A logical feed whose mirrors never got their initial copy."""


def take_snapshot(feed: Feed, client: Client, *, version: int) -> dict[str, int]:
    source = SourceDatabase(feed.alias)
    params = {"db": settings.CLICKHOUSE_DATABASE, "version": version, **source.parameters()}
    copied = {}
    client.command(
        "DELETE FROM {db:Identifier}.mirror_snapshots WHERE feed = {feed:String}",
        parameters={**params, "feed": feed.alias},
    )
    for table in feed.tables:
        mirror = mirrors.mirror_table(table)
        columns = ", ".join(mirrors.MIRRORED_COLUMNS[table])
        client.command(f"TRUNCATE TABLE {{db:Identifier}}.{mirror}", parameters=params)
        client.command(
            f"INSERT INTO {{db:Identifier}}.{mirror} ({columns}, _version, _is_deleted) "
            f"SELECT {columns}, {{version:UInt64}}, 0 FROM {source.table(table)}",
            parameters=params,
        )
        copied[table] = client.query(
            f"SELECT count() FROM {{db:Identifier}}.{mirror}", parameters=params
        ).result_rows[0][0]
    client.insert(
        "mirror_snapshots",
        [[feed.alias, version, timezone.now()]],
        column_names=["feed", "version", "taken_at"],
        database=settings.CLICKHOUSE_DATABASE,
    )
    return copied


def forget_snapshot(feed: Feed, client: Client) -> None:
    client.command(
        "DELETE FROM {db:Identifier}.mirror_snapshots WHERE feed = {feed:String}",
        parameters={"db": settings.CLICKHOUSE_DATABASE, "feed": feed.alias},
    )


def require_snapshot(feed: Feed, client: Client) -> None:
    taken = client.query(
        "SELECT count() FROM {db:Identifier}.mirror_snapshots WHERE feed = {feed:String}",
        parameters={"db": settings.CLICKHOUSE_DATABASE, "feed": feed.alias},
    ).result_rows[0][0]
    if not taken:
        raise SnapshotMissing(
            f"The change feed of {feed.alias} has no complete initial copy in its mirrors: run "
            "`manage.py setup_change_feed --drop` and then `manage.py setup_change_feed`."
        )
