"""Django admin over the CRM for support staff: find a customer by email, a prosthesis by serial
number, and see what belongs to whom: a customer's page is their one screen (prostheses,
subscriptions, latest payments and tickets, recent critical events, a link to their reports)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.core.admin_filters import labelled_values_filter
from portal.crm import customer_screen
from portal.crm.labels import PAYMENT_METHODS, TICKET_CATEGORIES, label
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
    fields = ("created_at", "subject", "category_name", "priority", "status", "resolved_at")
    readonly_fields = fields

    @admin.display(description=_("category"))
    def category_name(self, ticket):
        return label(TICKET_CATEGORIES, ticket.category)


@admin.register(User)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("id", "email", "full_name", "phone", "country", "city", "created_at")
    list_display_links = ("id", "email")
    search_fields = ("email", "full_name", "phone")
    list_filter = ("country",)
    inlines = (ProstheticInline, SubscriptionInline)
    screen_fields = ("reports", "latest_payments", "latest_tickets", "recent_critical_events")

    def get_readonly_fields(self, request, obj=None):
        return (*TIMESTAMPS, *self.screen_fields) if obj else TIMESTAMPS

    def get_fieldsets(self, request, obj=None):
        details = (None, {"fields": ("email", "full_name", "phone", "country", "city", *TIMESTAMPS)})
        if obj is None:
            return (details,)
        return (
            (None, {"fields": ("reports",)}),
            details,
            (_("Latest payments"), {"fields": ("latest_payments",)}),
            (_("Latest support tickets"), {"fields": ("latest_tickets",)}),
            (_("Recent critical events"), {"fields": ("recent_critical_events",)}),
        )

    @admin.display(description=_("reports"))
    def reports(self, customer):
        return customer_screen.reports_link(customer)

    @admin.display(description=_("payments"))
    def latest_payments(self, customer):
        return customer_screen.latest_payments(customer)

    @admin.display(description=_("support tickets"))
    def latest_tickets(self, customer):
        return customer_screen.latest_tickets(customer)

    @admin.display(description=_("critical events"))
    def recent_critical_events(self, customer):
        return customer_screen.recent_critical_events(customer)


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
    list_display = ("id", "paid_at", "user", "amount", "currency", "status", "method_name", "subscription")
    search_fields = ("user__email",)
    search_help_text = _("Customer email")
    list_filter = ("status", labelled_values_filter("method", _("method"), PAYMENT_METHODS), "currency")
    list_select_related = ("user", "subscription")
    autocomplete_fields = ("user", "subscription")
    date_hierarchy = "paid_at"
    readonly_fields = TIMESTAMPS

    @admin.display(description=_("method"), ordering="method")
    def method_name(self, payment):
        return label(PAYMENT_METHODS, payment.method)


@admin.register(SupportTicket)
class SupportTicketAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "subject",
        "user",
        "prosthetic",
        "category_name",
        "priority",
        "status",
    )
    search_fields = ("subject", "user__email", "prosthetic__serial_number")
    search_help_text = _("Subject, customer email or serial number")
    list_filter = ("status", "priority", labelled_values_filter("category", _("category"), TICKET_CATEGORIES))
    list_select_related = ("user", "prosthetic")
    autocomplete_fields = ("user", "prosthetic")
    date_hierarchy = "created_at"
    readonly_fields = TIMESTAMPS

    @admin.display(description=_("category"), ordering="category")
    def category_name(self, ticket):
        return label(TICKET_CATEGORIES, ticket.category)
