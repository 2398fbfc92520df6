"""Signed values in e-mail links (Django's signing with SECRET_KEY and a salt per purpose).

- Unsubscribe: names the customer; no expiry, since an old e-mail's link must still work (RFC 8058).
- PDF link: names the customer and the month, valid ``REPORT_DELIVERY_LINK_DAYS``; it only
  says which report to open: the person who follows it still signs in and passes the access gate.
A forged or altered token fails the signature check and is refused.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing

from portal.core.months import format_month, parse_month
from portal.reports.errors import InvalidMonth

UNSUBSCRIBE_SALT = "reports.delivery.unsubscribe"
PDF_LINK_SALT = "reports.delivery.pdf-link"


class InvalidToken(Exception):
    """The token was not signed by this portal, was altered, or has expired."""


def unsubscribe_token(crm_user_id: int) -> str:
    return signing.dumps({"customer": crm_user_id}, salt=UNSUBSCRIBE_SALT)


def customer_from_unsubscribe_token(token: str) -> int:
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT)["customer"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvalidToken() from exc


def pdf_link_token(crm_user_id: int, month: dt.date) -> str:
    return signing.dumps({"customer": crm_user_id, "month": format_month(month)}, salt=PDF_LINK_SALT)


def report_from_pdf_link_token(token: str) -> tuple[int, dt.date]:
    max_age = dt.timedelta(days=settings.REPORT_DELIVERY_LINK_DAYS)
    try:
        value = signing.loads(token, salt=PDF_LINK_SALT, max_age=max_age)
        return int(value["customer"]), parse_month(value["month"])
    except (signing.BadSignature, InvalidMonth, KeyError, TypeError, ValueError) as exc:
        raise InvalidToken() from exc
