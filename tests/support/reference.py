"""An independent Python computation of both marts, straight from DESIGN.md, for comparing with
what the ETL builds in ClickHouse. Reads the source databases through the ORM, row by row: slow,
obvious, and sharing no code with portal/etl (only the documented decisions: rounding
half away from zero, 'far future' = more than a day after received_at)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from portal.crm import models as crm
from portal.telemetry import models as telemetry

EVENT_TYPES = {
    "power_on",
    "power_off",
    "grip",
    "release",
    "error",
    "critical_error",
    "charge_start",
    "charge_end",
}
FAR_FUTURE = dt.timedelta(days=1)


def month_of(moment) -> dt.date:
    return dt.date(moment.year, moment.month, 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_start(month: dt.date) -> dt.datetime:
    return dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)


def months_from(first: dt.date, data_as_of: dt.datetime) -> list[dt.date]:
    months, month = [], first
    while month_start(month) < data_as_of:
        months.append(month)
        month = next_month(month)
    return months


def rounded(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def user_mart(data_as_of: dt.datetime) -> dict[tuple, dict]:
    rows = {}
    for user in crm.User.objects.all():
        if user.created_at >= data_as_of:
            continue
        for month in months_from(month_of(user.created_at), data_as_of):
            rows[(user.pk, month.strftime("%Y-%m"))] = {
                "user_id": user.pk,
                "month": month,
                "total_payments": Decimal("0.00"),
                "successful_payments": Decimal("0.00"),
                "failed_payments_count": 0,
                "active_subscriptions_count": 0,
                "subscription_cost_total": Decimal("0.00"),
                "tickets_opened": 0,
                "tickets_resolved": 0,
            }
    for payment in crm.Payment.objects.all():
        row = rows.get((payment.user_id, payment.paid_at.strftime("%Y-%m")))
        if row is None or payment.paid_at >= data_as_of or payment.status not in ("success", "failed"):
            continue
        row["total_payments"] += payment.amount
        if payment.status == "success":
            row["successful_payments"] += payment.amount
        else:
            row["failed_payments_count"] += 1
    day_before_as_of = (data_as_of - dt.timedelta(microseconds=1)).date()
    for (user_id, _key), row in rows.items():
        month = row["month"]
        last_day = min(next_month(month) - dt.timedelta(days=1), day_before_as_of)
        for subscription in crm.Subscription.objects.filter(user_id=user_id):
            if subscription.started_on <= last_day and (
                subscription.ended_on is None or subscription.ended_on >= month
            ):
                row["active_subscriptions_count"] += 1
                row["subscription_cost_total"] += subscription.monthly_cost
    for ticket in crm.SupportTicket.objects.all():
        for moment, column in (
            (ticket.created_at, "tickets_opened"),
            (ticket.resolved_at, "tickets_resolved"),
        ):
            if moment is not None and moment < data_as_of:
                row = rows.get((ticket.user_id, moment.strftime("%Y-%m")))
                if row is not None:
                    row[column] += 1
    return rows


def _valid_events(known: set[int]) -> dict[int, list]:
    by_prosthetic = defaultdict(list)
    for event in telemetry.Event.objects.order_by("occurred_at", "id").iterator(chunk_size=5000):
        if (
            event.occurred_at is None
            or event.event_type not in EVENT_TYPES
            or event.occurred_at > event.received_at + FAR_FUTURE
            or event.prosthetic_id not in known
        ):
            continue
        by_prosthetic[event.prosthetic_id].append((event.occurred_at, event.id, event.event_type))
    return by_prosthetic


def _valid_readings(known: set[int]) -> dict[int, list]:
    by_prosthetic = defaultdict(list)
    for reading in telemetry.BatteryMetric.objects.iterator(chunk_size=5000):
        if (
            reading.measured_at is None
            or reading.current_ma < 0
            or reading.measured_at > reading.received_at + FAR_FUTURE
            or reading.prosthetic_id not in known
        ):
            continue
        by_prosthetic[reading.prosthetic_id].append(reading)
    return by_prosthetic


def prosthetic_mart(data_as_of: dt.datetime) -> dict[tuple, dict]:
    prosthetics = list(crm.Prosthetic.objects.all())
    known = {p.pk for p in prosthetics}
    events = _valid_events(known)
    readings = _valid_readings(known)
    rows = {}
    for prosthetic in prosthetics:
        if prosthetic.activated_at >= data_as_of:
            continue
        visible = [e for e in events[prosthetic.pk] if e[0] < data_as_of]
        sessions = _sessions(visible)
        outages = _outages(visible, data_as_of)
        for month in months_from(month_of(prosthetic.activated_at), data_as_of):
            rows[(prosthetic.pk, month.strftime("%Y-%m"))] = _prosthetic_month(
                prosthetic, month, data_as_of, visible, sessions, outages, readings[prosthetic.pk]
            )
    return rows


def _sessions(visible: list) -> list[tuple]:
    on_off = [e for e in visible if e[2] in ("power_on", "power_off")]
    return [
        (start[0], end[0])
        for start, end in pairwise(on_off)
        if start[2] == "power_on" and end[2] == "power_off"
    ]


def _outages(visible: list, data_as_of: dt.datetime) -> list[tuple]:
    """Merged outages: a critical_error to the first later power_on, or open until data_as_of."""
    merged = []
    edges = [e for e in visible if e[2] in ("critical_error", "power_on")]
    start = None
    for occurred_at, _id, event_type in edges:
        if event_type == "critical_error" and start is None:
            start = occurred_at
        elif event_type == "power_on" and start is not None:
            merged.append((start, occurred_at))
            start = None
    if start is not None:
        merged.append((start, data_as_of))
    return merged


def _prosthetic_month(prosthetic, month, data_as_of, visible, sessions, outages, readings) -> dict:
    begin = month_start(month)
    end = min(month_start(next_month(month)), data_as_of)
    in_month = [e for e in visible if begin <= e[0] < end]
    counts = defaultdict(int)
    for _at, _id, event_type in in_month:
        counts[event_type] += 1
    active = sum(((e - s) for s, e in sessions if begin <= s < end), dt.timedelta())
    down = sum((min(e, end) - max(s, begin) for s, e in outages if s < end and e > begin), dt.timedelta())
    month_readings = [r for r in readings if begin <= r.measured_at < end]
    discharge = [r.current_ma for r in month_readings if not r.is_charging]
    charge = [r.current_ma for r in month_readings if r.is_charging]
    temperatures = [r.temperature_c for r in month_readings]
    micro = Decimal(1_000_000)
    interval = Decimal((end - begin) // dt.timedelta(microseconds=1))
    down_us = Decimal(down // dt.timedelta(microseconds=1))
    uptime = rounded(100 * (interval - down_us) / interval, "0.01")
    if counts["critical_error"]:
        health = "critical"
    elif counts["error"] >= 5 or uptime < Decimal("99.5"):
        health = "warning"
    else:
        health = "healthy"
    return {
        "user_id": prosthetic.user_id,
        "prosthetic_id": prosthetic.pk,
        "month": month,
        "serial_number": prosthetic.serial_number,
        "model": prosthetic.model,
        "limb": prosthetic.limb,
        "power_on_count": counts["power_on"],
        "total_active_hours": rounded(Decimal(active // dt.timedelta(microseconds=1)) / micro / 3600, "0.01"),
        "avg_discharge_rate_active": rounded(Decimal(sum(discharge)) / len(discharge), "0.01")
        if discharge
        else None,
        "avg_charge_rate": rounded(Decimal(sum(charge)) / len(charge), "0.01") if charge else None,
        "avg_battery_temperature_c": (
            rounded(sum(temperatures, Decimal(0)) / len(temperatures), "0.1") if temperatures else None
        ),
        "charge_cycles": counts["charge_end"],
        "error_count": counts["error"],
        "critical_error_count": counts["critical_error"],
        "downtime_minutes": rounded(down_us / micro / 60, "0.1"),
        "uptime_pct": uptime,
        "health_status": health,
    }
