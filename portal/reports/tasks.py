"""Report serving's Celery tasks: the sweep of stored PDFs and the monthly e-mails.

E-mails: ``deliver_closed_month`` (the coordinator) is queued when an ETL run succeeds (the etl
app's ``run_succeeded`` signal, see ``delivery.receivers``) and every 15 minutes by beat, to resume
a batch a killed worker left behind. It queues one ``send_month_email`` per customer and month;
those are rate-limited per worker and retried with backoff on temporary SMTP failures.
"""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from portal.core.periodic import PeriodicSchedule
from portal.etl.models import EtlRun
from portal.reports.delivery import closing, sending
from portal.reports.errors import ReportsBusy
from portal.reports.services import sweep_report_files


@shared_task(name="reports.sweep_report_files")
def sweep_stored_report_files() -> dict[str, int]:
    result = sweep_report_files()
    return {"removed": result.removed, "kept": result.kept}


# The marts may be briefly held by an ETL run (embedded chDB): try again shortly.
@shared_task(
    name="reports.deliver_closed_month", autoretry_for=(ReportsBusy,), retry_backoff=10, max_retries=5
)
def deliver_closed_month(run_id: int | None = None) -> dict[str, object]:
    """Fan out the e-mails of the month ``run_id`` (default: the latest successful run) closed,
    and queue every e-mail still waiting. Safe to run any number of times."""
    if not settings.REPORT_DELIVERY_ENABLED:
        return {"month": None, "queued": 0}
    run = EtlRun.objects.filter(pk=run_id).first() if run_id else closing.latest_successful_run()
    month = closing.closed_month(run) if run else None
    queued = closing.fan_out(month) if month else closing.queue_waiting()
    for email_id in queued:
        send_month_email.delay(email_id)
    return {"month": month.strftime("%Y-%m") if month else None, "queued": len(queued)}


@shared_task(
    bind=True,
    name="reports.send_month_email",
    rate_limit=f"{settings.REPORT_DELIVERY_PER_MINUTE}/m",
    acks_late=True,
    max_retries=settings.REPORT_DELIVERY_MAX_RETRIES,
)
def send_month_email(self: Task, email_id: int) -> str:
    try:
        return sending.send_month_email(email_id).status
    except sending.TemporaryDeliveryFailure as exc:
        if self.request.retries >= self.max_retries:
            sending.give_up(email_id, str(exc))
            return "failed"
        countdown = min(settings.REPORT_DELIVERY_RETRY_SECONDS * 2**self.request.retries, 3600)
        raise self.retry(exc=exc, countdown=countdown) from exc


PERIODIC_TASKS = (
    PeriodicSchedule(
        name="bionicpro_sweep_report_files",
        task=sweep_stored_report_files.name,
        # After the nightly ETL (02:00 UTC) has finished.
        crontab={"minute": "30", "hour": "3"},
        description="Daily removal of stored report PDFs that no request can ask for any more.",
    ),
    PeriodicSchedule(
        name="bionicpro_report_emails",
        task=deliver_closed_month.name,
        every_seconds=15 * 60,
        description="Monthly report e-mails: fan out a closed month missed by the ETL signal and "
        "resume e-mails a stopped worker left waiting. Sends nothing twice.",
    ),
)
