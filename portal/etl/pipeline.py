"""The five steps of ``bionicpro_etl_daily`` and how one step runs.

Each step is a plain function of the run's context; ``run_step`` claims the run (the first step of a
run takes the one-run-at-a-time guard), keeps its heartbeat fresh while the step works, and records
the step's figures on the ``EtlRun``. The Celery chain (``portal.etl.tasks``) and ``manage.py run_etl``
both go through here, so they behave the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.utils.translation import gettext_noop

from portal.clickhouse.client import held
from portal.etl import runs
from portal.etl.context import RunContext
from portal.etl.errors import as_retryable
from portal.etl.sources import mask_secrets
from portal.etl.steps.extract_crm import extract_crm
from portal.etl.steps.extract_telemetry import extract_telemetry
from portal.etl.steps.load import load
from portal.etl.steps.transform_prosthetics import transform_prosthetic_metrics
from portal.etl.steps.transform_users import transform_user_metrics

STEPS: dict[str, Callable[[RunContext], dict]] = {
    "extract_crm": extract_crm,
    "extract_telemetry": extract_telemetry,
    "transform_user_metrics": transform_user_metrics,
    "transform_prosthetic_metrics": transform_prosthetic_metrics,
    "load": load,
}
# English in the command line's progress; the admin shows them translated (gettext at render).
STEP_TITLES = {
    "feed": gettext_noop("Read the change feed"),
    "extract_crm": gettext_noop("Extract CRM"),
    "extract_telemetry": gettext_noop("Extract telemetry"),
    "transform_user_metrics": gettext_noop("Transform user metrics"),
    "transform_prosthetic_metrics": gettext_noop("Transform prosthetic metrics"),
    "load": gettext_noop("Load into the marts"),
}


def run_step(run_id: int, step: str, *, token: str) -> dict:
    run = runs.claim(run_id, token=token)
    ctx = RunContext.of(run)
    started = time.perf_counter()
    with runs.heartbeat(run_id), held():
        try:
            stats = STEPS[step](ctx)
        except Exception as exc:
            transient = as_retryable(exc)
            if transient is exc:
                raise
            raise transient from exc
    stats["seconds"] = round(time.perf_counter() - started, 3)
    runs.record_step(run_id, step, stats)
    if step == "load":
        _finish(run_id)
    return stats


def _finish(run_id: int) -> None:
    run = runs.EtlRun.objects.get(pk=run_id)
    months = set()
    watermarks = {}
    for name, stats in run.steps.items():
        if name.startswith("transform_"):
            months.update(stats["months"])
        watermarks.update(stats.get("watermarks", {}))
    runs.finish(run_id, months=sorted(months), watermarks=watermarks)


def run_all(run_id: int, *, token: str, on_step: Callable[[str, dict | None], None] | None = None) -> None:
    """Every step in order in this process (the command line); the run is failed on any error.

    Embedded chDB stays open for the whole run (``held``) unless a report read waits for it."""
    try:
        with held():
            for step in STEPS:
                if on_step:
                    on_step(step, None)
                stats = run_step(run_id, step, token=token)
                if on_step:
                    on_step(step, stats)
    except BaseException as exc:
        runs.fail(run_id, describe_error(exc))
        raise


def describe_error(exc: BaseException) -> str:
    """The error for the run record and the terminal, with any source password scrubbed."""
    return mask_secrets(f"{type(exc).__name__}: {exc}")
