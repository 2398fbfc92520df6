"""What a customer's prosthesis did within one month, read from the telemetry database: the error
events behind a warning or critical status, and activity by day for the charts.

Callers pass prosthesis ids taken from the customer's own mart rows (so the gate has already
decided), and the window is the report's: [month start, min(next month, data_as_of)). Every read
is bounded: a fixed number of events, and day counts grouped in the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import TruncDate

from portal.core.months import add_months, month_start
from portal.telemetry.models import Event

MAX_EVENTS = 200  # per prosthesis and month; a statement lists the first ones and counts the rest
ATTENTION_TYPES = (Event.Type.ERROR, Event.Type.CRITICAL_ERROR)
DAILY_TYPES = (Event.Type.GRIP, Event.Type.ERROR, Event.Type.CRITICAL_ERROR)


def report_window(month: dt.date, data_as_of: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return month_start(month), min(month_start(add_months(month, 1)), data_as_of)


def attention_events(*, prosthetic_id: int, month: dt.date, data_as_of: dt.datetime) -> list[dict]:
    """Error and critical events of the month, oldest first; a critical one carries how long the
    device stayed down (until the next power-on, within the window)."""
    start, end = report_window(month, data_as_of)
    rows = list(
        Event.objects.filter(
            prosthetic_id=prosthetic_id,
            occurred_at__gte=start,
            occurred_at__lt=end,
            event_type__in=(*ATTENTION_TYPES, Event.Type.POWER_ON),
        )
        .order_by("occurred_at", "id")
        .values_list("occurred_at", "event_type", "error_code")[: MAX_EVENTS * 4]
    )
    events = []
    for index, (occurred_at, event_type, error_code) in enumerate(rows):
        if event_type == Event.Type.POWER_ON:
            continue
        event: dict[str, object] = {
            "occurred_at": occurred_at,
            "event_type": event_type,
            "error_code": error_code,
        }
        if event_type == Event.Type.CRITICAL_ERROR and occurred_at is not None:
            restart = next(
                (at for at, kind, _ in rows[index + 1 :] if kind == Event.Type.POWER_ON and at), None
            )
            event["restarted_at"] = restart
            event["down_minutes"] = round(((restart or end) - occurred_at).total_seconds() / 60, 1)
        events.append(event)
    return events[:MAX_EVENTS]


def daily_activity(*, prosthetic_ids: list[int], month: dt.date, data_as_of: dt.datetime) -> dict:
    """``{prosthetic_id: {"grips": {day: n}, "errors": {day: n}}}`` for the month's days."""
    start, end = report_window(month, data_as_of)
    counts = (
        Event.objects.filter(
            prosthetic_id__in=prosthetic_ids,
            occurred_at__gte=start,
            occurred_at__lt=end,
            event_type__in=DAILY_TYPES,
        )
        .annotate(day=TruncDate("occurred_at", tzinfo=dt.UTC))
        .values("prosthetic_id", "day", "event_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    activity: dict = defaultdict(lambda: {"grips": defaultdict(int), "errors": defaultdict(int)})
    for row in counts:
        series = "grips" if row["event_type"] == Event.Type.GRIP else "errors"
        activity[row["prosthetic_id"]][series][row["day"]] += row["n"]
    return activity
