"""The ETL's Celery tasks. Thin on purpose: each task takes a run id and calls the ETL package.

``bionicpro_etl_daily`` (django-celery-beat, 02:00 UTC) calls ``etl.run_nightly``, which records a
run and queues the five steps as one chain. A step that finds a source database or ClickHouse
briefly out of reach is retried with exponential backoff; a step that still fails marks the run
failed with the error, and the chain stops there.
"""

from __future__ import annotations

import uuid

from celery import Task, chain, shared_task
from celery.result import AsyncResult
from celery.signals import worker_process_shutdown
from django.conf import settings

from portal.clickhouse import keeper
from portal.core.periodic import PeriodicSchedule
from portal.etl import pipeline, refresh, runs
from portal.etl.errors import RETRYABLE_ERRORS
from portal.etl.models import EtlRun


class EtlStepTask(Task):
    autoretry_for = RETRYABLE_ERRORS
    retry_backoff = 5
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 6
    acks_late = True
    soft_time_limit = settings.ETL_STEP_TIME_LIMIT_SECONDS
    time_limit = settings.ETL_STEP_TIME_LIMIT_SECONDS + 60

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        run_id = args[0] if args else kwargs["run_id"]
        runs.fail(run_id, pipeline.describe_error(exc))


@shared_task(base=EtlStepTask, name="etl.extract_crm")
def extract_crm(run_id: int, token: str) -> None:
    pipeline.run_step(run_id, "extract_crm", token=token)


@shared_task(base=EtlStepTask, name="etl.extract_telemetry")
def extract_telemetry(run_id: int, token: str) -> None:
    pipeline.run_step(run_id, "extract_telemetry", token=token)


@shared_task(base=EtlStepTask, name="etl.transform_user_metrics")
def transform_user_metrics(run_id: int, token: str) -> None:
    pipeline.run_step(run_id, "transform_user_metrics", token=token)


@shared_task(base=EtlStepTask, name="etl.transform_prosthetic_metrics")
def transform_prosthetic_metrics(run_id: int, token: str) -> None:
    pipeline.run_step(run_id, "transform_prosthetic_metrics", token=token)


@shared_task(base=EtlStepTask, name="etl.load")
def load(run_id: int, token: str) -> None:
    pipeline.run_step(run_id, "load", token=token)


STEP_TASKS = (extract_crm, extract_telemetry, transform_user_metrics, transform_prosthetic_metrics, load)


def start_chain(run_id: int) -> AsyncResult:
    """Queue the five steps of a recorded run; every step carries the same ownership token."""
    token = f"chain-{uuid.uuid4().hex}"
    return chain(task.si(run_id, token) for task in STEP_TASKS).apply_async()


@shared_task(name="etl.run_nightly")
def run_nightly() -> int:
    run = runs.create_run(trigger=EtlRun.Trigger.SCHEDULE)
    start_chain(run.pk)
    return run.pk


@shared_task(name="etl.refresh_marts", ignore_result=True)
def refresh_marts() -> dict:
    # The process that ticks keeps embedded chDB running between ticks: starting the engine costs
    # 0.2-0.5 s of every tick and keeps about 2 MB each time (bench/freshness.py). Report reads in
    # other processes still get it within 50 ms whenever they wait (clickhouse/keeper.py).
    keeper.keep_running_for_process()
    results = refresh.refresh_until_caught_up(budget_seconds=settings.MARTS_REFRESH_CATCH_UP_SECONDS)
    return {
        "run_ids": [result.run_id for result in results if result.run_id is not None],
        "changes": sum(result.changes for result in results),
        "skipped": results[-1].skipped,
    }


@worker_process_shutdown.connect
def _stop_keeping_the_engine(**_: object) -> None:
    """A pool process ends without running atexit hooks: stop the engine cleanly first."""
    keeper.stop_keeping_for_process()


PERIODIC_TASKS = (
    PeriodicSchedule(
        name="bionicpro_etl_daily",
        task=run_nightly.name,
        crontab={"minute": "0", "hour": "2"},
        description="Nightly ETL of CRM and telemetry into the ClickHouse report marts (DESIGN.md).",
    ),
    PeriodicSchedule(
        name="bionicpro_marts_refresh",
        task=refresh_marts.name,
        every_seconds=settings.MARTS_REFRESH_SECONDS,
        description="The change feed's tick: apply new source changes, rebuild the months they touch.",
    ),
)
