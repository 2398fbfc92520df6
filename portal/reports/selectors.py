"""Report building: the month list and one month's report, as the API's serializer data.

The API returns this data as JSON; the pages and the PDF format the very same data, so every
figure a customer sees is the API's figure. Results are cached under the month's data version.
"""

from __future__ import annotations

import datetime as dt

from portal.core.months import FIRST_MONTH, add_months
from portal.reports import cache as report_cache
from portal.reports import marts
from portal.reports.contract import MonthListSerializer, MonthReportSerializer
from portal.reports.errors import InvalidMonthRange, NoReportForMonth
from portal.reports.freshness import Freshness, current_freshness

PAYMENT_HISTORY_MONTHS = 12


def month_list(*, crm_user_id: int, month_from: dt.date | None, month_to: dt.date | None) -> dict:
    if month_from and month_to and month_from > month_to:
        raise InvalidMonthRange()
    freshness = current_freshness()
    key = report_cache.month_list_key(
        crm_user_id=crm_user_id, month_from=month_from, month_to=month_to, version=freshness.list_version()
    )
    data = report_cache.cached_json(key)
    if data is None:
        rows = marts.user_months(user_id=crm_user_id, month_from=month_from, month_to=month_to)
        data = MonthListSerializer(
            {
                "user_id": crm_user_id,
                "data_as_of": freshness.data_as_of,
                "processed_through": freshness.processed_through(),
                "months": rows,
            }
        ).data
        report_cache.store_json(key, data)
    return data


def month_report(*, crm_user_id: int, month: dt.date, freshness: Freshness | None = None) -> dict:
    freshness = freshness or current_freshness()
    freshness.check_covers(month)
    key = report_cache.month_json_key(
        crm_user_id=crm_user_id, month=month, version=freshness.month_version(month)
    )
    data = report_cache.cached_json(key)
    if data is None:
        history_from = max(add_months(month, 1 - PAYMENT_HISTORY_MONTHS), FIRST_MONTH)
        rows = marts.month_rows(user_id=crm_user_id, month=month, history_from=history_from)
        if not rows.user_history or rows.user_history[-1]["month"] != month:
            raise NoReportForMonth(month, rows.first_month)
        user_row = rows.user_history[-1]
        data = MonthReportSerializer(
            {
                "user_id": crm_user_id,
                "month": month,
                "data_as_of": user_row["data_as_of"],
                "metrics": user_row,
                "prosthetics": rows.prosthetics,
                "payment_history": rows.user_history,
            }
        ).data
        report_cache.store_json(key, data)
    return data
