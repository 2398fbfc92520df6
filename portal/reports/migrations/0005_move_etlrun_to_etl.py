"""EtlRun now belongs to the etl app (``etl.0001_initial`` takes it over): the reports app forgets
the model, the table ``reports_etlrun`` and its rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_sweep_report_files_schedule"),
        ("etl", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="EtlRun")],
            database_operations=[],
        )
    ]
