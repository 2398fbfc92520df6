"""Report serving's Celery tasks."""

from __future__ import annotations

from celery import shared_task

from portal.core.periodic import PeriodicSchedule
from portal.reports.services import sweep_report_files


@shared_task(name="reports.sweep_report_files")
def sweep_stored_report_files() -> dict[str, int]:
    result = sweep_report_files()
    return {"removed": result.removed, "kept": result.kept}


PERIODIC_TASKS = (
    PeriodicSchedule(
        name="bionicpro_sweep_report_files",
        task=sweep_stored_report_files.name,
        # After the nightly ETL (02:00 UTC) has finished.
        crontab={"minute": "30", "hour": "3"},
        description="Daily removal of stored report PDFs that no request can ask for any more.",
    ),
)
