"""How report figures read on the pages and in the PDF, in the active language.

Input is the API's serializer data (decimal strings, ints, None), so a page shows exactly the
API's figure with local separators: ``"4990.00"`` -> ``4 990,00`` in Russian, ``4,990.00`` in
English. A missing value (a NULL average) is a dash, never 0 or "None".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.crm.models import Prosthetic

DASH = "—"


def figure(value: object) -> str:
    if value is None or value == "":
        return DASH
    if isinstance(value, int):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    text = str(value)
    places = len(text.partition(".")[2])
    return formats.number_format(Decimal(text), decimal_pos=places, use_l10n=True, force_grouping=True)


def money(value: object) -> str:
    return DASH if value is None else f"{figure(value)}\u00a0₽"


def with_unit(value: object, unit: str) -> str:
    return DASH if value is None else f"{figure(value)}\u00a0{unit}"


def health_label(status: str) -> str:
    labels = {
        "healthy": pgettext("health status", "healthy"),
        "warning": pgettext("health status", "needs attention"),
        "critical": pgettext("health status", "critical"),
    }
    return labels.get(status, status)


def health_summary(prosthetic: dict) -> str:
    """``healthy, 99.80% uptime`` in the active language."""
    return _("%(status)s, %(uptime)s%% uptime") % {
        "status": health_label(prosthetic["health_status"]),
        "uptime": figure(prosthetic["uptime_pct"]),
    }


def limb_label(limb: str) -> str:
    try:
        return str(Prosthetic.Limb(limb).label)
    except ValueError:
        return limb


def month_label(month: str | dt.date) -> str:
    """``"2025-03"`` -> ``March 2025`` / ``Март 2025``."""
    if isinstance(month, str):
        year, number = month.split("-")
        month = dt.date(int(year), int(number), 1)
    return formats.date_format(month, "F Y")


def short_month_label(month: str) -> str:
    year, number = month.split("-")
    return formats.date_format(dt.date(int(year), int(number), 1), "M Y")
