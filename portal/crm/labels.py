"""Readable, translated names for CRM values that are free text in the source tables.

``payments.method`` and ``support_tickets.category`` are plain strings other tools write, so the
models cannot restrict them to choices; the admin shows the known ones by name and any other value
as it is stored."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PAYMENT_METHODS: dict[str, Promise] = {
    "card": _("bank card"),
    "sbp": _("Faster Payments System (SBP)"),
    "bank_transfer": _("bank transfer"),
}

TICKET_CATEGORIES: dict[str, Promise] = {
    "hardware": _("hardware"),
    "battery": _("battery"),
    "software": _("software"),
    "billing": _("billing"),
    "fitting": _("fitting"),
}


def label(labels: dict[str, Promise], value: str) -> str:
    return str(labels.get(value, value))
