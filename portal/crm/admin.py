"""Django admin over the CRM for support staff: find a customer by email, a prosthesis by serial
number, and see what belongs to whom."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.crm.models import Payment, Prosthetic, Subscription, SupportTicket, User

TIMESTAMPS = ("created_at", "updated_at")


class ReadOnlyInline(admin.TabularInline):
    """A list of related rows with links; they are edited on their own pages."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProstheticInline(ReadOnlyInline):
    model = Prosthetic
    fields = ("serial_number", "model", "limb", "status", "activated_at")
    readonly_fields = fields


class SubscriptionInline(ReadOnlyInline):
    model = Subscription
    fields = ("plan", "monthly_cost", "prosthetic", "started_on", "ended_on", "status")
    readonly_fields = fields
    ordering = ("-started_on",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("prosthetic")


class SupportTicketInline(ReadOnlyInline):
    model = SupportTicket
    fields = ("created_at", "subject", "category", "priority", "status", "resolved_at")
    readonly_fields = fields


@admin.register(User)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("id", "email", "full_name", "phone", "country", "city", "created_at")
    list_display_links = ("id", "email")
    search_fields = ("email", "full_name", "phone")
    list_filter = ("country",)
    readonly_fields = TIMESTAMPS
    inlines = (ProstheticInline, SubscriptionInline)


@admin.register(Prosthetic)
class ProstheticAdmin(admin.ModelAdmin):
    list_display = ("serial_number", "model", "limb", "user", "status", "firmware_version", "activated_at")
    search_fields = ("serial_number", "user__email")
    search_help_text = _("Serial number or customer email")
    list_filter = ("status", "limb", "model")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    date_hierarchy = "activated_at"
    readonly_fields = TIMESTAMPS
    inlines = (SubscriptionInline, SupportTicketInline)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "prosthetic", "plan", "monthly_cost", "started_on", "ended_on", "status")
    search_fields = ("user__email", "prosthetic__serial_number")
    search_help_text = _("Customer email or serial number")
    list_filter = ("status", "plan")
    list_select_related = ("user", "prosthetic")
    autocomplete_fields = ("user", "prosthetic")
    readonly_fields = TIMESTAMPS


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("id", "paid_at", "user", "amount", "currency", "status", "method", "subscription")
    search_fields = ("user__email",)
    search_help_text = _("Customer email")
    list_filter = ("status", "method", "currency")
    list_select_related = ("user", "subscription")
    autocomplete_fields = ("user", "subscription")
    date_hierarchy = "paid_at"
    readonly_fields = TIMESTAMPS


@admin.register(SupportTicket)
class SupportTicketAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "subject", "user", "prosthetic", "category", "priority", "status")
    search_fields = ("subject", "user__email", "prosthetic__serial_number")
    search_help_text = _("Subject, customer email or serial number")
    list_filter = ("status", "priority", "category")
    list_select_related = ("user", "prosthetic")
    autocomplete_fields = ("user", "prosthetic")
    date_hierarchy = "created_at"
    readonly_fields = TIMESTAMPS
