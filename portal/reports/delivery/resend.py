"""Support's re-send of one customer's month: the row opens again and a task is queued.

It is a staff access to the customer's report (the e-mail carries it), so it is audited like one."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from portal.reports.access.audit import Channel, Resource, record_read
from portal.reports.access.gate import ReportGrant
from portal.reports.delivery import claims
from portal.reports.delivery.models import MonthlyEmail
from portal.reports.tasks import send_month_email


def resend(email: MonthlyEmail, *, staff: User) -> bool:
    """False when the e-mail is still on its way (pending or being sent): nothing to re-send."""
    with transaction.atomic():
        if not claims.reopen_for_resend(email):
            return False
        record_read(
            grant=ReportGrant(crm_user_id=email.crm_user_id, audited=True),
            reader=staff,
            resource=Resource.EMAIL,
            channel=Channel.ADMIN,
            month=email.month,
        )
        claims.mark_queued([email.pk])
    transaction.on_commit(lambda: send_month_email.delay(email.pk))
    return True
