"""Devices needing attention: the prostheses whose month in the prosthetic mart has a critical
error or an uptime below the health rule's threshold, newest problem first, with their owners.

Three bounded reads, no join across databases: the month's partition of the mart (LIMIT), the
owners from the CRM by those ids, and each device's last critical error in that month from the
telemetry database (an aggregate over the ids and the month, through the
``(prosthetic_id, occurred_at)`` index)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max

from portal.core.months import add_months, month_start
from portal.crm.models import User as CrmUser
from portal.reports import marts
from portal.reports.freshness import current_freshness
from portal.telemetry.models import Event

# DESIGN.md's health rule: below this uptime a month is at least a warning.
LOW_UPTIME_PCT = Decimal("99.5")
MOST_DEVICES = 500


@dataclass(frozen=True)
class DeviceNeedingAttention:
    prosthetic_id: int
    serial_number: str
    model: str
    limb: str
    month: dt.date
    critical_error_count: int
    error_count: int
    uptime_pct: Decimal
    downtime_minutes: Decimal
    health_status: str
    last_critical_error_at: dt.datetime | None
    owner_id: int
    owner_name: str
    owner_email: str


@dataclass(frozen=True)
class AttentionList:
    month: dt.date | None  # None: nothing is processed yet
    devices: list[DeviceNeedingAttention]
    truncated: bool  # more than MOST_DEVICES matched
    data_as_of: dt.datetime | None


def latest_processed_month() -> tuple[dt.date | None, dt.datetime | None]:
    """The month that contains the last processed day ("this month" as the marts know it)."""
    freshness = current_freshness()
    through = freshness.processed_through()
    return (through.replace(day=1) if through else None), freshness.data_as_of


def devices_needing_attention(*, month: dt.date | None = None) -> AttentionList:
    latest, data_as_of = latest_processed_month()
    month = month or latest
    if month is None or latest is None or month > latest:
        return AttentionList(month=month, devices=[], truncated=False, data_as_of=data_as_of)
    rows = marts.prosthetics_needing_attention(
        month=month, uptime_below=LOW_UPTIME_PCT, limit=MOST_DEVICES + 1
    )
    truncated = len(rows) > MOST_DEVICES
    rows = rows[:MOST_DEVICES]
    owners = _owners({row["user_id"] for row in rows})
    last_critical = _last_critical_errors({row["prosthetic_id"] for row in rows}, month)
    devices = [_device(row, owners, last_critical) for row in rows]
    # Newest problem first; a device down only from an outage that began earlier sorts last.
    devices.sort(
        key=lambda device: (device.last_critical_error_at or month_start(month), device.prosthetic_id),
        reverse=True,
    )
    return AttentionList(month=month, devices=devices, truncated=truncated, data_as_of=data_as_of)


def _owners(user_ids: set[int]) -> dict[int, tuple[str, str]]:
    if not user_ids:
        return {}
    rows = CrmUser.objects.filter(pk__in=user_ids).values_list("pk", "full_name", "email")
    return {pk: (name, email) for pk, name, email in rows}


def _last_critical_errors(prosthetic_ids: set[int], month: dt.date) -> dict[int, dt.datetime]:
    if not prosthetic_ids:
        return {}
    rows = (
        Event.objects.filter(
            prosthetic_id__in=prosthetic_ids,
            event_type=Event.Type.CRITICAL_ERROR,
            occurred_at__gte=month_start(month),
            occurred_at__lt=month_start(add_months(month, 1)),
        )
        .values("prosthetic_id")
        .annotate(last=Max("occurred_at"))
        .order_by()
    )
    return {row["prosthetic_id"]: row["last"] for row in rows}


def _device(row: dict, owners: dict, last_critical: dict) -> DeviceNeedingAttention:
    name, email = owners.get(row["user_id"], ("", ""))
    return DeviceNeedingAttention(
        prosthetic_id=row["prosthetic_id"],
        serial_number=row["serial_number"],
        model=row["model"],
        limb=row["limb"],
        month=row["month"],
        critical_error_count=row["critical_error_count"],
        error_count=row["error_count"],
        uptime_pct=row["uptime_pct"],
        downtime_minutes=row["downtime_minutes"],
        health_status=row["health_status"],
        last_critical_error_at=last_critical.get(row["prosthetic_id"]),
        owner_id=row["user_id"],
        owner_name=name,
        owner_email=email,
    )
