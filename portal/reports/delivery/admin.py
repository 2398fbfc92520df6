"""Admin for the monthly e-mails: what was sent to whom and when, what failed and why, and a
re-send action for support (each re-send is written to the report access log, like a staff read
of the report it carries)."""

from __future__ import annotations

from typing import cast

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.accounts.selectors import is_support_staff
from portal.core.admin_mixins import ReadOnlyAdminMixin
from portal.reports.delivery.models import DeliveryPreference, MonthlyEmail
from portal.reports.delivery.resend import resend


@admin.register(MonthlyEmail)
class MonthlyEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "month",
        "crm_user_id",
        "recipient",
        "status",
        "sent_at",
        "attempts",
        "language",
        "detail",
    )
    list_filter = ("status", "month", "language", "pdf_attached")
    search_fields = ("=crm_user_id", "recipient")
    date_hierarchy = "month"
    actions = ["resend_selected"]

    @admin.action(description=_("Re-send the selected e-mails"))
    def resend_selected(self, request: HttpRequest, queryset: QuerySet[MonthlyEmail]) -> None:
        if not is_support_staff(request.user):
            self.message_user(request, _("Only support staff may re-send e-mails."), messages.ERROR)
            return
        staff = cast(User, request.user)  # the admin lets only signed-in staff this far
        count = sum(resend(email, staff=staff) for email in queryset)
        message = ngettext("%(count)d e-mail queued again.", "%(count)d e-mails queued again.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(DeliveryPreference)
class DeliveryPreferenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("crm_user_id", "enabled", "language", "updated_at")
    list_filter = ("enabled", "language")
    search_fields = ("=crm_user_id",)
