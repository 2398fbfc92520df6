"""Calendar months as the reports address them: ``YYYY-MM`` in URLs, the first day as a date."""

from __future__ import annotations

import datetime as dt
import re

from portal.reports.errors import InvalidMonth

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> dt.date:
    """``"2025-03"`` -> ``date(2025, 3, 1)``; anything else raises ``InvalidMonth`` (a 400)."""
    match = _MONTH.match(value or "")
    if not match:
        raise InvalidMonth(value)
    try:
        return dt.date(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise InvalidMonth(value) from exc


def format_month(month: dt.date) -> str:
    return month.strftime("%Y-%m")


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_start(month: dt.date) -> dt.datetime:
    return dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)


def processed_through_date(data_as_of: dt.datetime | None) -> dt.date | None:
    """The last day fully included when ``data_as_of`` is the exclusive upper bound."""
    if data_as_of is None:
        return None
    return (data_as_of - dt.timedelta(microseconds=1)).date()


def parse_optional_month(value: str | None) -> dt.date | None:
    """A query parameter's month: empty or missing means no bound."""
    return parse_month(value) if value else None
