"""Drain a slot into the mirrors: peek a batch of whole transactions, write their changes to the
ClickHouse mirrors, and only then advance the slot past them.

A process killed after the mirror write and before the advance sees the same changes again next
time; writing them again is harmless (same id and version: ReplacingMergeTree keeps one row). A
process killed before the write loses nothing: the slot still holds the changes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from clickhouse_connect.driver import Client
from django.conf import settings
from django.db import connections, transaction

from portal.etl.feed import mirrors
from portal.etl.feed.pgoutput import Commit, Decoder, Relation, RowChange, Truncate
from portal.etl.feed.publications import Feed, check_schema

PEEK = (
    "SELECT lsn::text, data FROM pg_logical_slot_peek_binary_changes("
    "%s, NULL, %s, 'proto_version', '1', 'publication_names', %s)"
)


@dataclass
class DrainResult:
    feed: str
    changes: int = 0
    transactions: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # mirror rows written per source table
    last_commit_at: dt.datetime | None = None
    # Every change committed before this instant is in the mirrors: the time the last empty
    # peek started (nothing older was left in the slot), None while the slot was not emptied.
    applied_through: dt.datetime | None = None


@dataclass
class _Batch:
    rows: dict[str, list[list[object]]] = field(default_factory=lambda: defaultdict(list))
    truncates: list[tuple[str, int]] = field(default_factory=list)
    commits: int = 0
    changes: int = 0
    last_commit_lsn: str | None = None
    last_commit_at: dt.datetime | None = None


def drain(feed: Feed, client: Client, *, batch_size: int | None = None) -> DrainResult:
    """Move every change waiting in the feed's slot into the mirrors."""
    batch_size = batch_size or settings.CHANGE_FEED_BATCH_CHANGES
    result = DrainResult(feed.alias)
    while True:
        peeked_at = dt.datetime.now(dt.UTC)
        messages = _peek(feed, batch_size)
        if not messages:
            result.applied_through = peeked_at
            return result
        batch = _decode(feed, messages)
        _write(client, batch)
        if batch.last_commit_lsn is not None:
            _advance(feed, batch.last_commit_lsn)
        result.changes += batch.changes
        result.transactions += batch.commits
        result.last_commit_at = batch.last_commit_at or result.last_commit_at
        for table, rows in batch.rows.items():
            result.rows[table] = result.rows.get(table, 0) + len(rows)


def has_pending_changes(feed: Feed) -> bool:
    """Whether the slot holds at least one change of the published tables (decodes one transaction)."""
    return bool(_peek(feed, 1))


def _peek(feed: Feed, batch_size: int) -> list[tuple[str, bytes]]:
    # Timestamps in the text values are printed in the session's time zone: make it UTC.
    with transaction.atomic(using=feed.alias), connections[feed.alias].cursor() as cursor:
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        cursor.execute(PEEK, [feed.name, batch_size, feed.name])
        return [(lsn, bytes(data)) for lsn, data in cursor.fetchall()]


def _advance(feed: Feed, lsn: str) -> None:
    with connections[feed.alias].cursor() as cursor:
        cursor.execute("SELECT pg_replication_slot_advance(%s, %s::pg_lsn)", [feed.name, lsn])


def _decode(feed: Feed, messages: list[tuple[str, bytes]]) -> _Batch:
    decoder = Decoder()  # every peek is a new decoding session: Relation messages come again
    batch = _Batch()
    for lsn, data in messages:
        message = decoder.decode(data)
        if isinstance(message, Relation):
            check_schema(message)
        elif isinstance(message, RowChange):
            _add_change(batch, message, version=lsn_number(lsn))
        elif isinstance(message, Truncate):
            batch.truncates.extend((relation.name, lsn_number(lsn)) for relation in message.relations)
        elif isinstance(message, Commit):
            batch.commits += 1
            batch.last_commit_lsn, batch.last_commit_at = lsn, message.committed_at
    return batch


def _add_change(batch: _Batch, change: RowChange, *, version: int) -> None:
    table = change.relation.name
    batch.changes += 1
    if change.kind == "delete":
        batch.rows[table].append(mirrors.mirror_row(table, change.old or {}, version=version, deleted=True))
        return
    batch.rows[table].append(mirrors.mirror_row(table, change.new or {}, version=version, deleted=False))


def _write(client: Client, batch: _Batch) -> None:
    database = settings.CLICKHOUSE_DATABASE
    for table, rows in batch.rows.items():
        if rows:
            client.insert(
                mirrors.mirror_table(table),
                rows,
                column_names=mirrors.mirror_columns(table),
                database=database,
            )
    # After the rows: a TRUNCATE marks deleted every row older than itself, including rows of
    # this batch written just above; rows inserted after it carry higher versions and stay.
    for table, version in batch.truncates:
        mirror = mirrors.mirror_table(table)
        client.command(
            f"INSERT INTO {{db:Identifier}}.{mirror} (id, _version, _is_deleted) "
            f"SELECT id, {{version:UInt64}}, 1 FROM {{db:Identifier}}.{mirror} FINAL "
            "WHERE _version < {version:UInt64}",
            parameters={"db": database, "version": version},
        )


def lsn_number(lsn: str) -> int:
    """PostgreSQL's "16/B374D848" as one increasing integer."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)
