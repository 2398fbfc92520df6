"""What the telemetry lists show beside each row: the prosthesis's serial number and owner (from
the CRM database) and a date filter that reads through an index.

The CRM lives in another database, so no join: after a page of rows is read, one CRM query fetches
the prostheses of that page (at most ``list_per_page`` ids) with their owners."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.crm.models import Prosthetic


class WithDevices(ChangeList):
    """Attaches ``row.device`` (the CRM prosthesis with its owner, or None) to the page's rows."""

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)  # evaluates the page once; the template reuses it
        ids = {row.prosthetic_id for row in rows}
        devices = Prosthetic.objects.filter(pk__in=ids).select_related("user").in_bulk() if ids else {}
        for row in rows:
            row.device = devices.get(row.prosthetic_id)


def serial_link(row: Any) -> str:
    device = getattr(row, "device", None)
    if device is None:
        return f"#{row.prosthetic_id}"
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:crm_prosthetic_change", args=[device.pk]), device.serial_number
    )


def owner_link(row: Any) -> str:
    device = getattr(row, "device", None)
    if device is None:
        return "—"
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:crm_user_change", args=[device.user_id]), device.user.full_name
    )


def date_range_filter(field: str, title: Promise) -> type[admin.SimpleListFilter]:
    """Recent periods and the last twelve calendar months (UTC), built without reading the table;
    any ``YYYY-MM`` or ``YYYY-MM-DD`` in the URL works too."""

    class DateRangeFilter(admin.SimpleListFilter):
        parameter_name = f"{field}_range"

        def lookups(self, request, model_admin):
            today = timezone.now().date()
            periods: list[tuple[str, str | Promise]] = [
                ("24h", _("last 24 hours")),
                ("7d", _("last 7 days")),
                ("30d", _("last 30 days")),
            ]
            month = today.replace(day=1)
            for _index in range(12):
                periods.append((month.strftime("%Y-%m"), date_format(month, "YEAR_MONTH_FORMAT")))
                month = (month - dt.timedelta(days=1)).replace(day=1)
            value = self.value()
            if value and value not in dict(periods) and date_range(value):
                periods.append((value, value))
            return periods

        def queryset(self, request, queryset):
            value = self.value()
            if value is None:
                return queryset
            bounds = date_range(value)
            if bounds is None:
                return queryset.none()
            start, end = bounds
            queryset = queryset.filter(**{f"{field}__gte": start})
            return queryset if end is None else queryset.filter(**{f"{field}__lt": end})

    DateRangeFilter.title = title  # type: ignore[assignment]  # the stubs want str; Django takes a lazy string
    return DateRangeFilter


RECENT = {"24h": dt.timedelta(hours=24), "7d": dt.timedelta(days=7), "30d": dt.timedelta(days=30)}


def date_range(value: str) -> tuple[dt.datetime, dt.datetime | None] | None:
    """[start, end) in UTC for a filter value (no end: up to now), or None when it is not one."""
    if value in RECENT:
        return timezone.now() - RECENT[value], None
    try:
        day = parse_date(f"{value}-01" if len(value) == 7 else value) if len(value) in (7, 10) else None
    except ValueError:  # well formed but not a date, e.g. 2025-13
        return None
    if day is None:
        return None
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    if len(value) == 10:
        return start, start + dt.timedelta(days=1)
    next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, dt.datetime.combine(next_month, dt.time(), tzinfo=dt.UTC)
