"""One publication and one logical replication slot per PostgreSQL source database, and their health.

The publication names the tables the marts read; the slot (plugin ``pgoutput``) keeps every change
to them until the feed has stored it in the mirrors and advanced the slot. A slot that nobody reads
keeps WAL forever, so the server must cap it with ``max_slot_wal_keep_size`` (docker-compose sets
it; ``health`` shows the retained WAL and warns when there is no cap).

Publication and slot share one name, ``<CHANGE_FEED_SLOT_PREFIX>_<alias>`` (slots are per cluster,
so two deployments on one server need two prefixes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.models import Model
from django.utils.translation import gettext as _

from portal.etl.feed.pgoutput import Begin, Decoder, Relation


class SchemaChanged(RuntimeError):
    """A published table no longer has the columns the feed was built for."""


@dataclass(frozen=True)
class Feed:
    alias: str  # the Django database alias of the source: "crm" or "telemetry"
    tables: tuple[str, ...]
    # Read by watermark only: the source's log of rows updated in place (not published).
    change_log: str | None = None

    @property
    def name(self) -> str:
        return f"{settings.CHANGE_FEED_SLOT_PREFIX}_{self.alias}"


FEEDS = (
    Feed("crm", ("users", "prosthetics", "subscriptions", "payments", "support_tickets")),
    Feed("telemetry", ("events", "battery_metrics"), change_log="telemetry_row_changes"),
)


def unavailable_reason(feed: Feed) -> str | None:
    """Why this source cannot feed changes by logical replication (None: it can)."""
    if not settings.CHANGE_FEED_ENABLED:
        return _("the change feed is turned off (CHANGE_FEED_ENABLED)")
    connection = connections[feed.alias]
    if connection.vendor != "postgresql":
        return _("the %(source)s database is %(vendor)s, not PostgreSQL") % {
            "source": feed.alias,
            "vendor": connection.vendor,
        }
    with connection.cursor() as cursor:
        cursor.execute("SHOW wal_level")
        (wal_level,) = cursor.fetchone()
    if wal_level != "logical":
        return _("the %(source)s database runs with wal_level=%(level)s, not logical") % {
            "source": feed.alias,
            "level": wal_level,
        }
    return None


def ensure(feed: Feed) -> tuple[list[str], str | None]:
    """Create the publication and the slot if missing (idempotent); returns what was done and, when
    the slot was created now, its consistent point (the LSN from which it holds changes)."""
    done = []
    created_at_lsn = None
    with connections[feed.alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", [feed.name])
        if cursor.fetchone() is None:
            tables = ", ".join(connections[feed.alias].ops.quote_name(t) for t in feed.tables)
            cursor.execute(f"CREATE PUBLICATION {feed.name} FOR TABLE {tables}")
            done.append(f"created publication {feed.name}")
        cursor.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", [feed.name])
        if cursor.fetchone() is None:
            cursor.execute(
                "SELECT lsn::text FROM pg_create_logical_replication_slot(%s, 'pgoutput')", [feed.name]
            )
            (created_at_lsn,) = cursor.fetchone()
            done.append(f"created slot {feed.name}")
    return done, created_at_lsn


def drop(feed: Feed) -> list[str]:
    done = []
    with connections[feed.alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", [feed.name])
        if cursor.fetchone() is not None:
            cursor.execute("SELECT pg_drop_replication_slot(%s)", [feed.name])
            done.append(f"dropped slot {feed.name}")
        cursor.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", [feed.name])
        if cursor.fetchone() is not None:
            cursor.execute(f"DROP PUBLICATION {feed.name}")
            done.append(f"dropped publication {feed.name}")
    return done


@dataclass(frozen=True)
class SlotHealth:
    feed: str
    slot: str
    exists: bool
    lag_bytes: int | None = None  # WAL written since the last change the feed confirmed
    retained_bytes: int | None = None  # WAL the server keeps for this slot
    oldest_unread_at: dt.datetime | None = None  # commit time of the oldest change not read yet
    wal_status: str | None = None  # reserved | extended | unreserved | lost
    max_slot_wal_keep_size: str | None = None  # "-1" means no cap

    @property
    def lag_seconds(self) -> float | None:
        if self.oldest_unread_at is None:
            return 0.0 if self.exists else None
        return (dt.datetime.now(dt.UTC) - self.oldest_unread_at).total_seconds()


def health(feed: Feed) -> SlotHealth:
    with connections[feed.alias].cursor() as cursor:
        cursor.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint, "
            "pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, wal_status, "
            "current_setting('max_slot_wal_keep_size') "
            "FROM pg_replication_slots WHERE slot_name = %s",
            [feed.name],
        )
        row = cursor.fetchone()
    if row is None:
        return SlotHealth(feed.alias, feed.name, exists=False)
    lag, retained, wal_status, keep = row
    return SlotHealth(
        feed.alias,
        feed.name,
        exists=True,
        lag_bytes=lag,
        retained_bytes=retained,
        oldest_unread_at=_oldest_unread_commit(feed) if wal_status != "lost" else None,
        wal_status=wal_status,
        max_slot_wal_keep_size=keep,
    )


def slot_position(feed: Feed) -> str | None:
    """How far the feed's slot has been advanced (its confirmed LSN); None when it has no slot."""
    with connections[feed.alias].cursor() as cursor:
        cursor.execute(
            "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = %s", [feed.name]
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _oldest_unread_commit(feed: Feed) -> dt.datetime | None:
    """The commit time of the first transaction still in the slot (peeking one change)."""
    with connections[feed.alias].cursor() as cursor:
        cursor.execute(
            "SELECT data FROM pg_logical_slot_peek_binary_changes(%s, NULL, 1, "
            "'proto_version', '1', 'publication_names', %s) LIMIT 1",
            [feed.name, feed.name],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    message = Decoder().decode(row[0])
    return message.committed_at if isinstance(message, Begin) else None


def check_schema(relation: Relation) -> None:
    """Fail loudly when a published table's columns differ from the source model's."""
    model = _model_for_table(relation.name)
    expected = {field.column for field in model._meta.concrete_fields if field.column}
    actual = set(relation.column_names)
    if actual != expected:
        added, removed = sorted(actual - expected), sorted(expected - actual)
        raise SchemaChanged(
            f"Source table {relation.name} changed (columns added: {added or 'none'}, removed: "
            f"{removed or 'none'}). The change feed stopped before applying it: update the models, "
            "the mirrors and the ETL for the new schema, then run the tick again."
        )


def _model_for_table(table: str) -> type[Model]:
    for label in ("crm", "telemetry"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.db_table == table:
                return model
    raise SchemaChanged(f"{table} is published but is not a source table of the marts")
