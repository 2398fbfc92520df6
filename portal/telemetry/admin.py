"""Read-only telemetry browsing in the admin that stays fast on millions of rows: no full-table
COUNT (estimated paging, a capped count shown as "10 000+"), no facet counts, newest first by
primary key (by the timestamp when a date filter is on, so its index is used), filters that need
no scan to build (event type choices, the CRM's list of prostheses, fixed date ranges), an exact
prosthesis search, and each row's serial number and owner from the CRM (admin_rows.py)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.core.admin_mixins import ReadOnlyAdminMixin
from portal.crm.models import Prosthetic
from portal.telemetry.admin_rows import WithDevices, date_range_filter, owner_link, serial_link
from portal.telemetry.models import BatteryMetric, Event
from portal.telemetry.paging import EstimatedCountPaginator


class ProstheticFilter(admin.SimpleListFilter):
    """Choices come from the CRM's prostheses, not from a DISTINCT over the telemetry table."""

    title = _("prosthesis")
    parameter_name = "prosthetic_id"

    def lookups(self, request, model_admin):
        return [
            (str(pk), f"#{pk} {serial}")
            for pk, serial in Prosthetic.objects.order_by("id").values_list("id", "serial_number")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(prosthetic_id=int(value))


class TelemetryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Facet counts (?_facets=1) are a COUNT per filter choice over the table: minutes on millions.
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 100
    ordering = ("-id",)
    sortable_by = ("id",)
    actions = None
    search_fields = ("prosthetic_id",)
    search_help_text = _("Exact prosthesis id or serial number")
    date_field: str

    def get_changelist(self, request, **kwargs):
        return WithDevices

    def get_ordering(self, request):
        # With a date range the timestamp index finds the page; by id the scan would walk every
        # newer row first.
        if f"{self.date_field}_range" in request.GET:
            return (f"-{self.date_field}", "-id")
        return self.ordering

    @admin.display(description=_("serial number"))
    def serial(self, row):
        return serial_link(row)

    @admin.display(description=_("owner"))
    def owner(self, row):
        return owner_link(row)

    def get_search_results(self, request, queryset, search_term):
        """Exact prosthesis only (an id or a CRM serial number): a substring search would scan."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(prosthetic_id=int(term)), False
        prosthetic_id = (
            Prosthetic.objects.filter(serial_number__iexact=term).values_list("id", flat=True).first()
        )
        if prosthetic_id is None:
            return queryset.none(), False
        return queryset.filter(prosthetic_id=prosthetic_id), False


@admin.register(Event)
class EventAdmin(TelemetryAdmin):
    date_field = "occurred_at"
    list_display = ("id", "serial", "owner", "event_type", "occurred_at", "received_at", "error_code")
    list_filter = (date_range_filter("occurred_at", _("occurred")), ProstheticFilter, "event_type")


@admin.register(BatteryMetric)
class BatteryMetricAdmin(TelemetryAdmin):
    date_field = "measured_at"
    list_display = (
        "id", "serial", "owner", "measured_at", "charge_pct", "voltage_v", "current_ma", "temperature_c",
        "is_charging", "received_at",
    )  # fmt: skip
    list_filter = (date_range_filter("measured_at", _("measured")), ProstheticFilter, "is_charging")
