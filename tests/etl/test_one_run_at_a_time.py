"""Only one ETL run at a time, across processes and machines; a dead run does not block forever."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.etl import pipeline, runs
from portal.etl.models import EtlRun
from tests.support.etl import dead_pid, etl_db, run_etl
from tests.support.factories import CrmUserFactory, utc

DATA_AS_OF = utc(2024, 3, 1)


def running_run(*, worker: str, heartbeat_at: dt.datetime) -> EtlRun:
    run = runs.create_run(trigger=EtlRun.Trigger.SCHEDULE, data_as_of=DATA_AS_OF)
    runs.claim(run.pk, token="other-worker")
    EtlRun.objects.filter(pk=run.pk).update(worker=worker, heartbeat_at=heartbeat_at)
    return run


@pytest.mark.django_db
def test_the_database_refuses_a_second_running_run():
    EtlRun.objects.create(trigger=EtlRun.Trigger.COMMAND, status=EtlRun.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        EtlRun.objects.create(trigger=EtlRun.Trigger.SCHEDULE, status=EtlRun.Status.RUNNING)


@etl_db
def test_a_run_cannot_start_while_a_live_run_is_running(etl_clickhouse):
    holder = running_run(worker=runs.this_worker(), heartbeat_at=timezone.now())
    second = runs.create_run(trigger=EtlRun.Trigger.COMMAND, data_as_of=DATA_AS_OF)

    with pytest.raises(runs.EtlAlreadyRunning, match=f"#{holder.pk}"):
        pipeline.run_all(second.pk, token="second")

    second.refresh_from_db()
    holder.refresh_from_db()
    assert second.status == EtlRun.Status.FAILED
    assert f"ETL run #{holder.pk} is still running" in second.error
    assert holder.status == EtlRun.Status.RUNNING


@etl_db
def test_a_run_on_another_machine_with_a_stale_heartbeat_is_retired(etl_clickhouse, settings):
    settings.ETL_STALE_AFTER_SECONDS = 600
    CrmUserFactory(created_at=utc(2024, 1, 1))
    stale = running_run(worker="another-host:123", heartbeat_at=timezone.now() - dt.timedelta(minutes=11))

    run = run_etl(data_as_of=DATA_AS_OF)

    stale.refresh_from_db()
    assert run.status == EtlRun.Status.SUCCESS
    assert stale.status == EtlRun.Status.FAILED
    assert stale.error.startswith("Abandoned: no heartbeat since")


@etl_db
def test_a_run_whose_process_on_this_machine_is_gone_is_retired(etl_clickhouse):
    CrmUserFactory(created_at=utc(2024, 1, 1))
    host = runs.this_worker().rpartition(":")[0]
    dead = running_run(worker=f"{host}:{dead_pid()}", heartbeat_at=timezone.now())

    run = run_etl(data_as_of=DATA_AS_OF)

    dead.refresh_from_db()
    assert run.status == EtlRun.Status.SUCCESS
    assert dead.status == EtlRun.Status.FAILED
    assert "is gone" in dead.error


@etl_db
def test_a_finished_run_cannot_be_started_again(etl_clickhouse):
    CrmUserFactory(created_at=utc(2024, 1, 1))
    run = run_etl(data_as_of=DATA_AS_OF)

    with pytest.raises(runs.EtlRunNotRunnable):
        pipeline.run_step(run.pk, "extract_crm", token="someone-else")
