"""The admin page "Devices needing attention" (``/admin/attention/``), for staff who may view
prostheses. Reads through ``portal.reports.attention``; no report content, so nothing to audit."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from portal.core.months import add_months, format_month, parse_month
from portal.crm.models import Prosthetic
from portal.reports.attention import LOW_UPTIME_PCT, devices_needing_attention, latest_processed_month
from portal.reports.errors import InvalidMonth


def attention_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("crm.view_prosthetic"):
        raise PermissionDenied
    month, status = None, 200
    try:
        month = parse_month(request.GET["month"]) if request.GET.get("month") else None
    except InvalidMonth:
        status = 400
    listing = devices_needing_attention(month=month)
    latest, _data_as_of = latest_processed_month()
    shown = listing.month
    limb_names = dict(Prosthetic.Limb.choices)
    context = {
        **admin.site.each_context(request),
        "title": _("Devices needing attention"),
        "listing": listing,
        "invalid_month": status == 400,
        "low_uptime_pct": LOW_UPTIME_PCT,
        "rows": [(device, limb_names.get(device.limb, device.limb)) for device in listing.devices],
        "previous_month": format_month(add_months(shown, -1)) if shown else None,
        "next_month": format_month(add_months(shown, 1)) if shown and latest and shown < latest else None,
        "month_param": format_month(shown) if shown else "",
    }
    return TemplateResponse(request, "admin/attention.html", context, status=status)
