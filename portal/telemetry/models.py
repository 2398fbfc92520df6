"""Telemetry tables, written by the device ingestion pipeline. Names are fixed by DESIGN.md.

These are ingestion tables: devices and gateways are not trusted to send clean data, so the
columns stay permissive (a NULL timestamp, an unknown event type or a negative current can be
stored) and the ETL validates every row, counting and skipping those that break the rules.
``prosthetic_id`` is the CRM id; there is no foreign key across the two databases.
"""

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    class Type(models.TextChoices):
        POWER_ON = "power_on", _("power on")
        POWER_OFF = "power_off", _("power off")
        GRIP = "grip", _("grip")
        RELEASE = "release", _("release")
        ERROR = "error", _("error")
        CRITICAL_ERROR = "critical_error", _("critical error")
        CHARGE_START = "charge_start", _("charge start")
        CHARGE_END = "charge_end", _("charge end")

    id = models.BigAutoField(primary_key=True)
    prosthetic_id = models.BigIntegerField(_("prosthesis id"))
    event_type = models.CharField(_("event type"), max_length=32, choices=Type.choices)
    occurred_at = models.DateTimeField(_("occurred at"), null=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    error_code = models.CharField(_("error code"), max_length=32, null=True, blank=True)
    payload = models.JSONField(_("payload"), null=True, blank=True)

    class Meta:
        db_table = "events"
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            # Per-device history (admin, sessions) and the ETL's time-range and late-arrival reads.
            models.Index(fields=["prosthetic_id", "occurred_at"], name="events_prosthetic_occurred"),
            models.Index(fields=["occurred_at"], name="events_occurred_at"),
            models.Index(fields=["received_at"], name="events_received_at"),
        ]

    def __str__(self):
        return f"{self.event_type} #{self.prosthetic_id} @ {self.occurred_at}"


class BatteryMetric(models.Model):
    id = models.BigAutoField(primary_key=True)
    prosthetic_id = models.BigIntegerField(_("prosthesis id"))
    measured_at = models.DateTimeField(_("measured at"), null=True)
    charge_pct = models.DecimalField(_("charge, %"), max_digits=5, decimal_places=2)
    voltage_v = models.DecimalField(_("voltage, V"), max_digits=5, decimal_places=3)
    # Magnitude in mA (>= 0 by the source rules; the ETL rejects negative values).
    current_ma = models.IntegerField(_("current, mA"))
    temperature_c = models.DecimalField(_("temperature, °C"), max_digits=4, decimal_places=1)
    is_charging = models.BooleanField(_("charging"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        db_table = "battery_metrics"
        verbose_name = _("battery reading")
        verbose_name_plural = _("battery readings")
        indexes = [
            models.Index(fields=["prosthetic_id", "measured_at"], name="battery_prosthetic_measured"),
            models.Index(fields=["measured_at"], name="battery_measured_at"),
            models.Index(fields=["received_at"], name="battery_received_at"),
        ]

    def __str__(self):
        return f"#{self.prosthetic_id} {self.charge_pct}% @ {self.measured_at}"


# How long a logged change is kept: the database prunes older rows itself (migration 0002 says
# '30 days' in its SQL, which a migration must not import; a test checks the two agree).
ROW_CHANGES_KEPT = dt.timedelta(days=30)


class RowChange(models.Model):
    """A row of ``events`` or ``battery_metrics`` updated in place, logged by the database itself.

    Telemetry has no ``updated_at``: devices write a row once and an update keeps its
    ``received_at``, so an ETL run reading the source by watermark would not see it. A trigger on
    each table (migration 0002, SQLite and PostgreSQL) writes one row here per updated row, both
    ids when the id itself changed, and prunes rows older than ``ROW_CHANGES_KEPT``; the views
    ``telemetry_changed_<table>`` join each logged change with the row as it is now, so the ETL reads
    the changed rows with one indexed query. Inserts are read by ``received_at`` and deletions are
    found by counting, so neither is logged. The application never writes here."""

    id = models.BigAutoField(primary_key=True)
    table_name = models.CharField(_("table"), max_length=32)
    row_id = models.BigIntegerField(_("row id"))
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        db_table = "telemetry_row_changes"
        verbose_name = _("telemetry row change")
        verbose_name_plural = _("telemetry row changes")
        indexes = [models.Index(fields=["table_name", "changed_at"], name="row_changes_table_changed")]

    def __str__(self):
        return f"{self.table_name} #{self.row_id} @ {self.changed_at}"
