"""Each figure next to last month's: the difference, its direction, and the short summary line at
the top of a statement. Input is the API's month answer; output is ready for the templates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.reports.formatting import figure, limb_label, money, with_unit

UP, DOWN, SAME = "up", "down", "same"


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    delta: str = ""  # "+2 990,00 ₽"; empty without a previous month
    direction: str = ""  # UP, DOWN or SAME
    note: str = ""  # a plain-language explanation under the figure
    lead: bool = False  # the figure the block leads with


def _number(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _signed(difference: Decimal, places: int, unit: str) -> str:
    sign = "+" if difference > 0 else ("\u2212" if difference < 0 else "±")
    text = formats.number_format(abs(difference), decimal_pos=places, use_l10n=True, force_grouping=True)
    return f"{sign}{text}\u00a0{unit}".strip()


def compared(
    label: str, current: object, previous: object, *, unit: str = "", note: str = "", lead: bool = False
) -> Figure:
    shown = with_unit(current, unit) if unit else figure(current)
    now, before = _number(current), _number(previous)
    if now is None or before is None:
        return Figure(label, shown, note=note, lead=lead)
    places = len(str(current).partition(".")[2])
    difference = now - before
    direction = UP if difference > 0 else (DOWN if difference < 0 else SAME)
    return Figure(label, shown, _signed(difference, places, unit), direction, note, lead)


def finance_figures(report: dict) -> list[Figure]:
    metrics, before = report["metrics"], report.get("previous_metrics") or {}
    failed_amount = Decimal(metrics["total_payments"]) - Decimal(metrics["successful_payments"])
    failed = metrics["failed_payments_count"]
    rub, per_month = "₽", _("₽/month")
    attempts_note = (
        ngettext(
            "Charged plus %(count)s failed attempt of %(amount)s; a failed attempt is not charged.",
            "Charged plus %(count)s failed attempts of %(amount)s; a failed attempt is not charged.",
            failed,
        )
        % {"count": failed, "amount": money(f"{failed_amount:.2f}")}
        if failed
        else _("All attempts went through.")
    )
    return [
        compared(
            _("Charged"),
            metrics["successful_payments"],
            before.get("successful_payments"),
            unit=rub,
            lead=True,
        ),
        compared(
            _("Charge attempts"),
            metrics["total_payments"],
            before.get("total_payments"),
            unit=rub,
            note=attempts_note,
        ),
        compared(
            _("Failed payments"),
            failed,
            before.get("failed_payments_count"),
            unit=ngettext("attempt", "attempts", failed),
        ),
        compared(
            _("Active subscriptions"),
            metrics["active_subscriptions_count"],
            before.get("active_subscriptions_count"),
            unit=_("pcs."),
        ),
        compared(
            _("Subscription cost"),
            metrics["subscription_cost_total"],
            before.get("subscription_cost_total"),
            unit=per_month,
        ),
        compared(
            _("Support requests opened"),
            metrics["tickets_opened"],
            before.get("tickets_opened"),
            unit=_("pcs."),
        ),
        compared(
            _("Support requests resolved"),
            metrics["tickets_resolved"],
            before.get("tickets_resolved"),
            unit=_("pcs."),
        ),
    ]


def prosthesis_figures(prosthetic: dict) -> dict[str, list[Figure]]:
    p, before = prosthetic, prosthetic.get("previous") or {}
    times = _("times")
    return {
        "usage": [
            compared(
                _("Hours in use"),
                p["total_active_hours"],
                before.get("total_active_hours"),
                unit=_("h"),
                lead=True,
            ),
            compared(_("Power-ons"), p["power_on_count"], before.get("power_on_count"), unit=times),
        ],
        "battery": [
            compared(_("Average discharge in use"), p["avg_discharge_rate_active"], None, unit=_("mA")),
            compared(_("Average charging current"), p["avg_charge_rate"], None, unit=_("mA")),
            compared(_("Average battery temperature"), p["avg_battery_temperature_c"], None, unit="°C"),
            compared(_("Charge cycles"), p["charge_cycles"], before.get("charge_cycles"), unit=times),
        ],
        "reliability": [
            compared(_("Errors"), p["error_count"], before.get("error_count"), unit=_("pcs.")),
            compared(
                _("Critical errors"),
                p["critical_error_count"],
                before.get("critical_error_count"),
                unit=_("pcs."),
            ),
            compared(_("Downtime"), p["downtime_minutes"], before.get("downtime_minutes"), unit=_("min")),
            compared(_("Uptime"), p["uptime_pct"], before.get("uptime_pct"), unit="%"),
        ],
    }


def _payments_phrase(report: dict) -> str:
    metrics, before = report["metrics"], report.get("previous_metrics")
    charged = Decimal(metrics["successful_payments"])
    if before is None:
        phrase = _("charged %(amount)s") % {"amount": money(metrics["successful_payments"])}
    elif charged == Decimal(before["successful_payments"]):
        phrase = _("payments as usual")
    else:
        difference = charged - Decimal(before["successful_payments"])
        template = _("charged %(amount)s, %(difference)s more than last month")
        if difference < 0:
            template = _("charged %(amount)s, %(difference)s less than last month")
        phrase = template % {
            "amount": money(metrics["successful_payments"]),
            "difference": money(f"{abs(difference):.2f}"),
        }
    failed = metrics["failed_payments_count"]
    if failed:
        phrase += ", " + ngettext("%(count)s failed attempt", "%(count)s failed attempts", failed) % {
            "count": failed
        }
    return phrase


def _usage_phrase(prosthetic: dict) -> str | None:
    name = limb_label(prosthetic["limb"]).lower()
    if not prosthetic.get("has_telemetry", True):
        return _("no data from the %(name)s") % {"name": name}
    before = (prosthetic.get("previous") or {}).get("total_active_hours")
    if not before or Decimal(before) == 0:
        return None
    change = (Decimal(prosthetic["total_active_hours"]) / Decimal(before) - 1) * 100
    percent = abs(round(change))
    if percent == 0:
        return _("the %(name)s was used as much as last month") % {"name": name}
    template = (
        _("the %(name)s was used %(percent)s%% more")
        if change > 0
        else _("the %(name)s was used %(percent)s%% less")
    )
    return template % {"name": name, "percent": percent}


def _critical_phrase(prosthetic: dict) -> str | None:
    count = prosthetic["critical_error_count"]
    if not count:
        return None
    first = next(
        (e for e in prosthetic.get("attention_events", []) if e["event_type"] == "critical_error"), None
    )
    if first is None:
        return ngettext("%(count)s critical error", "%(count)s critical errors", count) % {"count": count}
    when = formats.date_format(_local(first["occurred_at"]), "j E")
    return ngettext(
        "%(count)s critical error on %(date)s", "%(count)s critical errors, the first on %(date)s", count
    ) % {"count": count, "date": when}


def _local(value: str) -> dt.datetime:
    return timezone.localtime(parse_datetime(value))


def summary_line(report: dict) -> str:
    """``Payments as usual; the left arm was used 12% more; 1 critical error on 17 January``."""
    parts = [_payments_phrase(report)]
    for prosthetic in report["prosthetics"]:
        parts += [p for p in (_usage_phrase(prosthetic), _critical_phrase(prosthetic)) if p]
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."
