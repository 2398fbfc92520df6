"""CRM tables. Table and column names are fixed by DESIGN.md: other tools read them."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    """created_at/updated_at as plain columns.

    ``updated_at`` is bumped on every ``save()`` because the nightly ETL reads CRM changes by it.
    Bulk loaders (the demo seeder) set both columns themselves.
    """

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)


class User(TimestampedModel):
    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    country = models.CharField(_("country"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)

    class Meta:
        db_table = "users"
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["id"]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"


class Prosthetic(TimestampedModel):
    class Limb(models.TextChoices):
        LEFT_ARM = "left_arm", _("left arm")
        RIGHT_ARM = "right_arm", _("right arm")
        LEFT_LEG = "left_leg", _("left leg")
        RIGHT_LEG = "right_leg", _("right leg")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        MAINTENANCE = "maintenance", _("maintenance")
        RETIRED = "retired", _("retired")

    user = models.ForeignKey(User, models.PROTECT, related_name="prosthetics", verbose_name=_("owner"))
    serial_number = models.CharField(_("serial number"), max_length=64, unique=True)
    model = models.CharField(_("model"), max_length=100)
    limb = models.CharField(_("limb"), max_length=16, choices=Limb.choices)
    firmware_version = models.CharField(_("firmware version"), max_length=32)
    battery_capacity_mah = models.PositiveIntegerField(_("battery capacity, mAh"))
    activated_at = models.DateTimeField(_("activated at"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        db_table = "prosthetics"
        verbose_name = _("prosthesis")
        verbose_name_plural = _("prostheses")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(limb__in=["left_arm", "right_arm", "left_leg", "right_leg"]),
                name="prosthetics_limb_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "maintenance", "retired"]),
                name="prosthetics_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.model} {self.serial_number}"


class Subscription(TimestampedModel):
    class Plan(models.TextChoices):
        BASIC = "basic", _("basic")
        STANDARD = "standard", _("standard")
        PREMIUM = "premium", _("premium")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    user = models.ForeignKey(User, models.PROTECT, related_name="subscriptions", verbose_name=_("customer"))
    prosthetic = models.ForeignKey(
        Prosthetic,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("prosthesis"),
    )
    plan = models.CharField(_("plan"), max_length=16, choices=Plan.choices)
    monthly_cost = models.DecimalField(_("monthly cost"), max_digits=10, decimal_places=2)
    started_on = models.DateField(_("started on"))
    # Inclusive last day; set whenever the subscription is not active.
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        db_table = "subscriptions"
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["active", "cancelled", "expired"]), name="subscriptions_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="active") | Q(ended_on__isnull=False),
                name="subscriptions_ended_on_set_unless_active",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="subscriptions_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(monthly_cost__gte=0), name="subscriptions_cost_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_plan_display()} #{self.pk}"


class Payment(TimestampedModel):
    class Status(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILED = "failed", _("failed")
        PENDING = "pending", _("pending")
        REFUNDED = "refunded", _("refunded")

    user = models.ForeignKey(User, models.PROTECT, related_name="payments", verbose_name=_("customer"))
    subscription = models.ForeignKey(
        Subscription,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("subscription"),
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    method = models.CharField(_("method"), max_length=32)
    paid_at = models.DateTimeField(_("paid at"))

    class Meta:
        db_table = "payments"
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at", "-id"]
        indexes = [models.Index(fields=["user", "paid_at"], name="payments_user_paid_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["success", "failed", "pending", "refunded"]),
                name="payments_status_valid",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payments_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency} ({self.status})"


class SupportTicket(TimestampedModel):
    class Priority(models.TextChoices):
        LOW = "low", _("low")
        NORMAL = "normal", _("normal")
        HIGH = "high", _("high")
        CRITICAL = "critical", _("critical")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")

    user = models.ForeignKey(User, models.PROTECT, related_name="support_tickets", verbose_name=_("customer"))
    prosthetic = models.ForeignKey(
        Prosthetic,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_tickets",
        verbose_name=_("prosthesis"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=32)
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        db_table = "support_tickets"
        verbose_name = _("support ticket")
        verbose_name_plural = _("support tickets")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="tickets_user_created_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=["low", "normal", "high", "critical"]), name="tickets_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress", "resolved", "closed"]),
                name="tickets_status_valid",
            ),
        ]

    def __str__(self):
        return self.subject
