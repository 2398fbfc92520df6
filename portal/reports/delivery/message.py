"""One customer's month as an e-mail: subject, plain text and HTML bodies, the PDF attached or
linked, and the one-click unsubscribe headers of RFC 8058 (``List-Unsubscribe`` with an https
address, ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime

from portal.core.months import format_month
from portal.reports.delivery import tokens
from portal.reports.delivery.figures import customer_figures, prosthesis_figures
from portal.reports.formatting import month_in_sentence
from portal.reports.pdf.download import PDF_CONTENT_TYPE, pdf_filename


@dataclass(frozen=True)
class MonthEmail:
    crm_user_id: int
    recipient: str
    name: str
    language: str
    month: dt.date
    report: dict  # the API's month report
    previous: dict | None  # the API's report of the month before, when there is one
    pdf: bytes | None  # attached when given, otherwise linked
    resends: int = 0


def portal_url(path: str) -> str:
    return settings.PORTAL_PUBLIC_URL + path


def message_id(email: MonthEmail) -> str:
    """Stable per customer, month and re-send, so a mail system can spot a repeat."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "bionicpro.example"
    return f"<report.{email.crm_user_id}.{format_month(email.month)}.{email.resends}@{domain}>"


def build_message(email: MonthEmail) -> EmailMultiAlternatives:
    unsubscribe_url = portal_url(
        reverse("delivery:unsubscribe", kwargs={"token": tokens.unsubscribe_token(email.crm_user_id)})
    )
    with translation.override(email.language):
        context = _context(email, unsubscribe_url)
        subject = render_to_string("reports/email/subject.txt", context).strip()
        text = render_to_string("reports/email/month.txt", context)
        html = render_to_string("reports/email/month.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[email.recipient],
        headers={
            "Message-ID": message_id(email),
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Content-Language": email.language,
        },
    )
    message.attach_alternative(html, "text/html")
    if email.pdf is not None:
        message.attach(pdf_filename(email.crm_user_id, email.month), email.pdf, PDF_CONTENT_TYPE)
    return message


def _context(email: MonthEmail, unsubscribe_url: str) -> dict:
    previous_prosthetics = {p["prosthetic_id"]: p for p in (email.previous or {}).get("prosthetics", [])}
    month_path = reverse("reports:month", kwargs={"user_ref": "me", "month": format_month(email.month)})
    pdf_link = None
    if email.pdf is None:
        token = tokens.pdf_link_token(email.crm_user_id, email.month)
        pdf_link = portal_url(reverse("delivery:pdf", kwargs={"token": token}))
    return {
        "name": email.name,
        # Every use is inside a sentence ("your report for march 2025"): lower case in Russian.
        "month_label": month_in_sentence(email.month),
        "previous_month_label": month_in_sentence(email.previous["month"]) if email.previous else None,
        "figures": customer_figures(email.report["metrics"], email.previous and email.previous["metrics"]),
        "prostheses": [
            prosthesis_figures(p, previous_prosthetics.get(p["prosthetic_id"]))
            for p in email.report["prosthetics"]
        ],
        "data_as_of": parse_datetime(email.report["data_as_of"]),
        "pdf_attached": email.pdf is not None,
        "pdf_link": pdf_link,
        "report_url": portal_url(month_path),
        "settings_url": portal_url(reverse("delivery:settings")),
        "unsubscribe_url": unsubscribe_url,
    }
