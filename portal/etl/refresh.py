"""The refresh tick (``bionicpro_marts_refresh``, every minute): bring the marts up to the
sources' latest committed changes, rebuilding only the months those changes touch.

1. A PostgreSQL source with logical replication: drain its slot into the ClickHouse mirrors
   (``feed.drain``). Any other source (SQLite, or PostgreSQL without ``wal_level=logical``) is
   compared with what the last run saw (row count, newest id and change time per table).
2. Nothing changed (no change drained, the watermark sources and the slots' positions as the last
   successful run saw them): nothing is recorded; the marts and ``data_as_of`` stay as they are.
3. Something changed: an incremental run (``trigger=tick``) with ``data_as_of`` = the instant up to
   which every committed change is applied. Its extract steps read the mirrors where the feed
   runs and the sources elsewhere; ``changes`` works out the months the changes touch, and only
   those are rebuilt and swapped in, as in a nightly run.

One tick at a time, and never beside another run: the run guard of ``runs`` decides, and a
source's slot is drained under a PostgreSQL advisory lock. Tick rows are pruned after
``ETL_TICK_RETENTION_DAYS``.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.models import Count, Max
from django.utils import timezone

from portal.clickhouse.client import held
from portal.etl import pipeline, runs
from portal.etl.feed.drain import drain, has_pending_changes
from portal.etl.feed.publications import FEEDS, Feed, slot_position, unavailable_reason
from portal.etl.feed.snapshot import require_snapshot
from portal.etl.models import EtlRun
from portal.etl.session import etl_clickhouse

FEED_STEP = "feed"
# Any 64-bit number: the advisory lock that makes one process at a time drain the slots.
DRAIN_LOCK = 0x62696F6E6963
# The column each watermark-read table stamps when a row is written (CRM, telemetry, the log).
CHANGE_TIME_FIELDS = ("updated_at", "received_at", "changed_at")


@dataclass
class TickResult:
    mode: dict[str, str]  # feed alias -> "logical" | "watermark"
    run_id: int | None = None  # None: nothing changed (or another run was busy), nothing recorded
    skipped: str = ""
    changes: int = 0
    months: list[str] = field(default_factory=list)


def feed_modes() -> dict[str, str]:
    return {feed.alias: "watermark" if unavailable_reason(feed) else "logical" for feed in FEEDS}


def refresh_until_caught_up(*, budget_seconds: float) -> list[TickResult]:
    """Ticks until one finds nothing new, for at most ``budget_seconds`` (the scheduled task).

    A change committed after a tick drained the slots would otherwise wait a whole interval plus a
    tick; the tick that follows at once applies it within seconds, and when nothing came in
    meanwhile it costs one empty peek per slot."""
    started = time.monotonic()
    results = [refresh_marts()]
    while results[-1].run_id is not None and time.monotonic() - started < budget_seconds:
        results.append(refresh_marts())
    return results


def refresh_marts(*, trigger: str = EtlRun.Trigger.TICK) -> TickResult:
    modes = feed_modes()
    result = TickResult(mode=modes)
    if runs.another_run_is_live():
        result.skipped = "another ETL run is in progress"
        return result
    # One embedded-ClickHouse open for the whole tick (about 0.35 s each), opened only once there
    # is something to write: an idle tick never opens it.
    with held():
        return _refresh(result, trigger)


def _refresh(result: TickResult, trigger: str) -> TickResult:
    modes = result.mode
    logical = [feed for feed in FEEDS if modes[feed.alias] == "logical"]
    now = timezone.now()
    with _drain_lock(logical) as locked:
        if not locked:
            result.skipped = "another tick is draining the change feed"
            return result
        drained, applied_through, last_commit = _drain(logical, now)
    fingerprint = _fingerprint([feed for feed in FEEDS if modes[feed.alias] == "watermark"])
    # Where each slot stands: a tick killed after advancing a slot and before its run succeeded
    # left changes in the mirrors that no run has applied; the next tick sees the slot moved.
    fingerprint.update({f"slot:{feed.alias}": [slot_position(feed)] for feed in logical})
    result.changes = sum(drained.values())
    if not result.changes and _nothing_new_since_last_success(fingerprint):
        prune_ticks()
        return result
    _require_snapshots(logical)
    run = runs.create_run(trigger=trigger, data_as_of=applied_through)
    EtlRun.objects.filter(pk=run.pk).update(reads_mirrors=bool(logical))
    feed_stats = {"read": result.changes, "changes": drained, "fingerprint": fingerprint, "mode": modes}
    if last_commit is not None:
        feed_stats["last_commit_at"] = last_commit.isoformat()
    runs.record_step(run.pk, FEED_STEP, feed_stats)
    pipeline.run_all(run.pk, token=f"tick-{uuid.uuid4().hex}")
    result.run_id = run.pk
    result.months = EtlRun.objects.get(pk=run.pk).months_recomputed
    prune_ticks()
    return result


def _drain(feeds: list[Feed], now: dt.datetime) -> tuple[dict[str, int], dt.datetime, dt.datetime | None]:
    """Every slot into the mirrors; returns changes per feed, the instant every change committed
    before is applied (now, for sources read by watermark) and the commit time of the newest
    change drained. Embedded ClickHouse is opened only when a slot holds something: an idle tick
    stays cheap."""
    drained: dict[str, int] = {}
    applied_through = now
    last_commit: dt.datetime | None = None
    if not any(has_pending_changes(feed) for feed in feeds):
        return drained, applied_through, last_commit
    with etl_clickhouse() as client:
        for feed in feeds:
            outcome = drain(feed, client)
            drained[feed.alias] = outcome.changes
            applied_through = min(applied_through, outcome.applied_through or now)
            if outcome.last_commit_at is not None:
                last_commit = max(last_commit or outcome.last_commit_at, outcome.last_commit_at)
    return drained, applied_through, last_commit


def _require_snapshots(feeds: list[Feed]) -> None:
    if feeds:
        with etl_clickhouse() as client:
            for feed in feeds:
                require_snapshot(feed, client)


@contextmanager
def _drain_lock(feeds: list[Feed]) -> Iterator[bool]:
    """A session-level advisory lock on each feed's source database (PostgreSQL only)."""
    with ExitStack() as stack:
        for feed in feeds:
            if not stack.enter_context(_advisory_lock(feed.alias)):
                yield False
                return
        yield True


@contextmanager
def _advisory_lock(alias: str) -> Iterator[bool]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [DRAIN_LOCK])
        (locked,) = cursor.fetchone()
    try:
        yield locked
    finally:
        if locked:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [DRAIN_LOCK])


def _fingerprint(feeds: list[Feed]) -> dict[str, list]:
    """Per source table read by watermark, and its change log: row count, newest id, newest change
    time. A row committed late with an older time still changes the count (an insert) or the newest
    change time (an update stamps updated_at when it is saved; telemetry's log gets a new row)."""
    prints: dict[str, list] = {}
    for feed in feeds:
        for model in apps.get_app_config(feed.alias).get_models():
            if model._meta.db_table not in (*feed.tables, feed.change_log):
                continue
            changed = next(name for name in CHANGE_TIME_FIELDS if hasattr(model, name))
            figures = model._default_manager.aggregate(
                rows=Count("pk"), newest=Max("pk"), changed=Max(changed)
            )
            latest = figures["changed"]
            prints[model._meta.db_table] = [figures["rows"], figures["newest"], latest and latest.isoformat()]
    return prints


def _nothing_new_since_last_success(fingerprint: dict[str, list]) -> bool:
    """The sources read by watermark look as they did at the last successful run, no run failed
    since (a failed tick may have drained changes that are in the mirrors, not the marts), and
    that run's data_as_of covers every change it drained."""
    last = EtlRun.objects.exclude(status=EtlRun.Status.QUEUED).order_by("-id").first()
    if last is None or last.status != EtlRun.Status.SUCCESS or last.mode == EtlRun.Mode.RANGE:
        return False
    feed = (last.steps or {}).get(FEED_STEP, {})
    # data_as_of is where the earliest slot was emptied: a change committed to a later slot after
    # that instant was drained into the mirrors but counts only from a run with a later data_as_of.
    last_commit = feed.get("last_commit_at")
    if last_commit and last.data_as_of and dt.datetime.fromisoformat(last_commit) >= last.data_as_of:
        return False
    return feed.get("fingerprint") == fingerprint


def prune_ticks() -> int:
    """Tick rows older than the retention, except the last successful run (the next baseline)."""
    cutoff = timezone.now() - dt.timedelta(days=settings.ETL_TICK_RETENTION_DAYS)
    keep = runs.baseline_run(before_id=2**62)
    old = EtlRun.objects.filter(trigger=EtlRun.Trigger.TICK, created_at__lt=cutoff)
    if keep is not None:
        old = old.exclude(pk=keep.pk)
    deleted, _ = old.exclude(status=EtlRun.Status.RUNNING).delete()
    return deleted
