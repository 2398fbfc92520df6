"""The life of an ETL run record: queued -> running -> success | failed, one running at a time.

The guard is the database itself: a partial unique index allows one ``EtlRun`` with status
``running`` (SQLite and PostgreSQL alike), so two workers on two machines cannot both start. A
run whose process died (killed worker, lost machine) would block forever, so a running run counts
as abandoned when its heartbeat is older than ``ETL_STALE_AFTER_SECONDS`` or when its recorded
process on this host no longer exists; the next claim marks it failed and proceeds.

Fields other engineers rely on (the report cache keys): ``data_as_of`` is the exclusive upper bound
of the source timestamps the run included; ``months_recomputed`` lists every month ("YYYY-MM")
whose mart rows the run rebuilt (both marts), set when the run succeeds.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from portal.core.processes import this_worker, worker_is_gone
from portal.etl.models import EtlRun
from portal.etl.signals import run_succeeded

HEARTBEAT_SECONDS = 30
Status = EtlRun.Status


class EtlAlreadyRunning(RuntimeError):
    """Another run holds the one-run-at-a-time guard."""


class EtlRunNotRunnable(RuntimeError):
    """The run already finished, failed or belongs to another worker."""


def start_of_utc_day(now: dt.datetime | None = None) -> dt.datetime:
    now = (now or timezone.now()).astimezone(dt.UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def default_data_as_of(now: dt.datetime, baseline: EtlRun | None) -> dt.datetime:
    """The start of the UTC day, or later: where refresh ticks have already taken the marts past
    it, a nightly (reconciling) run builds to the same instant, so it agrees with them cell for
    cell and data_as_of never goes back."""
    start = start_of_utc_day(now)
    if baseline is not None and baseline.data_as_of is not None and start < baseline.data_as_of <= now:
        return baseline.data_as_of
    return start


def create_run(
    *,
    trigger: str,
    mode: str = EtlRun.Mode.INCREMENTAL,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
    data_as_of: dt.datetime | None = None,
) -> EtlRun:
    return EtlRun.objects.create(
        trigger=trigger, mode=mode, month_from=month_from, month_to=month_to, data_as_of=data_as_of
    )


def baseline_run(before_id: int) -> EtlRun | None:
    """The last successful nightly or full run: what the marts and the ETL's copies reflect.

    Range runs recompute a few months without moving the baseline, so the next nightly run still
    sees every change since the baseline."""
    return (
        EtlRun.objects.filter(
            status=Status.SUCCESS, mode__in=[EtlRun.Mode.INCREMENTAL, EtlRun.Mode.FULL], id__lt=before_id
        )
        .order_by("-id")
        .first()
    )


def claim(run_id: int, *, token: str) -> EtlRun:
    """The run, running and owned by ``token`` (a Celery chain's root id, or one command call).

    A queued run becomes running, after an abandoned running run is retired; raises
    EtlAlreadyRunning when a live run holds the guard. Later steps of the same chain (and retries)
    pass the same token and get the run back as it is."""
    for _attempt in range(2):
        try:
            return _try_claim(run_id, token)
        except IntegrityError:
            if not _retire_abandoned_run():
                holder = EtlRun.objects.filter(status=Status.RUNNING).first()
                message = f"ETL run #{holder.pk} is still running" if holder else "another ETL run is running"
                raise EtlAlreadyRunning(message) from None
    raise EtlAlreadyRunning("another ETL run started at the same moment")


def _try_claim(run_id: int, token: str) -> EtlRun:
    now = timezone.now()
    with transaction.atomic():
        run = EtlRun.objects.select_for_update().get(pk=run_id)
        if run.status == Status.RUNNING and run.celery_task_id == token:
            return run
        if run.status != Status.QUEUED:
            raise EtlRunNotRunnable(f"ETL run #{run_id} is {run.status}; it cannot be (re)started.")
        run.status = Status.RUNNING
        run.celery_task_id = token
        run.started_at = now
        run.heartbeat_at = now
        run.worker = this_worker()
        baseline = baseline_run(run.pk)
        if run.data_as_of is None:
            run.data_as_of = default_data_as_of(now, baseline)
        if run.mode == EtlRun.Mode.INCREMENTAL and baseline is None:
            run.mode = EtlRun.Mode.FULL  # nothing to be incremental from yet
        run.save()
    return run


def another_run_is_live() -> bool:
    """Whether a live run holds the one-run guard. A run whose process is gone or whose heartbeat
    stopped is retired first, so a killed run never blocks the runs after it."""
    return not _retire_abandoned_run()


def _retire_abandoned_run() -> bool:
    holder = EtlRun.objects.filter(status=Status.RUNNING).first()
    if holder is None:
        return True
    reason = _abandoned_reason(holder)
    if reason is None:
        return False
    updated = EtlRun.objects.filter(pk=holder.pk, status=Status.RUNNING).update(
        status=Status.FAILED, finished_at=timezone.now(), error=f"Abandoned: {reason}."
    )
    return bool(updated)


def _abandoned_reason(run: EtlRun) -> str | None:
    stale_after = dt.timedelta(seconds=settings.ETL_STALE_AFTER_SECONDS)
    if run.heartbeat_at is None or timezone.now() - run.heartbeat_at > stale_after:
        return f"no heartbeat since {run.heartbeat_at or run.started_at}"
    if worker_is_gone(run.worker):
        return f"its process {run.worker} is gone"
    return None


def record_step(run_id: int, step: str, stats: dict) -> None:
    with transaction.atomic():
        run = EtlRun.objects.select_for_update().get(pk=run_id)
        run.steps = {**run.steps, step: stats}
        run.rows_rejected = sum(sum(s.get("rejected", {}).values()) for s in run.steps.values())
        run.heartbeat_at = timezone.now()
        run.worker = this_worker()
        run.save(update_fields=["steps", "rows_rejected", "heartbeat_at", "worker"])


def finish(run_id: int, *, months: list[str], watermarks: dict) -> None:
    EtlRun.objects.filter(pk=run_id).update(
        status=Status.SUCCESS,
        finished_at=timezone.now(),
        months_recomputed=months,
        watermarks=watermarks,
        heartbeat_at=timezone.now(),
    )
    # Receivers (report delivery) hear of the run only once its success is committed.
    transaction.on_commit(lambda: run_succeeded.send(sender=EtlRun, run_id=run_id))


def fail(run_id: int, error: str) -> None:
    EtlRun.objects.filter(pk=run_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
        status=Status.FAILED, finished_at=timezone.now(), error=error[:10000]
    )


@contextmanager
def heartbeat(run_id: int) -> Iterator[None]:
    """Refresh the run's heartbeat from a background thread while a long step works."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                EtlRun.objects.filter(pk=run_id, status=Status.RUNNING).update(heartbeat_at=timezone.now())
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"etl-heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
