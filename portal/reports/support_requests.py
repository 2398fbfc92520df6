"""Support tickets a customer opens from a month's report, and the tickets they can follow.

A ticket is a CRM ``support_tickets`` row about one of the customer's prostheses and that month.
Asking twice about the same prosthesis and month while the first ticket is still open returns the
open one instead of a duplicate.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from portal.crm.models import SupportTicket
from portal.reports.formatting import health_label, limb_label, month_in_sentence

CATEGORY = "hardware"
PRIORITY_BY_STATUS = {"critical": SupportTicket.Priority.HIGH, "warning": SupportTicket.Priority.NORMAL}
OPEN_STATUSES = (SupportTicket.Status.OPEN, SupportTicket.Status.IN_PROGRESS)
TICKETS_SHOWN = 20


def _subject(prosthetic: dict, month: dt.date) -> str:
    return _("%(model)s, %(limb)s (%(serial)s): %(status)s status in %(month)s") % {
        "model": prosthetic["model"],
        "limb": limb_label(prosthetic["limb"]).lower(),
        "serial": prosthetic["serial_number"],
        "status": health_label(prosthetic["health_status"]),
        "month": month_in_sentence(month),
    }


def _description(report: dict, prosthetic: dict) -> str:
    codes = sorted({e["error_code"] or "?" for e in prosthetic["attention_events"]})
    return _(
        "Opened by the customer from statement %(number)s. Errors: %(errors)s, "
        "critical errors: %(critical)s, downtime: %(downtime)s min, availability: %(uptime)s%%. "
        "Codes: %(codes)s."
    ) % {
        "number": report["statement_number"],
        "errors": prosthetic["error_count"],
        "critical": prosthetic["critical_error_count"],
        "downtime": prosthetic["downtime_minutes"],
        "uptime": prosthetic["uptime_pct"],
        "codes": ", ".join(codes) or "—",
    }


def open_ticket(*, report: dict, prosthetic: dict, month: dt.date) -> tuple[SupportTicket, bool]:
    """(ticket, created): a new ticket, or the one still open about this prosthesis and month."""
    subject = _subject(prosthetic, month)
    existing = SupportTicket.objects.filter(
        user_id=report["user_id"],
        prosthetic_id=prosthetic["prosthetic_id"],
        subject=subject,
        status__in=OPEN_STATUSES,
    ).first()
    if existing is not None:
        return existing, False
    ticket = SupportTicket.objects.create(
        user_id=report["user_id"],
        prosthetic_id=prosthetic["prosthetic_id"],
        subject=subject,
        description=_description(report, prosthetic),
        category=CATEGORY,
        priority=PRIORITY_BY_STATUS.get(prosthetic["health_status"], SupportTicket.Priority.NORMAL),
    )
    return ticket, True


def customer_tickets(crm_user_id: int) -> list[SupportTicket]:
    return list(
        SupportTicket.objects.filter(user_id=crm_user_id)
        .select_related("prosthetic")
        .order_by("-created_at", "-id")[:TICKETS_SHOWN]
    )
