"""Report building: the month list and one month's report, as the API's serializer data.

The API returns this data as JSON; the pages and the PDF format the very same data, so every
figure a customer sees is the API's figure. Results are cached under the month's data version,
computed once when several requests miss at the same time (``flight``), and every wait for
ClickHouse in one request shares one budget (``budget``).
"""

from __future__ import annotations

import datetime as dt

from portal.core.months import FIRST_MONTH, add_months, format_month
from portal.reports import budget, marts, statement
from portal.reports import cache as report_cache
from portal.reports.contract import MonthListSerializer, MonthReportSerializer
from portal.reports.device_activity import attention_events
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
    months = _in_range(data["months"], month_from, month_to)
    return {**data, "months": months, "totals": statement.period_totals(months)}


def _all_months(crm_user_id: int, freshness: Freshness) -> dict:
    rows = marts.user_months(user_id=crm_user_id, month_from=None, month_to=None)
    return MonthListSerializer(
        {
            "user_id": crm_user_id,
            "data_as_of": freshness.data_as_of,
            "processed_through": freshness.processed_through(),
            "months": rows,
            "totals": statement.period_totals(rows),
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
    previous = add_months(month, -1)
    rows = marts.month_rows(
        user_id=crm_user_id,
        month=month,
        history_from=max(add_months(month, 1 - PAYMENT_HISTORY_MONTHS), FIRST_MONTH),
        previous=previous,
    )
    if not rows.user_history or rows.user_history[-1]["month"] != month:
        raise NoReportForMonth(month, rows.first_month)
    user_row = rows.user_history[-1]
    before = [r for r in rows.user_history if r["month"] == previous]
    return MonthReportSerializer(
        {
            "user_id": crm_user_id,
            "month": month,
            "data_as_of": user_row["data_as_of"],
            "metrics": user_row,
            "prosthetics": _statement_prosthetics(rows, month=month, data_as_of=user_row["data_as_of"]),
            "payment_history": rows.user_history,
            "customer_name": statement.customer_name(crm_user_id),
            "statement_number": statement.statement_number(crm_user_id=crm_user_id, month=month),
            "previous_metrics": before[0] if before else None,
            "year_to_date": statement.year_to_date(rows.user_history, month),
        }
    ).data


def _statement_prosthetics(rows: marts.MonthRows, *, month: dt.date, data_as_of: dt.datetime) -> list[dict]:
    """The month's prosthesis rows with what the statement adds: telemetry or not, the CRM status,
    last month's figures, and the events behind a warning or critical status."""
    previous = {r["prosthetic_id"]: r for r in rows.previous_prosthetics}
    statuses = statement.device_statuses([r["prosthetic_id"] for r in rows.prosthetics])
    prosthetics = []
    for row in rows.prosthetics:
        flagged = row["health_status"] != "healthy"
        prosthetics.append(
            {
                **row,
                "has_telemetry": statement.has_telemetry(row),
                "device_status": statuses.get(row["prosthetic_id"]),
                "previous": statement.previous_figures(previous.get(row["prosthetic_id"])),
                "attention_events": attention_events(
                    prosthetic_id=row["prosthetic_id"], month=month, data_as_of=data_as_of
                )
                if flagged
                else [],
            }
        )
    return prosthetics
