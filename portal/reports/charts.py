"""Charts as inline SVG, drawn on the server: the same markup goes into the page and the PDF, so
there is no JavaScript and no chart CDN. One chart type covers the report's three charts:
horizontal bars in groups (a prosthesis or a month per group, one bar per series).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from portal.reports.formatting import limb_label, money, short_month_label, with_unit

WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 110
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 12
LEGEND_HEIGHT = 26
# Blue and orange stay apart for the common colour-vision deficiencies.
SERIES_COLOURS = ("#1d4ed8", "#d97706")


@dataclass(frozen=True)
class Bar:
    value: Decimal | None
    text: str


@dataclass(frozen=True)
class Group:
    label: str
    bars: list[Bar]


def bar_chart(*, chart_id: str, title: str, series: list[str], groups: list[Group]) -> str:
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    peak = max((bar.value for g in groups for bar in g.bars if bar.value), default=Decimal(0))
    rows, y = [], LEGEND_HEIGHT
    for group in groups:
        bars: list[dict[str, Any]] = []
        for index, bar in enumerate(group.bars):
            length = float(bar.value / peak) * plot_width if bar.value and peak else 0.0
            bars.append(
                {
                    "y": y,
                    # Strings, so the template's number localisation never writes "12,5" into SVG.
                    "width": f"{length:.1f}",
                    "colour": SERIES_COLOURS[index % len(SERIES_COLOURS)],
                    "text": bar.text,
                    "text_x": f"{LABEL_WIDTH + length + 6:.1f}",
                    "text_y": y + BAR_HEIGHT - 3,
                }
            )
            y += BAR_HEIGHT + BAR_GAP
        group_height = len(group.bars) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
        rows.append({"label": group.label, "label_y": bars[0]["y"] + group_height // 2 + 4, "bars": bars})
        y += GROUP_GAP
    legend = [
        {"name": name, "colour": SERIES_COLOURS[i % len(SERIES_COLOURS)], "x": LABEL_WIDTH + i * 170}
        for i, name in enumerate(series)
    ]
    return render_to_string(
        "reports/charts/bar_chart.svg",
        {
            "chart_id": chart_id,
            "title": title,
            "width": WIDTH,
            "height": max(y, LEGEND_HEIGHT + 20),
            "label_width": LABEL_WIDTH,
            "bar_height": BAR_HEIGHT,
            "legend": legend,
            "rows": rows,
            "empty": not groups,
            "empty_text": _("No data for this month."),
        },
    )


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _unit_bar(value: object, unit: str) -> Bar:
    return Bar(_decimal(value), with_unit(value, unit))


def _prosthesis_label(prosthetic: dict) -> str:
    return f"{prosthetic['model']} · {limb_label(prosthetic['limb'])}"


def usage_chart(report: dict) -> str:
    hours = _("h")
    return bar_chart(
        chart_id="usage",
        title=_("Active hours per prosthesis"),
        series=[_("Active hours")],
        groups=[
            Group(
                _prosthesis_label(p),
                [_unit_bar(p["total_active_hours"], hours)],
            )
            for p in report["prosthetics"]
        ],
    )


def battery_chart(report: dict) -> str:
    rate = _("mA")
    return bar_chart(
        chart_id="battery",
        title=_("Average battery current per prosthesis"),
        series=[_("Discharge while in use"), _("Charging")],
        groups=[
            Group(
                _prosthesis_label(p),
                [
                    _unit_bar(p["avg_discharge_rate_active"], rate),
                    _unit_bar(p["avg_charge_rate"], rate),
                ],
            )
            for p in report["prosthetics"]
        ],
    )


def payments_chart(report: dict) -> str:
    groups = []
    for point in report["payment_history"]:
        unpaid = Decimal(point["total_payments"]) - Decimal(point["successful_payments"])
        groups.append(
            Group(
                short_month_label(point["month"]),
                [
                    Bar(_decimal(point["successful_payments"]), money(point["successful_payments"])),
                    # No label for a month without failures: a dozen dashes would only add noise.
                    Bar(unpaid, money(f"{unpaid:.2f}") if unpaid else ""),
                ],
            )
        )
    return bar_chart(
        chart_id="payments",
        title=_("Payments over the last 12 months"),
        series=[_("Successful payments"), _("Failed payments")],
        groups=groups,
    )
