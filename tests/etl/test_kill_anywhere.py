"""A run killed anywhere is completed by the next run, and readers never notice (issue 14, item 2).

``run_etl`` processes, and then Celery workers running the five-step chain (real Redis broker),
are SIGKILLed at every ClickHouse statement of a nightly run in turn: before it, or a few
milliseconds into it (``portal/etl/faults.py`` counts the statements; the variable is set only
here). After each kill a clean run completes the work, and the marts must equal the independent
Python computation of a full rebuild (tests/support/reference.py). All along, a reader process (a
fresh one every ten kills) polls the portal's mart read functions and must never see a month
twice, a month whose user and prosthesis rows come from different runs, or a busy ClickHouse (the
API's 503).

Every run moves data_as_of on by a day (so every run rebuilds the last month in both marts) and
adds a payment and telemetry for that day. One run_etl kill per statement of a nightly run (in
CI; ``ETL_KILL_TEST_STRIDE=N`` takes every Nth on a busy machine) and one Celery kill per step.
"""

import datetime as dt
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from portal.etl import pipeline, runs
from portal.etl.faults import KILL_AT_VARIABLE
from portal.etl.models import EtlRun
from tests.support import reference
from tests.support.broker import REDIS_URL, redis_available
from tests.support.etl import (
    PROSTHETIC_MART,
    USER_MART,
    etl_db,
    mart_rows,
    process_env,
    run_etl,
    without_data_as_of,
)
from tests.support.factories import (
    BatteryMetricFactory,
    CrmUserFactory,
    EventFactory,
    PaymentFactory,
    ProstheticFactory,
    utc,
)
from tests.support.workers import portal_env, run_in_portal, start_worker

FIRST_AS_OF = utc(2024, 5, 1)
# Kill at every statement (CI). A busier machine may take every Nth for a quicker local check.
STRIDE = int(os.environ.get("ETL_KILL_TEST_STRIDE", "1"))
CELERY_WAIT_SECONDS = 120
READER_KILLS = 10


@pytest.fixture
def customers(etl_clickhouse):
    """Two customers with a prosthesis each, history since January, marts built once."""
    owners = []
    for number in range(2):
        owner = CrmUserFactory(created_at=utc(2024, 1, 5 + number))
        arm = ProstheticFactory(user=owner, activated_at=utc(2024, 1, 6 + number))
        PaymentFactory(user=owner, paid_at=utc(2024, 2, 10), amount=Decimal("100.00"))
        EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 2, 5, 8))
        EventFactory(prosthetic_id=arm.pk, event_type="power_off", occurred_at=utc(2024, 2, 5, 18))
        BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=utc(2024, 3, 2), current_ma=200)
        owners.append((owner, arm))
    assert run_etl(data_as_of=FIRST_AS_OF, mode=EtlRun.Mode.FULL).status == EtlRun.Status.SUCCESS
    return owners


def add_a_day_of_activity(customers, day: dt.datetime) -> None:
    """A payment and a session for each customer on the day before ``day`` (same month as day)."""
    for number, (owner, arm) in enumerate(customers):
        PaymentFactory(user=owner, paid_at=day - dt.timedelta(hours=5), amount=Decimal(10 + number))
        EventFactory(
            prosthetic_id=arm.pk,
            event_type="power_on",
            occurred_at=day - dt.timedelta(hours=10),
            received_at=timezone.now(),
        )
        EventFactory(
            prosthetic_id=arm.pk,
            event_type="power_off",
            occurred_at=day - dt.timedelta(hours=2, minutes=number),
            received_at=timezone.now(),
        )


def kill_spec(point: int) -> str:
    """Odd points: killed before the statement; even ones: 3 ms into it."""
    return str(point) if point % 2 else f"{point}+3"


def killed_step(run: EtlRun) -> str:
    return list(pipeline.STEPS)[len(run.steps)]


def run_etl_process(point: int, day: dt.datetime) -> tuple[int, EtlRun]:
    process = subprocess.run(
        [sys.executable, "manage.py", "run_etl", "--as-of", day.date().isoformat()],
        cwd=settings.BASE_DIR,
        env=process_env(**{KILL_AT_VARIABLE: kill_spec(point)}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=180,
    )
    return process.returncode, EtlRun.objects.order_by("-id").first()


def celery_worker_killed_at(point: int, day: dt.datetime) -> EtlRun:
    run = runs.create_run(trigger=EtlRun.Trigger.ADMIN, data_as_of=day)
    env = portal_env(**{KILL_AT_VARIABLE: kill_spec(point)})
    worker = start_worker(env)
    try:
        run_in_portal(
            {**env, KILL_AT_VARIABLE: ""}, f"from portal.etl.tasks import start_chain; start_chain({run.pk})"
        )
        worker.wait(timeout=CELERY_WAIT_SECONDS)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == -signal.SIGKILL, "the worker was not killed"
    run.refresh_from_db()
    return run


def assert_a_clean_run_completes_it(day: dt.datetime) -> None:
    rerun = run_etl(data_as_of=day)
    assert rerun.status == EtlRun.Status.SUCCESS, rerun.error
    assert without_data_as_of(mart_rows(USER_MART)) == reference.user_mart(day)
    assert without_data_as_of(mart_rows(PROSTHETIC_MART)) == reference.prosthetic_mart(day)


def start_reader(customers, out: Path) -> subprocess.Popen:
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.support.mart_reader", str(out), *(str(o.pk) for o, _ in customers)],
        cwd=settings.BASE_DIR,
        env=process_env(),
    )
    deadline = time.monotonic() + 60
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return reader


def stop_reader(reader: subprocess.Popen, out: Path) -> tuple[list[str], dict]:
    reader.send_signal(signal.SIGTERM)
    reader.wait(timeout=60)
    assert reader.returncode == 0, f"the reader failed (exit {reader.returncode}); its traceback is above"
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    return [line["problem"] for line in lines if "problem" in line], lines[-1]


class Readers:
    """Reader processes in turn, a fresh one every ``READER_KILLS`` kills, and what they all saw.

    Each hand-off of chDB between the reader and an ETL run restarts the engine in the reader,
    which leaves threads behind (portal/clickhouse/threads.py); one reader for the whole test grew
    past 1 GB and slowed every later kill."""

    def __init__(self, customers, folder: Path):
        self.customers, self.folder = customers, folder
        self.problems: list[str] = []
        self.totals: Counter = Counter()
        self.count = 0
        self._start()

    def _start(self) -> None:
        self.count += 1
        self.out = self.folder / f"reader-{self.count}.jsonl"
        self.process = start_reader(self.customers, self.out)

    def stop(self) -> None:
        problems, summary = stop_reader(self.process, self.out)
        self.problems += problems
        self.totals.update(summary)

    def rotate(self) -> None:
        self.stop()
        self._start()


@etl_db
def test_runs_killed_at_every_statement_are_completed_by_the_next_run_and_readers_see_no_half_load(
    customers, tmp_path
):
    celery = redis_available()
    if not celery and os.environ.get("REQUIRE_E2E"):
        pytest.fail(f"no Redis at {REDIS_URL}, which CI must provide")
    days = (FIRST_AS_OF + dt.timedelta(days=n) for n in itertools.count(1))
    first_point_of_step: dict[str, int] = {}
    killed = Counter()
    readers = Readers(customers, tmp_path)
    try:
        for point in itertools.count(1, STRIDE):
            if point > 1 and (point - 1) // STRIDE % READER_KILLS == 0:
                readers.rotate()
            day = next(days)
            add_a_day_of_activity(customers, day)
            returncode, run = run_etl_process(point, day)
            if run.status == EtlRun.Status.SUCCESS:  # past the run's last statement: nothing left to kill
                break
            assert returncode == -signal.SIGKILL, f"run_etl failed at point {point}: {run.error}"
            assert run.status == EtlRun.Status.RUNNING
            killed[("run_etl", killed_step(run))] += 1
            first_point_of_step.setdefault(killed_step(run), point)
            assert_a_clean_run_completes_it(day)
        if celery:
            for point in first_point_of_step.values():
                day = next(days)
                add_a_day_of_activity(customers, day)
                run = celery_worker_killed_at(point + 1, day)
                assert run.status == EtlRun.Status.RUNNING
                killed[("celery", killed_step(run))] += 1
                assert_a_clean_run_completes_it(day)
    finally:
        readers.stop()

    summary = readers.totals
    print(f"kills by process and step: {dict(killed)}; {readers.count} readers: {dict(summary)}")
    if STRIDE == 1:  # every Nth statement may skip a short step
        assert {step for (_, step) in killed} == set(pipeline.STEPS)
    assert sum(killed.values()) >= 50 // STRIDE, killed
    assert readers.problems == []
    assert summary["reads"] > 50
    assert summary["busy"] == 0
    if not celery:
        pytest.skip(f"run_etl kills passed ({killed}); no Redis at {REDIS_URL} for the Celery kills")
    assert {step for (how, step) in killed if how == "celery"} == set(pipeline.STEPS)
