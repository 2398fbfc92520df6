"""The change log of telemetry rows updated in place (``RowChange``): a trigger per table fills it
and prunes it, and a view per table joins each logged change with the row as it is now.

SQLite has row triggers only; PostgreSQL gets one statement trigger per table, which logs every
row of a bulk UPDATE with one INSERT through the statement's transition tables. Both prune rows
older than 30 days (``ROW_CHANGES_KEPT``) and write ``changed_at`` in the form Django writes.
"""

import django.utils.timezone
from django.db import migrations, models

# The columns the ETL reads from each table (portal/etl/steps/extract_telemetry.py).
TABLES = {
    "events": ("id", "prosthetic_id", "event_type", "occurred_at", "received_at"),
    "battery_metrics": (
        "id",
        "prosthetic_id",
        "measured_at",
        "current_ma",
        "temperature_c",
        "is_charging",
        "received_at",
    ),
}
KEPT = "30 days"

SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"
SQLITE_TRIGGER = """
CREATE TRIGGER {table}_log_row_changes AFTER UPDATE ON {table} FOR EACH ROW BEGIN
    INSERT INTO telemetry_row_changes (table_name, row_id, changed_at)
    SELECT '{table}', OLD.id, {now};
    INSERT INTO telemetry_row_changes (table_name, row_id, changed_at)
    SELECT '{table}', NEW.id, {now} WHERE NEW.id != OLD.id;
    DELETE FROM telemetry_row_changes
    WHERE table_name = '{table}' AND changed_at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-{kept}');
END
"""

POSTGRES_FUNCTION = """
CREATE FUNCTION telemetry_log_row_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO telemetry_row_changes (table_name, row_id, changed_at)
    SELECT TG_TABLE_NAME, id, now() FROM (SELECT id FROM old_rows UNION SELECT id FROM new_rows) AS changed;
    DELETE FROM telemetry_row_changes
    WHERE table_name = TG_TABLE_NAME AND changed_at < now() - interval '{kept}';
    RETURN NULL;
END
$$
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER {table}_log_row_changes AFTER UPDATE ON {table}
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION telemetry_log_row_changes()
"""

VIEW = """
CREATE VIEW telemetry_changed_{table} AS
SELECT {columns}, c.changed_at AS row_changed_at
FROM telemetry_row_changes c JOIN {table} t ON t.id = c.row_id
WHERE c.table_name = '{table}'
"""


def create_log(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(POSTGRES_FUNCTION.format(kept=KEPT))
    for table, columns in TABLES.items():
        trigger = POSTGRES_TRIGGER if postgres else SQLITE_TRIGGER
        schema_editor.execute(trigger.format(table=table, now=SQLITE_NOW, kept=KEPT))
        schema_editor.execute(VIEW.format(table=table, columns=", ".join(f"t.{c}" for c in columns)))


def drop_log(apps, schema_editor):
    for table in TABLES:
        schema_editor.execute(f"DROP VIEW IF EXISTS telemetry_changed_{table}")
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {table}_log_row_changes"
            + (f" ON {table}" if schema_editor.connection.vendor == "postgresql" else "")
        )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS telemetry_log_row_changes()")


class Migration(migrations.Migration):
    dependencies = [
        ("telemetry", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="RowChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("table_name", models.CharField(max_length=32, verbose_name="table")),
                ("row_id", models.BigIntegerField(verbose_name="row id")),
                (
                    "changed_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="changed at"),
                ),
            ],
            options={
                "verbose_name": "telemetry row change",
                "verbose_name_plural": "telemetry row changes",
                "db_table": "telemetry_row_changes",
                "indexes": [
                    models.Index(fields=["table_name", "changed_at"], name="row_changes_table_changed")
                ],
            },
        ),
        migrations.RunPython(create_log, drop_log),
    ]
