"""The template context for a month's report, shared by the HTML page and the PDF."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe

from portal.core.months import (
    add_months,
    format_month,
    last_day,
    month_start,
    parse_month,
    processed_through_date,
)
from portal.reports import charts, comparison, error_codes
from portal.reports.device_activity import daily_activity

EVENTS_SHOWN = 10


def month_page_context(report: dict) -> dict:
    month = parse_month(report["month"])
    data_as_of = parse_datetime(report["data_as_of"])
    assert data_as_of is not None  # the API always writes it
    month_end = last_day(month)
    next_month = add_months(month, 1)
    return {
        "report": report,
        "metrics": report["metrics"],
        "prosthetics": [_prosthesis(p) for p in report["prosthetics"]],
        "finance": comparison.finance_figures(report),
        "summary": comparison.summary_line(report),
        "year_to_date": report["year_to_date"],
        "compared_with": add_months(month, -1) if report.get("previous_metrics") else None,
        "previous_month": format_month(add_months(month, -1)) if report.get("previous_metrics") else None,
        "next_month": format_month(next_month) if month_start(next_month) < data_as_of else None,
        "month": month,
        "period_start": month,
        "period_end": min(month_end, processed_through_date(data_as_of) or month_end),
        "month_to_date": (processed_through_date(data_as_of) or month_end) < month_end,
        "data_as_of": data_as_of,
        "time_zone_name": timezone.get_current_timezone_name(),
        "charts": {
            # Built from escaped template output in charts.bar_chart.
            "usage": mark_safe(charts.usage_chart(report)),  # noqa: S308
            "discharge": mark_safe(charts.discharge_chart(report)),  # noqa: S308
            "charge": mark_safe(charts.charge_chart(report)),  # noqa: S308
            "payments": mark_safe(charts.payments_chart(report)),  # noqa: S308
        },
    }


def _prosthesis(prosthetic: dict) -> dict:
    events = [_event(e) for e in prosthetic.get("attention_events", [])]
    return {
        **prosthetic,
        "figures": comparison.prosthesis_figures(prosthetic),
        "events": events[:EVENTS_SHOWN],
        "more_events": max(len(events) - EVENTS_SHOWN, 0),
        "needs_attention": prosthetic["has_telemetry"] and prosthetic["health_status"] != "healthy",
    }


def _event(event: dict) -> dict:
    title, explanation = error_codes.explain(event["error_code"])
    restarted = event.get("restarted_at")
    return {
        **event,
        "when": parse_datetime(event["occurred_at"]),
        "restarted": parse_datetime(restarted) if restarted else None,
        "critical": event["event_type"] == "critical_error",
        "title": title,
        "explanation": explanation,
    }


def daily_charts(report: dict, context: dict) -> dict[int, dict]:
    """Grips and errors by day for each prosthesis with telemetry (the HTML page only)."""
    month: dt.date = context["month"]
    with_data = [p for p in report["prosthetics"] if p["has_telemetry"]]
    if not with_data:
        return {}
    activity = daily_activity(
        prosthetic_ids=[p["prosthetic_id"] for p in with_data], month=month, data_as_of=context["data_as_of"]
    )
    return {
        p["prosthetic_id"]: {
            name: mark_safe(svg)  # noqa: S308 (escaped template output)
            for name, svg in charts.daily_charts(
                prosthetic=p,
                activity=activity.get(p["prosthetic_id"], {"grips": {}, "errors": {}}),
                month=month,
                last_day=context["period_end"],
            ).items()
        }
        for p in with_data
    }
