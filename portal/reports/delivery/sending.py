"""One customer's month, from the claim to the recorded outcome.

SMTP replies decide what happens next: a 4xx (or a lost connection) is temporary, the row goes
back to pending and the task retries with backoff; a 5xx (unknown mailbox, refused) is permanent,
recorded on the row and never retried. Nothing leaves without the claim (``claims``)."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage

from portal.core.months import add_months
from portal.crm.models import User as CrmUser
from portal.reports.delivery import claims
from portal.reports.delivery.message import MonthEmail, build_message, message_id
from portal.reports.delivery.models import MonthlyEmail
from portal.reports.delivery.preferences import preference_for
from portal.reports.errors import NoReportForMonth, ReportsBusy
from portal.reports.freshness import Freshness, current_freshness
from portal.reports.pdf.download import ensure_stored_pdf
from portal.reports.selectors import month_report

logger = logging.getLogger(__name__)


class TemporaryDeliveryFailure(Exception):
    """Try again later: the row is pending again."""


@dataclass(frozen=True)
class SendResult:
    status: str  # the row's status afterwards, or "not claimed"
    pdf_rendered: bool = False


def send_month_email(email_id: int) -> SendResult:
    email = claims.claim(email_id)
    if email is None:
        return SendResult("not claimed")
    try:
        return _deliver(email)
    except TemporaryDeliveryFailure as exc:
        claims.release_for_retry(email, str(exc))
        raise
    except Exception as exc:
        claims.mark_failed(email, f"{type(exc).__name__}: {exc}")
        raise


def give_up(email_id: int, detail: str) -> None:
    """Temporary failures went on past the last retry: recorded as failed."""
    MonthlyEmail.objects.filter(pk=email_id, status=MonthlyEmail.Status.PENDING).update(
        status=MonthlyEmail.Status.FAILED, detail=f"Gave up after retries. {detail}"[:2000]
    )


def _deliver(email: MonthlyEmail) -> SendResult:
    preference = preference_for(email.crm_user_id)
    if not preference.enabled:
        claims.mark_skipped(email, "The customer turned monthly e-mails off.")
        return SendResult(MonthlyEmail.Status.SKIPPED)
    customer = CrmUser.objects.filter(pk=email.crm_user_id).only("email", "full_name").first()
    if customer is None or not customer.email:
        claims.mark_skipped(email, "No e-mail address in the CRM.")
        return SendResult(MonthlyEmail.Status.SKIPPED)
    try:
        month_email, rendered = _compose(email, customer, preference.language)
    except ReportsBusy as exc:
        raise TemporaryDeliveryFailure("The marts are busy (an ETL run holds them).") from exc
    except NoReportForMonth:
        claims.mark_skipped(email, "No report for this month.")
        return SendResult(MonthlyEmail.Status.SKIPPED)
    message = build_message(month_email)
    handed_over = claims.start_sending(
        email,
        recipient=customer.email,
        language=month_email.language,
        message_id=message_id(month_email),
        pdf_attached=month_email.pdf is not None,
    )
    if not handed_over:
        return SendResult("not claimed")  # the claim was taken over (this worker was presumed dead)
    _send(email, message)
    return SendResult(MonthlyEmail.Status.SENT, pdf_rendered=rendered)


def _compose(email: MonthlyEmail, customer: CrmUser, language: str) -> tuple[MonthEmail, bool]:
    freshness = current_freshness()
    report = month_report(crm_user_id=email.crm_user_id, month=email.month, freshness=freshness)
    stored = ensure_stored_pdf(
        crm_user_id=email.crm_user_id, month=email.month, language=language, freshness=freshness
    )
    pdf = stored.rendered_now
    if pdf is None:
        with default_storage.open(stored.name, "rb") as handle:
            pdf = handle.read()
    month_email = MonthEmail(
        crm_user_id=email.crm_user_id,
        recipient=customer.email,
        name=customer.full_name,
        language=language,
        month=email.month,
        report=report,
        previous=_previous_report(email.crm_user_id, email.month, freshness),
        pdf=pdf if len(pdf) <= settings.REPORT_DELIVERY_MAX_ATTACHMENT_BYTES else None,
        resends=email.resends,
    )
    return month_email, stored.rendered_now is not None


def _previous_report(crm_user_id: int, month: dt.date, freshness: Freshness) -> dict | None:
    try:
        return month_report(crm_user_id=crm_user_id, month=add_months(month, -1), freshness=freshness)
    except NoReportForMonth:
        return None  # the customer's first month


def _send(email: MonthlyEmail, message: EmailMessage) -> None:
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        _record_refusal(email, code, reply)
        return
    except smtplib.SMTPResponseException as exc:
        _record_refusal(email, exc.smtp_code, exc.smtp_error)
        return
    except (smtplib.SMTPException, OSError) as exc:
        raise TemporaryDeliveryFailure(f"Mail server unreachable: {type(exc).__name__}: {exc}") from exc
    claims.mark_sent(email)


def _record_refusal(email: MonthlyEmail, code: int, reply: bytes | str) -> None:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    detail = f"SMTP {code}: {text}"
    if 400 <= code < 500:
        raise TemporaryDeliveryFailure(detail)
    logger.warning("Monthly e-mail #%s refused permanently (SMTP %s)", email.pk, code)
    claims.mark_failed(email, detail)
