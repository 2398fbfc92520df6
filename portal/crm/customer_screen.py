"""The parts of the admin's customer screen that are not inlines: a link to the customer's
reports, their latest payments and tickets, and their prostheses' recent critical events.

Every list is bounded (the newest few rows, through an index) and links to the full, filtered
admin list. Critical events live in the telemetry database: the customer's prosthesis ids are read
from the CRM first, then the events by those ids (no join across the two databases)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from portal.crm.labels import PAYMENT_METHODS, TICKET_CATEGORIES, label
from portal.crm.models import Payment, Prosthetic, SupportTicket, User
from portal.telemetry.models import Event

LATEST_PAYMENTS = 12
LATEST_TICKETS = 10
LATEST_CRITICAL_EVENTS = 10
CRITICAL_EVENTS_WINDOW = dt.timedelta(days=365)


def when(value: dt.datetime | None) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"


def reports_link(customer: User) -> SafeString:
    return format_html(
        '<a class="button" href="{}">{}</a>',
        reverse("reports:months", kwargs={"user_ref": customer.pk}),
        _("Open this customer's reports"),
    )


def latest_payments(customer: User) -> SafeString:
    payments = Payment.objects.filter(user=customer).order_by("-paid_at", "-id")[:LATEST_PAYMENTS]
    rows = [
        (
            reverse("admin:crm_payment_change", args=[payment.pk]),
            when(payment.paid_at),
            f"{number_format(payment.amount, 2, force_grouping=True)} {payment.currency}",
            payment.get_status_display(),
            label(PAYMENT_METHODS, payment.method),
        )
        for payment in payments
    ]
    all_url = _filtered("admin:crm_payment_changelist", user__id__exact=customer.pk)
    return _table((_("paid at"), _("amount"), _("status"), _("method")), rows, all_url)


def latest_tickets(customer: User) -> SafeString:
    tickets = SupportTicket.objects.filter(user=customer).order_by("-created_at", "-id")[:LATEST_TICKETS]
    rows = [
        (
            reverse("admin:crm_supportticket_change", args=[ticket.pk]),
            when(ticket.created_at),
            ticket.subject,
            label(TICKET_CATEGORIES, ticket.category),
            f"{ticket.get_priority_display()}, {ticket.get_status_display()}",
        )
        for ticket in tickets
    ]
    all_url = _filtered("admin:crm_supportticket_changelist", user__id__exact=customer.pk)
    return _table((_("created at"), _("subject"), _("category"), _("priority and status")), rows, all_url)


def recent_critical_events(customer: User) -> SafeString:
    serials = dict(Prosthetic.objects.filter(user=customer).values_list("id", "serial_number"))
    since = timezone.now() - CRITICAL_EVENTS_WINDOW
    events = (
        Event.objects.filter(
            prosthetic_id__in=list(serials),
            event_type=Event.Type.CRITICAL_ERROR,
            occurred_at__gte=since,
        ).order_by("-occurred_at", "-id")[:LATEST_CRITICAL_EVENTS]
        if serials
        else []
    )
    rows = [
        (
            reverse("admin:telemetry_event_change", args=[event.pk]),
            when(event.occurred_at),
            serials.get(event.prosthetic_id, f"#{event.prosthetic_id}"),
            event.error_code or "—",
        )
        for event in events
    ]
    if not rows:
        return format_html("<p>{}</p>", _("No critical errors in the last 12 months."))
    return _table((_("occurred at"), _("prosthesis"), _("error code")), rows, None)


def _filtered(url_name: str, **params: object) -> str:
    return f"{reverse(url_name)}?{urlencode(params)}"


def _table(headers: Sequence[str], rows: Iterable[tuple], all_url: str | None) -> SafeString:
    """A small table; the first cell of each row links to the row's own admin page."""
    rows = list(rows)
    if not rows:
        return format_html("<p>{}</p>", _("None yet."))
    head = format_html_join("", '<th scope="col">{}</th>', ((header,) for header in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (
                format_html(
                    '<td><a href="{}">{}</a></td>{}',
                    url,
                    first,
                    format_html_join("", "<td>{}</td>", ((cell,) for cell in rest)),
                ),
            )
            for url, first, *rest in rows
        ),
    )
    # Scrolls inside its own box on a phone instead of widening the page.
    table = format_html(
        '<div style="overflow-x: auto; max-width: 100%"><table><thead><tr>{}</tr></thead>'
        "<tbody>{}</tbody></table></div>",
        head,
        body,
    )
    if all_url is None:
        return table
    return format_html('{}<p><a href="{}">{}</a></p>', table, all_url, _("Show all"))
