"""Read-only telemetry browsing in the admin that stays fast on millions of rows: no full-table
COUNT (estimated paging), no facet counts, newest first by primary key, filters that need no scan to build
(event type choices, the CRM's list of prostheses) and an exact prosthesis search."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.core.admin_mixins import ReadOnlyAdminMixin
from portal.crm.models import Prosthetic
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
    list_display = ("id", "prosthetic_id", "event_type", "occurred_at", "received_at", "error_code")
    list_filter = (ProstheticFilter, "event_type")


@admin.register(BatteryMetric)
class BatteryMetricAdmin(TelemetryAdmin):
    list_display = (
        "id", "prosthetic_id", "measured_at", "charge_pct", "voltage_v", "current_ma", "temperature_c",
        "is_charging", "received_at",
    )  # fmt: skip
    list_filter = (ProstheticFilter, "is_charging")
