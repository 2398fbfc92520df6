"""Calendar months, the one place that does month arithmetic.

A month is the ``date`` of its first day; in URLs, cache keys and run records it is ``YYYY-MM``.
Months are calendar months in UTC. The portal knows the months ClickHouse's ``Date`` can hold
(1970-01 through 2149-05, so that the month after the last one is a Date too): a month outside
them can have no mart rows, and arithmetic on it (a year of payment history, the next month)
would leave the range Python's ``date`` covers at its ends.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from django.utils.translation import gettext as _

from portal.core.exceptions import DomainError

FIRST_MONTH = dt.date(1970, 1, 1)
LAST_MONTH = dt.date(2149, 5, 1)

# ASCII digits only (``\d`` also matches other scripts' digits), and nothing after the month
# (``$`` would accept a trailing newline).
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class InvalidMonth(DomainError):
    code = "invalid_month"

    def __init__(self, value: str):
        self.value = value

    def message(self) -> str:
        return _("“%(value)s” is not a month: use YYYY-MM, for example 2025-03.") % {"value": self.value}


class MonthOutOfRange(InvalidMonth):
    code = "month_out_of_range"

    def message(self) -> str:
        return _("“%(value)s” is outside the months reports cover (%(first)s to %(last)s).") % {
            "value": self.value,
            "first": format_month(FIRST_MONTH),
            "last": format_month(LAST_MONTH),
        }


def parse_month(value: str) -> dt.date:
    """``"2025-03"`` -> ``date(2025, 3, 1)``; anything else raises ``InvalidMonth`` (a 400)."""
    match = _MONTH.fullmatch(value or "")
    if not match:
        raise InvalidMonth(value)
    try:
        parsed = dt.date(int(match[1]), int(match[2]), 1)
    except ValueError as exc:  # month 00 or 13, year 0000
        raise InvalidMonth(value) from exc
    if not FIRST_MONTH <= parsed <= LAST_MONTH:
        raise MonthOutOfRange(value)
    return parsed


def parse_optional_month(value: str | None) -> dt.date | None:
    """A query parameter's month: empty or missing means no bound."""
    return parse_month(value) if value else None


def format_month(month: dt.date) -> str:
    # Not strftime("%Y"): it drops the zero padding of years before 1000 on glibc.
    return f"{month.year:04d}-{month.month:02d}"


def month_of(moment: dt.date) -> dt.date:
    """The month a date (or a UTC datetime) falls in."""
    return dt.date(moment.year, moment.month, 1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def next_month(month: dt.date) -> dt.date:
    return add_months(month, 1)


def month_range(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Every month from ``first`` through ``last``; none when ``last`` is before ``first``."""
    month = first
    while month <= last:
        yield month
        month = next_month(month)


def last_day(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def month_start(month: dt.date) -> dt.datetime:
    """The month's first instant, in UTC."""
    return dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)


def last_month_before(moment: dt.datetime) -> dt.date:
    """The last month that began before ``moment`` (an exclusive upper bound such as data_as_of)."""
    return month_of((moment - dt.timedelta(microseconds=1)).astimezone(dt.UTC))


def processed_through_date(data_as_of: dt.datetime | None) -> dt.date | None:
    """The last day fully included when ``data_as_of`` is the exclusive upper bound."""
    if data_as_of is None:
        return None
    return (data_as_of - dt.timedelta(microseconds=1)).date()
