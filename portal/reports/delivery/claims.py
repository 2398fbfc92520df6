"""The life of one (customer, month) e-mail row, every step a conditional UPDATE.

    pending -> preparing (claimed by one worker: figures, PDF) -> sending (handed to SMTP)
            -> sent | failed | skipped;  preparing -> pending again on a temporary failure.

Only the worker whose UPDATE moved the row out of ``pending`` may send it, so a retried task, a
redelivered message or a second worker finds nothing to claim. A worker killed while preparing
sent nothing: its row goes back to ``pending``. A worker killed while the message was with the SMTP
server may or may not have delivered it; that row becomes ``failed`` (outcome unknown) rather than
risk a second e-mail, and support can re-send it from the admin.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from portal.core.processes import this_worker, worker_is_gone
from portal.reports.delivery.models import MonthlyEmail

Status = MonthlyEmail.Status
INTERRUPTED_WHILE_SENDING = (
    "The worker stopped while the SMTP server had the message; it may have arrived. "
    "Not sent again automatically; re-send from the admin if the customer did not get it."
)


def claim(email_id: int) -> MonthlyEmail | None:
    """The row, now ``preparing`` and owned by this process; None when it is not ``pending``."""
    now = timezone.now()
    claimed = MonthlyEmail.objects.filter(pk=email_id, status=Status.PENDING).update(
        status=Status.PREPARING, worker=this_worker(), claimed_at=now, attempts=F("attempts") + 1
    )
    return MonthlyEmail.objects.get(pk=email_id) if claimed else None


def _mine(email: MonthlyEmail, status: str) -> QuerySet[MonthlyEmail]:
    return MonthlyEmail.objects.filter(pk=email.pk, status=status, worker=email.worker)


def start_sending(
    email: MonthlyEmail, *, recipient: str, language: str, message_id: str, pdf_attached: bool
) -> bool:
    return bool(
        _mine(email, Status.PREPARING).update(
            status=Status.SENDING,
            recipient=recipient,
            language=language,
            message_id=message_id,
            pdf_attached=pdf_attached,
            smtp_started_at=timezone.now(),
        )
    )


def mark_sent(email: MonthlyEmail) -> None:
    _mine(email, Status.SENDING).update(status=Status.SENT, sent_at=timezone.now(), detail="")


def mark_failed(email: MonthlyEmail, detail: str) -> None:
    MonthlyEmail.objects.filter(
        pk=email.pk, worker=email.worker, status__in=[Status.PREPARING, Status.SENDING]
    ).update(status=Status.FAILED, detail=detail[:2000])


def mark_skipped(email: MonthlyEmail, detail: str) -> None:
    _mine(email, Status.PREPARING).update(status=Status.SKIPPED, detail=detail)


def release_for_retry(email: MonthlyEmail, detail: str) -> None:
    """A temporary failure before the server accepted anything: claimable again by the retry."""
    MonthlyEmail.objects.filter(
        pk=email.pk, worker=email.worker, status__in=[Status.PREPARING, Status.SENDING]
    ).update(status=Status.PENDING, detail=detail[:2000], smtp_started_at=None, queued_at=timezone.now())


def recover_abandoned() -> int:
    """Rows whose worker died: back to pending when nothing left yet, failed when SMTP had it."""
    recovered = 0
    for email in MonthlyEmail.objects.filter(status__in=[Status.PREPARING, Status.SENDING]):
        if not _abandoned(email):
            continue
        if email.status == Status.PREPARING:
            recovered += _mine(email, Status.PREPARING).update(status=Status.PENDING, detail="")
        else:
            _mine(email, Status.SENDING).update(status=Status.FAILED, detail=INTERRUPTED_WHILE_SENDING)
    return recovered


def _abandoned(email: MonthlyEmail) -> bool:
    stale_after = dt.timedelta(seconds=settings.REPORT_DELIVERY_STALE_AFTER_SECONDS)
    return (
        worker_is_gone(email.worker) or (email.claimed_at or email.created_at) < timezone.now() - stale_after
    )


def due_for_queueing() -> list[int]:
    """Pending rows never queued, or queued so long ago that their message may be lost."""
    stale = timezone.now() - dt.timedelta(seconds=settings.REPORT_DELIVERY_STALE_AFTER_SECONDS)
    rows = MonthlyEmail.objects.filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=stale), status=Status.PENDING
    )
    return list(rows.order_by("month", "crm_user_id").values_list("pk", flat=True))


def mark_queued(email_ids: list[int]) -> None:
    MonthlyEmail.objects.filter(pk__in=email_ids).update(queued_at=timezone.now())


def reopen_for_resend(email: MonthlyEmail) -> bool:
    """Support's re-send: a finished row becomes pending again (one at a time)."""
    finished = [Status.SENT, Status.FAILED, Status.SKIPPED]
    return bool(
        MonthlyEmail.objects.filter(pk=email.pk, status__in=finished).update(
            status=Status.PENDING,
            resends=F("resends") + 1,
            detail="",
            sent_at=None,
            smtp_started_at=None,
            queued_at=None,
        )
    )
