"""Figures a statement adds to the marts' rows: whether a prosthesis sent any telemetry, its
statement number, the year-to-date and period totals, and the previous month to compare with.

Sums stay Decimal strings with two places, like every money figure of the API.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from portal.crm.models import Prosthetic
from portal.crm.models import User as CrmUser

MONEY_FIELDS = ("total_payments", "successful_payments")
COUNT_FIELDS = ("failed_payments_count", "tickets_opened", "tickets_resolved")
COMPARED_PROSTHETIC_FIELDS = (
    "power_on_count",
    "total_active_hours",
    "charge_cycles",
    "error_count",
    "critical_error_count",
    "downtime_minutes",
    "uptime_pct",
)


def has_telemetry(row: dict) -> bool:
    """False when the month holds no event and no battery reading of this prosthesis (an outage
    carried over from the month before counts as something to report)."""
    counts = ("power_on_count", "charge_cycles", "error_count", "critical_error_count")
    return (
        any(row[name] for name in counts)
        or row["avg_battery_temperature_c"] is not None
        or Decimal(str(row["downtime_minutes"])) > 0
    )


def statement_number(*, crm_user_id: int, month: dt.date) -> str:
    return f"BP-{crm_user_id:06d}-{month:%Y%m}"


def _totals(rows: list[dict]) -> dict:
    totals: dict = {name: f"{sum(Decimal(str(r[name])) for r in rows):.2f}" for name in MONEY_FIELDS}
    totals.update({name: sum(int(r[name]) for r in rows) for name in COUNT_FIELDS})
    totals["months"] = len(rows)
    return totals


def year_to_date(history: list[dict], month: dt.date) -> dict:
    """Sums from January of ``month``'s year (or the first month on record) through ``month``."""
    rows = [r for r in history if r["month"].year == month.year and r["month"] <= month]
    return {"from_month": rows[0]["month"] if rows else month, "to_month": month, **_totals(rows)}


def period_totals(rows: list[dict]) -> dict:
    return _totals(rows)


def previous_figures(row: dict | None) -> dict | None:
    return None if row is None else {name: row[name] for name in COMPARED_PROSTHETIC_FIELDS}


def customer_name(crm_user_id: int) -> str:
    return CrmUser.objects.filter(pk=crm_user_id).values_list("full_name", flat=True).first() or ""


def device_statuses(prosthetic_ids: list[int]) -> dict[int, str]:
    """The CRM's current status of each prosthesis (active, maintenance, retired)."""
    return dict(Prosthetic.objects.filter(pk__in=prosthetic_ids).values_list("pk", "status"))
