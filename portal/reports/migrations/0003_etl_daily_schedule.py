"""Once created the nightly schedule. Periodic tasks are now set up by ``manage.py
setup_periodic_tasks`` (idempotent, never overwriting a schedule staff edited), so that migrations
import no runtime code; databases that ran this migration keep the row it made."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_etlrun_one_running_heartbeat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
