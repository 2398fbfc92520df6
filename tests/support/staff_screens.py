"""The support staff's pages, as the browser checks (and, once merged with the customer pages'
list, ``make screenshots``) open them: who is signed in, the path, the expected status.

Paths may name ``{customer_id}`` and ``{surname}`` (a demo customer, from the seeded data)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StaffScreen:
    name: str
    path: str
    login: str  # "support", "administrator" or "customer"
    status: int = 200


STAFF_SCREENS: list[StaffScreen] = [
    StaffScreen("staff-search", "/reports/", "support"),
    StaffScreen("staff-search-results", "/reports/?q={surname}", "support"),
    StaffScreen("admin-home", "/admin/", "support"),
    StaffScreen("customer-screen", "/admin/crm/user/{customer_id}/change/", "support"),
    StaffScreen("devices-needing-attention", "/admin/attention/", "support"),
    StaffScreen("telemetry-events", "/admin/telemetry/event/?occurred_at_range=2025-06", "support"),
    StaffScreen("telemetry-readings", "/admin/telemetry/batterymetric/", "support"),
    StaffScreen("etl-runs", "/admin/etl/etlrun/", "administrator"),
    StaffScreen("admin-for-customers", "/admin/", "customer", status=403),
]
