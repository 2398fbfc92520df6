"""Finding a customer by what support staff hear on the phone: part of a name or e-mail, a phone
number however it is written, a prosthesis serial number, or the CRM id.

One bounded query (LIMIT) with every value bound as a parameter, case-insensitive for Cyrillic
too: PostgreSQL's LOWER follows the database's Unicode ctype; SQLite's does not, so on SQLite the
same SQL calls a Python lower() registered on each connection (``register_sqlite_lower``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, Func, OuterRef, Q, Value
from django.db.models.functions import Replace

from portal.crm.models import Prosthetic, User

MOST_RESULTS = 20
SHORTEST_TERM = 2
LONGEST_TERM = 100
SQLITE_LOWER = "portal_unicode_lower"
PHONE_PUNCTUATION = (" ", "-", "(", ")", "+", ".")


class UnicodeLower(Func):
    function = "LOWER"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, function=SQLITE_LOWER, **extra_context)


def register_sqlite_lower(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` handler: SQLite's own LOWER() only folds ASCII letters."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_LOWER, 1, lambda text: text.lower() if isinstance(text, str) else text, deterministic=True
        )


@dataclass(frozen=True)
class CustomerMatch:
    id: int
    full_name: str
    email: str
    phone: str
    city: str
    serial_numbers: list[str]


@dataclass(frozen=True)
class CustomerSearch:
    term: str
    customers: list[CustomerMatch]
    more: bool  # more than MOST_RESULTS matched: refine the search


class SearchTermInvalid(ValueError):
    """Too short or too long to search for."""


def find_customers(term: str) -> CustomerSearch:
    term = " ".join(term.split())
    if len(term) > LONGEST_TERM or (len(term) < SHORTEST_TERM and not term.isdigit()):
        raise SearchTermInvalid(term)
    rows = list(
        User.objects.annotate(
            name_lower=UnicodeLower(F("full_name")),
            email_lower=UnicodeLower(F("email")),
            phone_digits=_digits_only("phone"),
        )
        .filter(_matching(term))
        .order_by("full_name", "id")
        .values("id", "full_name", "email", "phone", "city")[: MOST_RESULTS + 1]
    )
    more, rows = len(rows) > MOST_RESULTS, rows[:MOST_RESULTS]
    serials: dict[int, list[str]] = {}
    for user_id, serial in (
        Prosthetic.objects.filter(user_id__in=[row["id"] for row in rows])
        .order_by("id")
        .values_list("user_id", "serial_number")
    ):
        serials.setdefault(user_id, []).append(serial)
    customers = [CustomerMatch(**row, serial_numbers=serials.get(row["id"], [])) for row in rows]
    return CustomerSearch(term=term, customers=customers, more=more)


def _matching(term: str) -> Q:
    lowered = term.lower()
    serial = Prosthetic.objects.filter(user=OuterRef("pk"), serial_number__icontains=term)
    matches = Q(name_lower__contains=lowered) | Q(email_lower__contains=lowered) | Q(Exists(serial))
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) >= 3 and all(ch.isdigit() or ch in PHONE_PUNCTUATION for ch in term):
        matches |= Q(phone_digits__contains=digits)
    if term.isdigit():
        matches |= Q(pk=int(term))
    return matches


def _digits_only(field: str) -> Func | F:
    expression: Func | F = F(field)
    for mark in PHONE_PUNCTUATION:
        expression = Replace(expression, Value(mark), Value(""))
    return expression
