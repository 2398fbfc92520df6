"""The e-mail's key figures: the month's values from the report (the API's data) and the change
against the previous month, formatted in the active language like the pages and the PDF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from portal.reports.formatting import figure, health_summary, limb_label, money, with_unit


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    change: str | None  # "+1 000,00 ₽", "-2", "no change"; None without a previous month


def _signed(delta: Decimal | int, formatter: Callable[[object], str]) -> str:
    if delta == 0:
        return _("no change")
    sign = "+" if delta > 0 else "\u2212"
    return sign + formatter(abs(delta) if isinstance(delta, int) else f"{abs(delta)}")


def _delta(
    current: int | str | None, previous: int | str | None, formatter: Callable[[object], str]
) -> str | None:
    if previous is None or current is None:
        return None
    if isinstance(current, int):
        return _signed(current - int(previous), formatter)
    difference = Decimal(str(current)) - Decimal(str(previous))
    return _signed(difference.quantize(Decimal(str(current))), formatter)


def customer_figures(metrics: dict, previous: dict | None) -> list[KeyFigure]:
    """The money and support figures of one month; ``previous`` is last month's user row.

    Labels are the report page's own, so the e-mail and the report use the same words."""

    def key(label: str, field: str, formatter: Callable[[object], str]) -> KeyFigure:
        before = previous[field] if previous else None
        return KeyFigure(label, formatter(metrics[field]), _delta(metrics[field], before, formatter))

    return [
        key(_("Paid successfully"), "successful_payments", money),
        key(_("Payments"), "total_payments", money),
        key(_("Failed payments"), "failed_payments_count", figure),
        key(_("Active subscriptions"), "active_subscriptions_count", figure),
        key(_("Subscription cost"), "subscription_cost_total", money),
        key(_("Support requests opened"), "tickets_opened", figure),
        key(_("Support requests resolved"), "tickets_resolved", figure),
    ]


@dataclass(frozen=True)
class ProsthesisFigures:
    title: str  # "BionicPRO X2, left arm (BP-X2-000001)"
    status: str  # "healthy, 99.80% uptime"
    figures: list[KeyFigure]


def prosthesis_figures(prosthetic: dict, previous: dict | None) -> ProsthesisFigures:
    def hours(value: object) -> str:
        return with_unit(value, _("h"))

    def key(label: str, field: str, formatter: Callable[[object], str]) -> KeyFigure:
        before = previous[field] if previous else None
        return KeyFigure(label, formatter(prosthetic[field]), _delta(prosthetic[field], before, formatter))

    return ProsthesisFigures(
        title=f"{prosthetic['model']}, {limb_label(prosthetic['limb'])} ({prosthetic['serial_number']})",
        status=health_summary(prosthetic),
        figures=[
            key(_("Active hours"), "total_active_hours", hours),
            key(_("Power-ons"), "power_on_count", figure),
            key(_("Errors"), "error_count", figure),
            key(_("Critical errors"), "critical_error_count", figure),
        ],
    )
