"""Delivery settings per customer, and one row per (customer, month) e-mail.

The unique (customer, month) row is the promise "never twice": a worker claims it atomically
before sending, and nothing sends without the claim."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliveryPreference(models.Model):
    """A customer's choice. No row means the defaults: delivery on, in Russian."""

    crm_user_id = models.BigIntegerField(_("customer (CRM id)"), unique=True)
    enabled = models.BooleanField(_("monthly e-mail on"), default=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("delivery setting")
        verbose_name_plural = _("delivery settings")

    def __str__(self):
        return f"#{self.crm_user_id}: {'on' if self.enabled else 'off'}, {self.language}"


class MonthlyEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        PREPARING = "preparing", _("being prepared")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("not sent")

    crm_user_id = models.BigIntegerField(_("customer (CRM id)"))
    month = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    recipient = models.EmailField(_("recipient"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Why it failed or was skipped, or the last temporary error before a retry.
    detail = models.TextField(_("detail"), blank=True)
    pdf_attached = models.BooleanField(_("PDF attached"), null=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    # Who holds the claim ("host:pid") since when; SMTP started when the message left for the server.
    worker = models.CharField(_("worker"), max_length=128, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    smtp_started_at = models.DateTimeField(_("SMTP started at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    resends = models.PositiveIntegerField(_("re-sends by support"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("monthly report e-mail")
        verbose_name_plural = _("monthly report e-mails")
        ordering = ["-month", "crm_user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["crm_user_id", "month"], name="reports_one_email_per_customer_month"
            )
        ]
        indexes = [models.Index(fields=["status", "month"], name="reports_email_status_month")]

    def __str__(self):
        return f"#{self.crm_user_id} {self.month:%Y-%m} ({self.status})"
