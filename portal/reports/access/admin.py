"""Admin for the staff report access audit log: read-only, for every staff member who may view it."""

from django.contrib import admin

from portal.core.admin_mixins import ReadOnlyAdminMixin
from portal.reports.models import ReportAccessLog


@admin.register(ReportAccessLog)
class ReportAccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("accessed_at", "accessed_by", "crm_user_id", "month", "resource", "channel")
    list_filter = ("resource", "channel", "accessed_at")
    search_fields = ("accessed_by__username", "accessed_by__email", "=crm_user_id")
    date_hierarchy = "accessed_at"
    list_select_related = ("accessed_by",)
