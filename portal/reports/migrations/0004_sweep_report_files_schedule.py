"""Once created the daily sweep of stored PDFs. Periodic tasks are now set up by ``manage.py
setup_periodic_tasks``; see 0003."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_etl_daily_schedule")]

    operations = []
