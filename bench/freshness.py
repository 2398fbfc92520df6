"""Freshness benchmark: what the refresh tick costs, and how soon a committed change shows in the API.

For the databases in the environment (PostgreSQL with wal_level=logical for the change feed; seed
them with ``seed_demo --scale 10`` and run ``setup_change_feed`` first), it prints:

- tick cost, measured as the Celery worker runs ticks: one long-lived process, a settling tick
  first, then --repeat rounds of a tick with no change (target < 0.5 s), a tick after 1,000 new
  events (target < 1.5 s) and a tick after a late event a year back plus a payment moved between
  months (target < 1.5 s); medians, with the part spent opening embedded chDB (a ClickHouse
  server, as in docker-compose, has none), and the process's peak private memory (target 300 MB);
- freshness: real Celery workers (one with beat and the DatabaseScheduler, which sends
  ``bionicpro_marts_refresh`` every --tick seconds, and the refresh queue's own worker, as in
  docker-compose and ``make demo``) run the ticks, while this process commits --changes changes
  of four kinds (power_on, error, payment, ticket) for one customer, 1-5 s apart, and polls
  ``/api/reports/<id>/<this month>/`` every 0.5 s until each shows; p50 and p95 from commit to
  visible (target p95 <= 60 s with a 60 s tick, <= 15 s with a 10 s tick).

Every row it adds is removed again at the end, and the periodic tasks are restored as they were.

    python bench/freshness.py --tick 60 && python bench/freshness.py --tick 10 --skip-cost
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from amqp.exceptions import ChannelError  # noqa: E402

from bench import etl as etl_bench  # noqa: E402
from bench.etl import PrivateMemoryPeak, _django, _memory, _private_mb  # noqa: E402

BENCH_NOTE = "bench-freshness"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _tick() -> dict:
    from portal.etl.refresh import refresh_marts

    started = time.perf_counter()
    result = refresh_marts()
    return {
        "seconds": time.perf_counter() - started,
        "run_id": result.run_id,
        "changes": result.changes,
        "months": len(result.months),
        "skipped": result.skipped,
    }


def _bench_prostheses(count: int) -> list[int]:
    from portal.crm.models import Prosthetic

    return list(
        Prosthetic.objects.filter(status="active").order_by("pk").values_list("pk", flat=True)[:count]
    )


def phase_settle() -> dict:
    from portal.clickhouse.client import clickhouse
    from portal.clickhouse.schema import apply_migrations

    with clickhouse() as client:
        apply_migrations(client)
    return _tick()


def phase_idle() -> dict:
    return _tick()


def phase_events() -> dict:
    from portal.telemetry.models import Event

    prostheses = _bench_prostheses(50)
    now = _now()
    Event.objects.bulk_create(
        Event(
            prosthetic_id=prostheses[i % len(prostheses)],
            event_type="grip",
            occurred_at=now - dt.timedelta(seconds=i),
            received_at=now,
            error_code=None,
            payload={"bench": BENCH_NOTE},
        )
        for i in range(1000)
    )
    return _tick()


def phase_late_and_payment() -> dict:
    from portal.crm.models import Payment
    from portal.telemetry.models import Event

    (prosthetic,) = _bench_prostheses(1)
    now = _now()
    Event.objects.create(
        prosthetic_id=prosthetic,
        event_type="error",
        occurred_at=now - dt.timedelta(days=365),
        received_at=now,
        error_code="E101",
        payload={"bench": BENCH_NOTE},
    )
    payment = Payment.objects.filter(status="success").order_by("-paid_at").first()
    payment.paid_at -= dt.timedelta(days=31)
    payment.save()
    return _tick()


def phase_cleanup() -> dict:
    from portal.crm.models import Payment, SupportTicket
    from portal.telemetry.models import Event

    removed = Event.objects.filter(payload__bench=BENCH_NOTE).delete()[0]
    removed += Payment.objects.filter(method=BENCH_NOTE).delete()[0]
    removed += SupportTicket.objects.filter(category=BENCH_NOTE).delete()[0]
    return {"removed": removed, **_tick()}


PHASES = {
    "settle": phase_settle,
    "idle": phase_idle,
    "events": phase_events,
    "late_and_payment": phase_late_and_payment,
    "cleanup": phase_cleanup,
}


def _in_fresh_process(phase: str, env: dict, *extra: str) -> dict:
    return etl_bench._in_fresh_process(phase, env, script=__file__, extra=extra)


COST_MEASURES = (
    ("tick, no change", "idle", 0.5),
    ("tick, 1,000 new events", "events", 1.5),
    ("tick, late event + payment moved", "late_and_payment", 1.5),
)


def phase_cost(repeat: int) -> dict:
    """The three kinds of tick, ``repeat`` times each, in this one warm process (what the
    refresher does, keeping embedded chDB running between ticks as its task does); each with the
    seconds spent opening embedded chDB."""
    from portal.clickhouse import client as ch
    from portal.clickhouse.keeper import keep_running_for_process
    from portal.clickhouse.threads import process_threads

    opening = [0.0]
    open_locked = ch.open_locked

    def timed_open(*args, **kwargs):
        started = time.perf_counter()
        try:
            return open_locked(*args, **kwargs)
        finally:
            opening[0] += time.perf_counter() - started

    ch.open_locked = timed_open
    keep_running_for_process()
    _tick()  # settles, and imports what a worker has imported long before
    figures: dict[str, list[dict]] = {phase: [] for _, phase, _ in COST_MEASURES}
    for _ in range(repeat):
        for _, phase, _ in COST_MEASURES:
            time.sleep(2)  # as between two ticks: the previous tick's background work is done
            opening[0] = 0.0
            result = PHASES[phase]()
            after = {"private_mb_after": _private_mb(), "threads_after": process_threads()}
            figures[phase].append({**result, "opening": opening[0], **after})
    return {"figures": figures}


def measure_cost(env: dict, repeat: int) -> None:
    result = _in_fresh_process("cost", env, "--repeat", str(repeat))
    for label, phase, target in COST_MEASURES:
        runs = result["figures"][phase]
        seconds = statistics.median(r["seconds"] for r in runs)
        opening = statistics.median(r["opening"] for r in runs)
        months = max(r["months"] for r in runs)
        print(
            f"{label:<34} median {seconds:5.2f} s over {repeat}, of which {opening:4.2f} s opening chDB "
            f"({months} months rebuilt; target < {target} s)"
        )
    rounds = result["figures"]["late_and_payment"]
    after = [round(r["private_mb_after"]) for r in rounds]
    print(
        f"peak private memory of the ticking process: {result['peak_private_mb']:.0f} MB (target < 300 MB); "
        f"after each round: {', '.join(map(str, after))} MB"
    )
    threads = ", ".join(str(r["threads_after"]) for r in rounds)
    print(f"threads of the ticking process after each round: {threads}")


def _change(kind: str, customer, prosthetic: int, now: dt.datetime) -> None:
    from portal.crm.models import Payment, SupportTicket
    from portal.telemetry.models import Event

    if kind in ("power_on", "error"):
        Event.objects.create(
            prosthetic_id=prosthetic,
            event_type=kind,
            occurred_at=now,
            received_at=now,
            error_code="E101" if kind == "error" else None,
            payload={"bench": BENCH_NOTE},
        )
    elif kind == "payment":
        Payment.objects.create(
            user=customer, amount="100.00", currency="RUB", status="success", method=BENCH_NOTE, paid_at=now
        )
    else:
        SupportTicket.objects.create(
            user=customer,
            subject="bench",
            description="",
            category=BENCH_NOTE,
            priority="low",
            status="open",
            created_at=now,
        )


FIGURES = {
    "power_on": ("prosthetic", "power_on_count"),
    "error": ("prosthetic", "error_count"),
    "payment": ("user", "successful_payments"),
    "ticket": ("user", "tickets_opened"),
}


def _figure(body: dict, kind: str, prosthetic: int) -> float:
    block, name = FIGURES[kind]
    if block == "user":
        return float(body["metrics"][name])
    for item in body["prosthetics"]:
        if item["prosthetic_id"] == prosthetic:
            return float(item[name])
    return 0.0


SAVED_SCHEDULES = "bench-freshness-schedules.json"


def _start_workers(env: dict, tick_seconds: int) -> list[subprocess.Popen]:
    """The production set: beat (DatabaseScheduler) in the default worker sends
    bionicpro_marts_refresh every ``tick_seconds`` to the refresh queue, whose own worker runs it
    (docker-compose's worker, beat and refresher; ``make demo`` runs the same two processes).
    Every other periodic task is paused meanwhile; what they were is saved, so that
    ``_restore_schedules`` (or the next run) puts it back."""
    from django.conf import settings
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from portal.core.periodic import declared_schedules, ensure_schedules

    _restore_schedules()
    ensure_schedules(declared_schedules())
    saved = {task.name: [task.enabled, task.interval_id] for task in PeriodicTask.objects.all()}
    (Path(env["DATA_DIR"]) / SAVED_SCHEDULES).write_text(json.dumps(saved))
    interval, _ = IntervalSchedule.objects.get_or_create(every=tick_seconds, period=IntervalSchedule.SECONDS)
    for task in PeriodicTask.objects.all():
        task.enabled = task.name == "bionicpro_marts_refresh"
        if task.enabled:
            task.interval = interval
        task.save()
    celery = [str(Path(sys.executable).parent / "celery"), "-A", "workers", "worker", "--concurrency", "1"]
    beat = [
        "--beat", "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
        "--schedule", str(Path(env["DATA_DIR"]) / "celerybeat-schedule"),
    ]  # fmt: skip
    refresher = [
        "--hostname", "refresher@%h", "--queues", settings.MARTS_REFRESH_QUEUE,
        "--max-memory-per-child", os.environ.get("MARTS_REFRESHER_MAX_MEMORY_KB", "800000"),
    ]  # fmt: skip
    return [subprocess.Popen([*celery, *options], cwd=ROOT, env=env) for options in (beat, refresher)]


def _wait_for_the_default_queue(limit_seconds: float = 1200) -> None:
    """Freshness is measured with the default queue idle. The first run after a month closes
    queues every customer's report e-mail, and on embedded chDB each of them takes the directory
    from the refresher for a moment: ticks then take 10-15 s instead of about 1 s (seen here with
    159 e-mails left over from the bench's own setup). A ClickHouse server has no such contention."""
    from django.conf import settings

    from workers.celery_app import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    started = time.monotonic()
    with app.connection_for_read() as connection:
        while time.monotonic() - started < limit_seconds and _waiting_tasks(connection, queue):
            time.sleep(5)
    waited = time.monotonic() - started
    if waited > 1:
        print(f"waited {waited:.0f} s for the default queue's tasks (e.g. month e-mails) to finish")


def _waiting_tasks(connection, queue: str) -> int:
    try:
        return connection.default_channel.queue_declare(queue=queue, passive=True).message_count
    except ChannelError:  # the broker keeps no empty queue (Redis)
        return 0


class PoolProcessWatch:
    """Every 2 s, the threads and private memory of a worker's pool process (its child)."""

    def __init__(self, worker: subprocess.Popen):
        self.worker = worker
        self.samples: list[tuple[int, int, float]] = []  # pid, threads, private MB
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        children = Path(f"/proc/{self.worker.pid}/task/{self.worker.pid}/children")
        while not self.stopped.wait(2):
            with contextlib.suppress(OSError, ValueError):
                for pid in map(int, children.read_text().split()):
                    private = _private_mb(pid)
                    if private:  # not a process still being forked
                        self.samples.append((pid, len(os.listdir(f"/proc/{pid}/task")), private))

    def report(self, minutes: float) -> str:
        self.stopped.set()
        self.thread.join()
        if not self.samples:
            return "refresher pool process: no sample"
        first, last = self.samples[0], self.samples[-1]
        processes = len({sample[0] for sample in self.samples})
        return (
            f"refresher pool process over {minutes:.1f} min ({processes} process(es)): "
            f"threads {first[1]} -> {last[1]} (max {max(s[1] for s in self.samples)}), "
            f"private {first[2]:.0f} -> {last[2]:.0f} MB (max {max(s[2] for s in self.samples):.0f} MB)"
        )


def _restore_schedules() -> None:
    from django.conf import settings
    from django_celery_beat.models import PeriodicTask

    saved_file = Path(settings.DATA_DIR) / SAVED_SCHEDULES
    if not saved_file.exists():
        return
    for name, (enabled, interval_id) in json.loads(saved_file.read_text()).items():
        PeriodicTask.objects.filter(name=name).update(enabled=enabled, interval_id=interval_id)
    saved_file.unlink()


def measure_freshness(env: dict, tick_seconds: int, changes: int) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from portal.crm.models import Prosthetic

    workers = _start_workers(env, tick_seconds)
    try:
        _wait_for_the_default_queue()
        watch = PoolProcessWatch(workers[1])
        watched_from = time.monotonic()
        prosthetic = Prosthetic.objects.filter(status="active").order_by("pk").first()
        customer = prosthetic.user
        staff, _ = get_user_model().objects.get_or_create(
            username="bench-freshness", defaults={"is_staff": True}
        )
        staff.is_staff = True
        staff.save()
        from django.contrib.auth.models import Group

        staff.groups.add(Group.objects.get_or_create(name="support")[0])
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(staff)
        url = f"/api/reports/{customer.pk}/{_now():%Y-%m}/"
        rng = random.Random(1)
        kinds = ["power_on", "error", "payment", "ticket"]
        expected: dict[str, float] = {}
        pending: list[tuple[str, float, float]] = []  # kind, value to reach, committed at
        latencies: list[float] = []

        def read() -> dict | None:
            response = client.get(url)
            return response.json() if response.status_code == 200 else None

        body = None
        while body is None:
            body = read()
            time.sleep(1)
        for kind in kinds:
            expected[kind] = _figure(body, kind, prosthetic.pk)
        # Warm-up, not timed: the workers' first tick (a fresh pool process, a cold engine) starts
        # only seconds after they do; the changes are timed from the first tick that applied one.
        _change(kinds[0], customer, prosthetic.pk, _now())
        expected[kinds[0]] += 1.0
        warm_until = time.monotonic() + 300
        while time.monotonic() < warm_until and _figure(body, kinds[0], prosthetic.pk) < expected[kinds[0]]:
            time.sleep(0.5)
            body = read() or body
        made = 0
        next_change = time.monotonic()
        deadline = time.monotonic() + changes * 4 + tick_seconds * 3 + 120
        while (made < changes or pending) and time.monotonic() < deadline:
            if made < changes and time.monotonic() >= next_change:
                kind = kinds[made % len(kinds)]
                _change(kind, customer, prosthetic.pk, _now())
                step = 100.0 if kind == "payment" else 1.0
                expected[kind] += step
                pending.append((kind, expected[kind], time.monotonic()))
                made += 1
                next_change = time.monotonic() + rng.uniform(1, 5)
            body = read()
            if body is not None:
                still = []
                for kind, value, committed in pending:
                    if _figure(body, kind, prosthetic.pk) >= value:
                        latencies.append(time.monotonic() - committed)
                    else:
                        still.append((kind, value, committed))
                pending = still
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=120)
        _restore_schedules()
    print(watch.report((time.monotonic() - watched_from) / 60))
    if not latencies:
        print(f"freshness with a {tick_seconds} s tick: no change became visible")
        return
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 2 else latencies[0]
    print(
        f"freshness with a {tick_seconds} s tick: {len(latencies)}/{changes} changes visible; "
        f"p50 {statistics.median(latencies):.1f} s, p95 {p95:.1f} s, max {max(latencies):.1f} s "
        f"(target p95 <= {60 if tick_seconds >= 60 else 15} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=[*PHASES, "cost"], help=argparse.SUPPRESS)
    parser.add_argument("--tick", type=int, default=60, help="ticker interval, seconds (default 60)")
    parser.add_argument("--changes", type=int, default=20, help="changes to time (default 20)")
    parser.add_argument("--repeat", type=int, default=5, help="ticks per cost figure (default 5)")
    parser.add_argument("--skip-cost", action="store_true", help="only the freshness measurement")
    args = parser.parse_args()
    if args.phase:
        private = PrivateMemoryPeak()
        _django()
        result = phase_cost(args.repeat) if args.phase == "cost" else PHASES[args.phase]()
        print(json.dumps({**result, **_memory(private)}, default=str))
        return

    data_dir = os.environ.get("DATA_DIR") or tempfile.mkdtemp(prefix="bench-freshness-")
    env = {
        **os.environ,
        "DATA_DIR": data_dir,
        "CLICKHOUSE_URL": os.environ.get("CLICKHOUSE_URL", f"chdb://{data_dir}/chdb"),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    try:
        if not args.skip_cost:
            measure_cost(env, args.repeat)
        else:
            _in_fresh_process("settle", env)
        _django()
        measure_freshness(env, args.tick, args.changes)
    finally:
        _in_fresh_process("cleanup", env)
    print("load average (1, 5, 15 min): " + ", ".join(f"{load:.1f}" for load in os.getloadavg()))


if __name__ == "__main__":
    main()
