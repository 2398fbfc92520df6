from django.db import migrations

from portal.reports.etl.schedule import ensure_periodic_task
from portal.reports.sweep import SWEEP_CRONTAB, SWEEP_TASK, SWEEP_TASK_NAME


def create_schedule(apps, schema_editor):
    ensure_periodic_task(
        apps.get_model("django_celery_beat", "CrontabSchedule"),
        apps.get_model("django_celery_beat", "PeriodicTask"),
        name=SWEEP_TASK_NAME,
        task=SWEEP_TASK,
        crontab=SWEEP_CRONTAB,
        description="Daily removal of stored report PDFs that no request can ask for any more.",
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP_TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_etl_daily_schedule")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
