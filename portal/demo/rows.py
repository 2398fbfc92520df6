"""One named tuple per source table. Field names are the table's columns (DESIGN.md), in order,
so a loader can take the column list straight from the row type."""

import datetime as dt
from decimal import Decimal
from typing import NamedTuple


class UserRow(NamedTuple):
    id: int
    email: str
    full_name: str
    phone: str
    country: str
    city: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ProstheticRow(NamedTuple):
    id: int
    user_id: int
    serial_number: str
    model: str
    limb: str
    firmware_version: str
    battery_capacity_mah: int
    activated_at: dt.datetime
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


class SubscriptionRow(NamedTuple):
    id: int
    user_id: int
    prosthetic_id: int | None
    plan: str
    monthly_cost: Decimal
    started_on: dt.date
    ended_on: dt.date | None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


class PaymentRow(NamedTuple):
    id: int
    user_id: int
    subscription_id: int | None
    amount: Decimal
    currency: str
    status: str
    method: str
    paid_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime


class SupportTicketRow(NamedTuple):
    id: int
    user_id: int
    prosthetic_id: int | None
    subject: str
    description: str
    category: str
    priority: str
    status: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    updated_at: dt.datetime


class EventRow(NamedTuple):
    id: int
    prosthetic_id: int
    event_type: str
    occurred_at: dt.datetime
    received_at: dt.datetime
    error_code: str | None
    payload: str | None  # JSON text, or None for SQL NULL


class BatteryReadingRow(NamedTuple):
    id: int
    prosthetic_id: int
    measured_at: dt.datetime
    charge_pct: Decimal
    voltage_v: Decimal
    current_ma: int
    temperature_c: Decimal
    is_charging: bool
    received_at: dt.datetime
