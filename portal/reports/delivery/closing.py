"""Which month a successful ETL run closed, and the fan-out of that month's e-mails.

A month closes when the first run whose ``data_as_of`` is at or past the month's end has rebuilt
it: from then on its figures are final (late data may still change them; that does not send
again). Only the month just before ``data_as_of``'s month is delivered: a first full build of
years of history sends last month's report, not one e-mail per past month.

The fan-out writes one ``MonthlyEmail`` row per customer with a report for the month (existing
rows are kept as they are, so running it again adds nothing) and returns the rows that still
need a task: new ones, and ones whose worker died before sending (``claims.recover_abandoned``).
"""

from __future__ import annotations

import datetime as dt

from portal.core.months import add_months, format_month, month_start
from portal.etl.models import EtlRun
from portal.reports import marts
from portal.reports.delivery import claims
from portal.reports.delivery.models import MonthlyEmail


def latest_successful_run() -> EtlRun | None:
    return (
        EtlRun.objects.filter(status=EtlRun.Status.SUCCESS, data_as_of__isnull=False)
        .order_by("-finished_at", "-id")
        .first()
    )


def closed_month(run: EtlRun) -> dt.date | None:
    """The month ``run`` leaves closed: the one before its data_as_of's month, if a run with
    data_as_of at or past that month's end has rebuilt it."""
    if run.data_as_of is None:
        return None
    month = add_months(run.data_as_of.astimezone(dt.UTC).date().replace(day=1), -1)
    month_end = month_start(add_months(month, 1))
    rebuilders = EtlRun.objects.filter(
        status=EtlRun.Status.SUCCESS, data_as_of__gte=month_end, pk__lte=run.pk
    )
    for mode, months in rebuilders.values_list("mode", "months_recomputed"):
        if mode == EtlRun.Mode.FULL or format_month(month) in months:
            return month
    return None


def fan_out(month: dt.date) -> list[int]:
    """One row per customer for ``month`` (idempotent); the ids of the rows to queue now."""
    customers = marts.month_customer_ids(month=month)
    MonthlyEmail.objects.bulk_create(
        [MonthlyEmail(crm_user_id=customer, month=month) for customer in customers],
        ignore_conflicts=True,
        batch_size=500,
    )
    return queue_waiting()


def queue_waiting() -> list[int]:
    """The rows to queue now, marked queued: new ones, and ones a stopped worker left behind."""
    claims.recover_abandoned()
    due = claims.due_for_queueing()
    claims.mark_queued(due)
    return due
