"""The portal's pages as a reviewer sees them: one list, used by ``make screenshots`` and by the
browser checks (overflow, axe) so a page added here is photographed and checked at once.

A path may name ``{customer_id}``, ``{surname}``, ``{month}`` and ``{quiet_month}`` (filled from the
demo data by ``DemoFacts``). ``login`` names who is signed in ("customer", "support",
"administrator"), or None for a visitor. Staff pages go in ``STAFF_SCREENS``.
"""

from __future__ import annotations

from dataclasses import dataclass

VIEWPORTS: dict[str, tuple[int, int]] = {"phone": (390, 844), "desktop": (1366, 900)}
LANGUAGES = ("ru", "en")


@dataclass(frozen=True)
class Screen:
    name: str
    path: str
    login: str | None
    status: int = 200


@dataclass(frozen=True)
class DemoFacts:
    """Values the paths are filled with, read from the seeded demo data."""

    customer_id: int
    customer_login: str
    surname: str
    month: str  # a month with a warning or critical prosthesis, so "Red means act" is on screen
    quiet_month: str  # the latest processed month

    def fill(self, path: str) -> str:
        return path.format(
            customer_id=self.customer_id, surname=self.surname, month=self.month, quiet_month=self.quiet_month
        )


CUSTOMER_SCREENS: list[Screen] = [
    Screen("sign-in", "/accounts/login/", None),
    Screen("months", "/reports/", "customer"),
    Screen("months-period", "/reports/me/?from={quiet_month}&to={quiet_month}", "customer"),
    Screen("month", "/reports/me/{month}/", "customer"),
    Screen("month-latest", "/reports/me/{quiet_month}/", "customer"),
    Screen("tickets", "/reports/me/tickets/", "customer"),
    Screen("not-found", "/no-such-page/", "customer", status=404),
    Screen("not-found-visitor", "/no-such-page/", None, status=404),
    Screen("report-not-ready", "/reports/me/2149-01/", "customer", status=409),
]

# The support staff's pages (admin search, customer screen, devices needing attention, ...).
STAFF_SCREENS: list[Screen] = [
    Screen("staff-search", "/reports/", "support"),
    Screen("staff-search-results", "/reports/?q={surname}", "support"),
    Screen("admin-home", "/admin/", "support"),
    Screen("customer-screen", "/admin/crm/user/{customer_id}/change/", "support"),
    Screen("devices-needing-attention", "/admin/attention/", "support"),
    Screen("telemetry-events", "/admin/telemetry/event/?occurred_at_range=2025-06", "support"),
    Screen("telemetry-readings", "/admin/telemetry/batterymetric/", "support"),
    Screen("etl-runs", "/admin/etl/etlrun/", "administrator"),
    Screen("admin-for-customers", "/admin/", "customer", status=403),
]

SCREENS: list[Screen] = CUSTOMER_SCREENS + STAFF_SCREENS
