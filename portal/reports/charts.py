"""Charts as inline SVG, drawn on the server: the same markup goes into the page and the PDF, so
there is no JavaScript and no chart CDN.

They are drawn narrow (320 units) with 13-unit text: on a 390 px phone a chart is about 280-320
CSS px wide, so its text stays at 11 px or more; on a desktop the stylesheet caps the width.
Two kinds: horizontal bars in groups (a label line above each group) and day columns.
Every chart has a title, a unit and a legend; quantities with different scales get their own chart.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats
from django.utils.translation import gettext as _

from portal.reports.formatting import figure, limb_label, short_month_label, with_unit

WIDTH = 320
FONT_SIZE = 13
LINE = 17  # one line of text
VALUE_WIDTH = 96  # room right of the longest bar for its value
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 8
COLUMNS_HEIGHT = 90
AXIS_WIDTH = 34
CHAR_WIDTH = 9  # a little more than one digit or letter at FONT_SIZE in DejaVu Sans
# Blue and orange stay apart for the common colour-vision deficiencies.
SERIES_COLOURS = ("#1d4ed8", "#c2410c")


@dataclass(frozen=True)
class Bar:
    value: Decimal | None
    text: str


@dataclass(frozen=True)
class Group:
    label: str
    bars: list[Bar]


def _legend(series: list[str]) -> tuple[list[dict], int]:
    items = [
        {
            "name": name,
            "colour": SERIES_COLOURS[i % len(SERIES_COLOURS)],
            "y": 4 + i * LINE,
            "text_y": 15 + i * LINE,
        }
        for i, name in enumerate(series)
    ]
    return items, len(series) * LINE + 6


def bar_chart(*, chart_id: str, title: str, series: list[str], groups: list[Group]) -> str:
    plot_width = WIDTH - VALUE_WIDTH
    peak = max((bar.value for g in groups for bar in g.bars if bar.value), default=Decimal(0))
    legend, y = _legend(series)
    rows = []
    for group in groups:
        label_y = y + FONT_SIZE
        y += LINE + 2
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
                    "text_x": f"{length + 5:.1f}",
                    "text_y": y + BAR_HEIGHT - 2,
                }
            )
            y += BAR_HEIGHT + BAR_GAP
        rows.append({"label": group.label, "label_y": label_y, "bars": bars})
        y += GROUP_GAP
    return render_to_string(
        "reports/charts/bar_chart.svg",
        {
            "chart_id": chart_id,
            "title": title,
            "width": WIDTH,
            "height": max(y, 60),
            "font_size": FONT_SIZE,
            "bar_height": BAR_HEIGHT,
            "legend": legend,
            "rows": rows,
            "empty": not groups,
            "empty_y": y + FONT_SIZE,
            "empty_text": _("No data for this month."),
        },
    )


def column_chart(
    *, chart_id: str, title: str, series: list[str], values: list[list], ticks: list[str], names: list[str]
) -> str:
    """Columns side by side per slot (a day or a month), one colour per series, on one scale
    (the series share a unit); ``ticks`` labels the axis (an empty string leaves a slot unlabelled),
    ``names`` name each slot in its columns' tooltips."""
    legend, top = _legend(series)
    peak = max((v for row in values for v in row if v), default=0)
    peak_text = figure(peak) if isinstance(peak, int) else figure(f"{peak:.0f}")
    axis_width = max(AXIS_WIDTH, len(peak_text) * CHAR_WIDTH + 10)  # room for the peak's label
    slots = len(ticks)
    slot = (WIDTH - axis_width) / max(slots, 1)
    column = max(slot / len(series) - 1, 1)
    columns = []
    for index in range(slots):
        for serie, row in enumerate(values):
            value = row[index] or 0
            height = float(value / peak) * COLUMNS_HEIGHT if peak else 0.0
            columns.append(
                {
                    "x": f"{axis_width + index * slot + serie * (column + 1):.1f}",
                    "y": f"{top + COLUMNS_HEIGHT - height:.1f}",
                    "width": f"{column:.1f}",
                    "height": f"{height:.1f}",
                    "colour": SERIES_COLOURS[serie % len(SERIES_COLOURS)],
                    "title": f"{names[index]}: {figure(value)}",
                }
            )
    base = top + COLUMNS_HEIGHT
    labels = [
        {
            "x": f"{_within(axis_width + (index + 0.5) * slot, len(text) * CHAR_WIDTH / 2, axis_width):.1f}",
            "text": text,
        }
        for index, text in enumerate(ticks)
        if text
    ]
    return render_to_string(
        "reports/charts/column_chart.svg",
        {
            "chart_id": chart_id,
            "title": title,
            "width": WIDTH,
            "height": base + LINE + 4,
            "font_size": FONT_SIZE,
            "legend": legend,
            "columns": columns,
            "axis_x": axis_width - 4,
            "top": top,
            "base": base,
            "peak": peak_text,
            "ticks": labels,
            "tick_y": base + LINE - 2,
        },
    )


def _within(centre: float, half: float, left: float) -> float:
    """A centred label's x, moved in so that it stays inside [left, WIDTH]."""
    return min(max(centre, left + half), WIDTH - half)


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
        title=_("Hours in use per prosthesis, h"),
        series=[_("Hours in use, h")],
        groups=[
            Group(_prosthesis_label(p), [_unit_bar(p["total_active_hours"], hours)])
            for p in report["prosthetics"]
        ],
    )


def discharge_chart(report: dict) -> str:
    return bar_chart(
        chart_id="discharge",
        title=_("Average battery discharge in use, mA"),
        series=[_("Discharge while in use, mA")],
        groups=[
            Group(_prosthesis_label(p), [_unit_bar(p["avg_discharge_rate_active"], _("mA"))])
            for p in report["prosthetics"]
        ],
    )


def charge_chart(report: dict) -> str:
    return bar_chart(
        chart_id="charge",
        title=_("Average charging current, mA"),
        series=[_("Charging current, mA")],
        groups=[
            Group(_prosthesis_label(p), [_unit_bar(p["avg_charge_rate"], _("mA"))])
            for p in report["prosthetics"]
        ],
    )


def payments_chart(report: dict) -> str:
    history = report["payment_history"]
    charged = [Decimal(p["successful_payments"]) for p in history]
    failed = [Decimal(p["total_payments"]) - Decimal(p["successful_payments"]) for p in history]
    # Every other month named, so the labels never overlap on a phone.
    ticks = [
        short_month_label(p["month"]) if (len(history) - 1 - i) % 3 == 0 else ""
        for i, p in enumerate(history)
    ]
    return column_chart(
        chart_id="payments",
        title=_("Payments over the last 12 months, ₽"),
        series=[_("Charged, ₽"), _("Failed attempts, ₽")],
        values=[charged, failed],
        ticks=ticks,
        names=[short_month_label(p["month"]) for p in history],
    )


def daily_charts(*, prosthetic: dict, activity: dict, month: dt.date, last_day: dt.date) -> dict[str, str]:
    """Grips and errors by day of the month for one prosthesis (days after ``last_day`` empty)."""
    days = calendar.monthrange(month.year, month.month)[1]
    dates = [month.replace(day=d) for d in range(1, days + 1)]
    grips = [activity["grips"].get(d, 0) if d <= last_day else 0 for d in dates]
    errors = [activity["errors"].get(d, 0) if d <= last_day else 0 for d in dates]
    ticks = [str(d.day) if d.day in (1, 8, 15, 22, 29) else "" for d in dates]
    names = [formats.date_format(d, "j E") for d in dates]
    key = prosthetic["prosthetic_id"]
    return {
        "grips": column_chart(
            chart_id=f"grips-{key}",
            title=_("Grips by day"),
            series=[_("Grips per day")],
            values=[grips],
            ticks=ticks,
            names=names,
        ),
        "errors": column_chart(
            chart_id=f"errors-{key}",
            title=_("Errors by day"),
            series=[_("Errors per day (including critical)")],
            values=[errors],
            ticks=ticks,
            names=names,
        ),
    }
