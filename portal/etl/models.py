"""The ETL's run history: one row per run (nightly, admin, command line), with its liveness."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EtlRun(models.Model):
    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("schedule")
        ADMIN = "admin", _("admin")
        COMMAND = "command", _("command line")
        TICK = "tick", _("refresh tick")

    class Mode(models.TextChoices):
        INCREMENTAL = "incremental", _("incremental")
        FULL = "full", _("full rebuild")
        RANGE = "range", _("month range")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCESS = "success", _("success")
        FAILED = "failed", _("failed")

    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.INCREMENTAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    month_from = models.DateField(_("from month"), null=True, blank=True)
    month_to = models.DateField(_("to month"), null=True, blank=True)
    data_as_of = models.DateTimeField(_("data as of"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Watermarks: the source received_at / updated_at up to which this run read, for the next run.
    watermarks = models.JSONField(_("watermarks"), default=dict, blank=True)
    months_recomputed = models.JSONField(_("months recomputed"), default=list, blank=True)
    # {"extract_crm": {"read": n, "written": n, "rejected": {...}}, ...}
    steps = models.JSONField(_("steps"), default=dict, blank=True)
    rows_rejected = models.PositiveBigIntegerField(_("rows rejected"), default=0)
    error = models.TextField(_("error"), blank=True)
    celery_task_id = models.CharField(_("Celery task id"), max_length=64, blank=True)
    # Liveness of a running run: the process working on it ("host:pid") refreshes heartbeat_at;
    # a run whose heartbeat is stale, or whose process is gone, no longer blocks the next run.
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=128, blank=True)
    # The run read the change feed's ClickHouse mirrors instead of the source databases (a refresh
    # tick on a PostgreSQL source with logical replication).
    reads_mirrors = models.BooleanField(_("reads the change feed"), default=False)

    class Meta:
        # Moved from the reports app without touching the table: same name, same rows.
        db_table = "reports_etlrun"
        verbose_name = _("ETL run")
        verbose_name_plural = _("ETL runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-finished_at"], name="etlrun_status_finished")]
        constraints = [
            # Only one run at a time, across processes and machines: the database refuses a second
            # row with status "running" (a partial unique index on SQLite and PostgreSQL).
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="running"), name="etlrun_one_running"
            ),
        ]

    def __str__(self):
        return f"ETL run #{self.pk} ({self.status})"
