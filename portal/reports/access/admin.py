"""Admin for the staff report access audit log: read-only, for every staff member who may view it."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.core.admin_filters import labelled_values_filter
from portal.core.admin_mixins import ReadOnlyAdminMixin
from portal.reports.access.audit import CHANNEL_LABELS, RESOURCE_LABELS
from portal.reports.models import ReportAccessLog


@admin.register(ReportAccessLog)
class ReportAccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("accessed_at", "accessed_by", "crm_user_id", "month", "resource_name", "channel_name")
    list_filter = (
        labelled_values_filter("resource", _("resource"), RESOURCE_LABELS),
        labelled_values_filter("channel", _("channel"), CHANNEL_LABELS),
        "accessed_at",
    )
    search_fields = ("accessed_by__username", "accessed_by__email", "=crm_user_id")
    date_hierarchy = "accessed_at"
    list_select_related = ("accessed_by",)

    @admin.display(description=_("resource"), ordering="resource")
    def resource_name(self, entry):
        return RESOURCE_LABELS.get(entry.resource, entry.resource)

    @admin.display(description=_("channel"), ordering="channel")
    def channel_name(self, entry):
        return CHANNEL_LABELS.get(entry.channel, entry.channel)
