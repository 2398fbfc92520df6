"""The ETL's success starts the monthly e-mails (connected in ``ReportsConfig.ready``).

The etl app only sends its ``run_succeeded`` signal; reports listens, so the import direction
stays reports -> etl. The coordinator is queued once the current transaction commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from portal.reports.tasks import deliver_closed_month


def queue_delivery_after_run(sender: type, run_id: int, **kwargs: Any) -> None:
    if not settings.REPORT_DELIVERY_ENABLED:
        return
    transaction.on_commit(lambda: deliver_closed_month.delay(run_id))
