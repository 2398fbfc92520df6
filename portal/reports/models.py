"""Portal-side records of report serving: the staff access audit log (and, in
``delivery.models``, the monthly e-mails).

The marts live in ClickHouse (``portal/clickhouse``); the ETL's run history in ``portal/etl``."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportAccessLog(models.Model):
    """One row per report read by staff: who, whose report, which month, what, when."""

    accessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="report_accesses",
        verbose_name=_("accessed by"),
    )
    crm_user_id = models.BigIntegerField(_("customer (CRM id)"), db_index=True)
    month = models.DateField(_("month"), null=True, blank=True)
    resource = models.CharField(_("resource"), max_length=32)  # e.g. "list", "month", "pdf"
    channel = models.CharField(_("channel"), max_length=16)  # "api", "page", "admin"
    accessed_at = models.DateTimeField(_("accessed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("report access")
        verbose_name_plural = _("report access log")
        ordering = ["-accessed_at", "-id"]

    def __str__(self):
        return f"{self.accessed_by} read {self.resource} of #{self.crm_user_id}"


# The delivery models live with delivery; Django finds an app's models through this module.
from portal.reports.delivery.models import DeliveryPreference, MonthlyEmail  # noqa: E402,F401
