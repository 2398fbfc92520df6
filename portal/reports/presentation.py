"""The template context for a month's report, shared by the HTML page and the PDF."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe

from portal.core.months import last_day, parse_month, processed_through_date
from portal.reports import charts


def month_page_context(report: dict) -> dict:
    month = parse_month(report["month"])
    data_as_of = parse_datetime(report["data_as_of"])
    month_end = last_day(month)
    return {
        "report": report,
        "metrics": report["metrics"],
        "prosthetics": report["prosthetics"],
        "month": month,
        "period_start": month,
        "period_end": min(month_end, processed_through_date(data_as_of) or month_end),
        "month_to_date": (processed_through_date(data_as_of) or month_end) < month_end,
        "data_as_of": data_as_of,
        "charts": {
            # Built from escaped template output in charts.bar_chart.
            "usage": mark_safe(charts.usage_chart(report)),  # noqa: S308
            "battery": mark_safe(charts.battery_chart(report)),  # noqa: S308
            "payments": mark_safe(charts.payments_chart(report)),  # noqa: S308
        },
    }
