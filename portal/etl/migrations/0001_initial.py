"""EtlRun moves here from the reports app. The table ``reports_etlrun`` and its rows stay as they
are: the model is created in Django's state only, and the content type is renamed so that the
permissions (and the groups and users holding them) and admin history carry over."""

import django.utils.timezone
from django.db import migrations, models


def rename_content_type(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType").objects.db_manager(
        schema_editor.connection.alias
    )
    if content_types.filter(app_label="etl", model="etlrun").exists():
        return
    content_types.filter(app_label="reports", model="etlrun").update(app_label="etl")


def restore_content_type(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType").objects.db_manager(
        schema_editor.connection.alias
    )
    content_types.filter(app_label="etl", model="etlrun").update(app_label="reports")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reports", "0004_sweep_report_files_schedule"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EtlRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "trigger",
                            models.CharField(
                                choices=[
                                    ("schedule", "schedule"),
                                    ("admin", "admin"),
                                    ("command", "command line"),
                                ],
                                max_length=16,
                                verbose_name="trigger",
                            ),
                        ),
                        (
                            "mode",
                            models.CharField(
                                choices=[
                                    ("incremental", "incremental"),
                                    ("full", "full rebuild"),
                                    ("range", "month range"),
                                ],
                                default="incremental",
                                max_length=16,
                                verbose_name="mode",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "queued"),
                                    ("running", "running"),
                                    ("success", "success"),
                                    ("failed", "failed"),
                                ],
                                default="queued",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("month_from", models.DateField(blank=True, null=True, verbose_name="from month")),
                        ("month_to", models.DateField(blank=True, null=True, verbose_name="to month")),
                        (
                            "data_as_of",
                            models.DateTimeField(blank=True, null=True, verbose_name="data as of"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="created at"
                            ),
                        ),
                        (
                            "started_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="started at"),
                        ),
                        (
                            "finished_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="finished at"),
                        ),
                        ("watermarks", models.JSONField(blank=True, default=dict, verbose_name="watermarks")),
                        (
                            "months_recomputed",
                            models.JSONField(blank=True, default=list, verbose_name="months recomputed"),
                        ),
                        ("steps", models.JSONField(blank=True, default=dict, verbose_name="steps")),
                        (
                            "rows_rejected",
                            models.PositiveBigIntegerField(default=0, verbose_name="rows rejected"),
                        ),
                        ("error", models.TextField(blank=True, verbose_name="error")),
                        (
                            "celery_task_id",
                            models.CharField(blank=True, max_length=64, verbose_name="Celery task id"),
                        ),
                        (
                            "heartbeat_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="heartbeat"),
                        ),
                        ("worker", models.CharField(blank=True, max_length=128, verbose_name="worker")),
                    ],
                    options={
                        "verbose_name": "ETL run",
                        "verbose_name_plural": "ETL runs",
                        "db_table": "reports_etlrun",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["status", "-finished_at"], name="etlrun_status_finished")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("status", "running")),
                                fields=("status",),
                                name="etlrun_one_running",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_type, restore_content_type),
    ]
