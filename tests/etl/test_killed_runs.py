"""A run killed at any point leaves what readers see as it was (or with its load fully published), and the
next run ends with the correct marts."""

import datetime as dt
import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from portal.clickhouse.client import clickhouse
from portal.etl import pipeline, runs
from portal.etl.context import RunContext
from portal.etl.models import EtlRun
from portal.etl.steps.load import copy_months, reserve_load_id
from tests.support.etl import (
    PROSTHETIC_MART,
    USER_MART,
    assert_marts_equal_a_full_rebuild,
    dead_pid,
    etl_db,
    mart_rows,
    process_env,
    run_etl,
)
from tests.support.factories import (
    BatteryMetricFactory,
    CrmUserFactory,
    EventFactory,
    PaymentFactory,
    ProstheticFactory,
    utc,
)

FIRST_AS_OF = utc(2024, 3, 15)
NEXT_AS_OF = utc(2024, 3, 16)


@pytest.fixture
def built(etl_clickhouse):
    """Marts built once; then a payment is deleted and a late event arrives for February."""
    owner = CrmUserFactory(created_at=utc(2024, 1, 5))
    arm = ProstheticFactory(user=owner, activated_at=utc(2024, 1, 6))
    payment = PaymentFactory(user=owner, paid_at=utc(2024, 2, 10), amount=Decimal("100.00"))
    PaymentFactory(user=owner, paid_at=utc(2024, 3, 10), amount=Decimal("7.00"))
    EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 2, 5))
    BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=utc(2024, 3, 2))
    assert run_etl(data_as_of=FIRST_AS_OF).status == EtlRun.Status.SUCCESS
    marts = {table: mart_rows(table) for table in (USER_MART, PROSTHETIC_MART)}
    payment.delete()
    EventFactory(
        prosthetic_id=arm.pk, event_type="error", occurred_at=utc(2024, 2, 6), received_at=timezone.now()
    )
    return {"owner": owner, "arm": arm, "marts": marts}


def start_run_and_die_after(steps: list[str]) -> EtlRun:
    """Run some steps of a nightly run in this process, then leave it as a killed worker would:
    status running, owned by a process that no longer exists."""
    run = runs.create_run(trigger=EtlRun.Trigger.SCHEDULE, data_as_of=NEXT_AS_OF)
    for step in steps:
        pipeline.run_step(run.pk, step, token="doomed")
    host = runs.this_worker().rpartition(":")[0]
    EtlRun.objects.filter(pk=run.pk).update(worker=f"{host}:{dead_pid()}")
    return run


@etl_db
@pytest.mark.parametrize("completed_steps", [1, 2, 3, 4])
def test_a_run_killed_between_steps_changes_no_mart_and_the_next_run_completes(built, completed_steps):
    start_run_and_die_after(list(pipeline.STEPS)[:completed_steps])

    assert {table: mart_rows(table) for table in built["marts"]} == built["marts"]

    next_run = run_etl(data_as_of=NEXT_AS_OF)
    assert next_run.status == EtlRun.Status.SUCCESS
    assert next_run.months_recomputed == ["2024-02", "2024-03"]
    assert mart_rows(USER_MART)[(built["owner"].pk, "2024-02")]["total_payments"] == Decimal("0.00")
    assert mart_rows(PROSTHETIC_MART)[(built["arm"].pk, "2024-02")]["error_count"] == 1
    assert_marts_equal_a_full_rebuild(NEXT_AS_OF)


@etl_db
def test_a_run_killed_in_the_middle_of_the_load_changes_nothing_readers_see_and_the_next_run_completes(built):
    run = start_run_and_die_after(list(pipeline.STEPS)[:4])
    # The load step got as far as copying February of the user mart, unpublished, then died.
    ctx = RunContext.of(EtlRun.objects.get(pk=run.pk))
    with clickhouse() as client:
        load_id = reserve_load_id(client, ctx)
    copy_months(
        ctx,
        load_id=load_id,
        mart=USER_MART,
        stage="etl_stage_user_monthly_metrics",
        months=[dt.date(2024, 2, 1)],
    )
    assert {table: mart_rows(table) for table in built["marts"]} == built["marts"]

    next_run = run_etl(data_as_of=NEXT_AS_OF)

    assert next_run.status == EtlRun.Status.SUCCESS
    assert next_run.months_recomputed == ["2024-02", "2024-03"]
    assert mart_rows(USER_MART)[(built["owner"].pk, "2024-02")]["total_payments"] == Decimal("0.00")
    assert mart_rows(PROSTHETIC_MART)[(built["arm"].pk, "2024-02")]["error_count"] == 1
    assert_marts_equal_a_full_rebuild(NEXT_AS_OF)


@etl_db
def test_killing_the_run_etl_process_mid_run_and_running_again_gives_correct_marts(built):
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_etl", "--as-of", NEXT_AS_OF.date().isoformat()],
        cwd=settings.BASE_DIR,
        env=process_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        run = EtlRun.objects.order_by("-id").first()
        if run.status == EtlRun.Status.RUNNING and "extract_telemetry" in run.steps:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed = EtlRun.objects.order_by("-id").first()
    assert killed.status == EtlRun.Status.RUNNING, "the run finished before it could be killed"

    next_run = run_etl(data_as_of=NEXT_AS_OF)

    killed.refresh_from_db()
    assert killed.status == EtlRun.Status.FAILED
    assert next_run.status == EtlRun.Status.SUCCESS
    assert mart_rows(USER_MART)[(built["owner"].pk, "2024-02")]["total_payments"] == Decimal("0.00")
    assert_marts_equal_a_full_rebuild(NEXT_AS_OF)


@etl_db
def test_reports_can_be_read_while_an_etl_process_is_running(built):
    """The ETL takes the embedded ClickHouse lock per step, not per run: reads get in between."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_etl", "--full", "--as-of", NEXT_AS_OF.date().isoformat()],
        cwd=settings.BASE_DIR,
        env=process_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    reads_during_run = 0
    try:
        while process.poll() is None:
            with clickhouse(timeout=30) as client:
                client.query(
                    "SELECT count() FROM {db:Identifier}.{t:Identifier}",
                    parameters={"db": settings.CLICKHOUSE_DATABASE, "t": USER_MART},
                )
            run = EtlRun.objects.order_by("-id").first()
            if process.poll() is None and run.status == EtlRun.Status.RUNNING and run.steps:
                reads_during_run += 1
    finally:
        process.wait(timeout=120)

    assert process.returncode == 0
    assert reads_during_run > 0
