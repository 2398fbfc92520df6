"""Report building: the month list and one month's report, as the API's serializer data.

The API returns this data as JSON; the pages and the PDF format the very same data, so every
figure a customer sees is the API's figure. Results are cached under the month's data version,
computed once when several requests miss at the same time (``flight``), and every wait for
ClickHouse in one request shares one budget (``budget``).
"""

from __future__ import annotations

import datetime as dt

from portal.core.months import add_months, format_month
from portal.reports import budget, marts
from portal.reports import cache as report_cache
from portal.reports.contract import MonthListSerializer, MonthReportSerializer
from portal.reports.errors import InvalidMonthRange, NoReportForMonth
from portal.reports.flight import computed_once
from portal.reports.freshness import Freshness, current_freshness

PAYMENT_HISTORY_MONTHS = 12


def month_list(*, crm_user_id: int, month_from: dt.date | None, month_to: dt.date | None) -> dict:
    """All of the customer's months are cached as one entry per data version, and the range is
    cut from it here: a range in the key would let anyone fill the cache by varying it."""
    if month_from and month_to and month_from > month_to:
        raise InvalidMonthRange()
    with budget.wait_budget():
        freshness = current_freshness()
        key = report_cache.month_list_key(crm_user_id=crm_user_id, version=freshness.list_version())
        data = computed_once(key, lambda: _all_months(crm_user_id, freshness))
    return {**data, "months": _in_range(data["months"], month_from, month_to)}


def _all_months(crm_user_id: int, freshness: Freshness) -> dict:
    rows = marts.user_months(user_id=crm_user_id, month_from=None, month_to=None)
    return MonthListSerializer(
        {
            "user_id": crm_user_id,
            "data_as_of": freshness.data_as_of,
            "processed_through": freshness.processed_through(),
            "months": rows,
        }
    ).data


def _in_range(months: list[dict], month_from: dt.date | None, month_to: dt.date | None) -> list[dict]:
    low = format_month(month_from) if month_from else ""
    high = format_month(month_to) if month_to else "9999-99"
    return [month for month in months if low <= month["month"] <= high]


def month_report(*, crm_user_id: int, month: dt.date, freshness: Freshness | None = None) -> dict:
    with budget.wait_budget():
        freshness = freshness or current_freshness()
        freshness.check_covers(month)
        key = report_cache.month_json_key(
            crm_user_id=crm_user_id, month=month, version=freshness.month_version(month)
        )
        return computed_once(key, lambda: _month(crm_user_id, month))


def _month(crm_user_id: int, month: dt.date) -> dict:
    rows = marts.month_rows(
        user_id=crm_user_id, month=month, history_from=add_months(month, 1 - PAYMENT_HISTORY_MONTHS)
    )
    if not rows.user_history or rows.user_history[-1]["month"] != month:
        raise NoReportForMonth(month, rows.first_month)
    user_row = rows.user_history[-1]
    return MonthReportSerializer(
        {
            "user_id": crm_user_id,
            "month": month,
            "data_as_of": user_row["data_as_of"],
            "metrics": user_row,
            "prosthetics": rows.prosthetics,
            "payment_history": rows.user_history,
        }
    ).data
