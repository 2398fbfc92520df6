"""The nightly workflow as Celery runs it: the beat schedule in the database, and the five-step
chain through a real broker (Redis) and a real worker process."""

import time

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from portal.etl import pipeline, runs
from portal.etl.errors import SourceUnavailable
from portal.etl.models import EtlRun
from portal.etl.tasks import STEP_TASKS
from tests.support.etl import PROSTHETIC_MART, etl_db, mart_rows
from tests.support.factories import CrmUserFactory, EventFactory, ProstheticFactory, utc
from tests.support.workers import portal_env, require_redis, run_in_portal, start_worker
from workers.celery_app import app

DAILY_TASK_NAME = "bionicpro_etl_daily"


@pytest.mark.django_db
def test_the_nightly_schedule_runs_the_etl_at_two_utc_every_day():
    call_command("setup_periodic_tasks")
    task = PeriodicTask.objects.get(name=DAILY_TASK_NAME)

    assert task.enabled
    assert task.task == "etl.run_nightly"
    assert task.task in app.tasks
    crontab = task.crontab
    assert (
        crontab.minute,
        crontab.hour,
        crontab.day_of_week,
        crontab.day_of_month,
        crontab.month_of_year,
    ) == (
        "0",
        "2",
        "*",
        "*",
        "*",
    )
    assert str(crontab.timezone) == "UTC"


@pytest.mark.django_db
def test_setting_up_the_schedule_again_keeps_one_task_and_an_edited_time():
    call_command("setup_periodic_tasks")
    task = PeriodicTask.objects.get(name=DAILY_TASK_NAME)
    task.crontab = CrontabSchedule.objects.create(minute="30", hour="3", timezone="UTC")
    task.save()

    call_command("setup_periodic_tasks")

    assert PeriodicTask.objects.filter(name=DAILY_TASK_NAME).count() == 1
    assert PeriodicTask.objects.get(name=DAILY_TASK_NAME).crontab.hour == "3"


def test_every_step_task_retries_with_backoff_when_a_database_is_briefly_unreachable():
    assert [task.name for task in STEP_TASKS] == [f"etl.{step}" for step in pipeline.STEPS]
    for task in STEP_TASKS:
        assert {OperationalError, SourceUnavailable} <= set(task.autoretry_for)
        assert task.retry_backoff
        assert task.max_retries >= 3


@etl_db
def test_the_five_step_chain_runs_through_a_real_broker_and_worker(etl_clickhouse):
    require_redis()  # CI has Redis (.ci/run): a missing broker there fails, never skips silently
    owner = CrmUserFactory(created_at=utc(2024, 1, 5))
    arm = ProstheticFactory(user=owner, activated_at=utc(2024, 1, 6))
    EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 2, 5))
    run = runs.create_run(trigger=EtlRun.Trigger.ADMIN, data_as_of=utc(2024, 3, 1))
    env = portal_env()  # a queue of its own, so no other worker on this Redis takes these tasks
    worker = start_worker(env)
    try:
        run_in_portal(env, f"from portal.etl.tasks import start_chain; start_chain({run.pk})")
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in (EtlRun.Status.SUCCESS, EtlRun.Status.FAILED):
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert run.status == EtlRun.Status.SUCCESS, run.error or run.status
    assert set(run.steps) == set(pipeline.STEPS)
    assert run.celery_task_id.startswith("chain-")
    assert mart_rows(PROSTHETIC_MART)[(arm.pk, "2024-02")]["power_on_count"] == 1


@etl_db
def test_an_unreachable_source_database_raises_the_retryable_error(etl_clickhouse, settings):
    from portal.etl.sources import SourceDatabase

    if SourceDatabase("crm").kind != "postgresql":
        pytest.skip("only a PostgreSQL source can be made unreachable to ClickHouse alone")
    settings.ETL_SOURCE_HOST = "127.0.0.1:1"  # nothing listens there
    settings.ETL_SOURCE_PASSWORD = "s3cret-source-password"
    run = runs.create_run(trigger=EtlRun.Trigger.SCHEDULE, data_as_of=utc(2024, 3, 1))

    with pytest.raises(SourceUnavailable) as raised:
        pipeline.run_step(run.pk, "extract_crm", token="chain-test")

    assert "POSTGRESQL_CONNECTION_FAILURE" in str(raised.value)
    assert "s3cret-source-password" not in pipeline.describe_error(raised.value)
