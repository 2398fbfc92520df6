from django.db import migrations

from portal.reports.etl.schedule import DAILY_TASK_NAME, ensure_daily_schedule


def create_schedule(apps, schema_editor):
    ensure_daily_schedule(
        apps.get_model("django_celery_beat", "CrontabSchedule"),
        apps.get_model("django_celery_beat", "PeriodicTask"),
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=DAILY_TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_etlrun_one_running_heartbeat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
