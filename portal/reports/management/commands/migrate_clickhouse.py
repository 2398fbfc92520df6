from django.conf import settings
from django.core.management.base import BaseCommand

from portal.reports.clickhouse.client import clickhouse
from portal.reports.clickhouse.schema import apply_migrations, pending_migrations


class Command(BaseCommand):
    help = "Apply the versioned ClickHouse schema (the marts). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--plan", action="store_true", help="Show what would be applied and stop.")

    def handle(self, *args, plan=False, **options):
        database = settings.CLICKHOUSE_DATABASE
        with clickhouse() as client:
            if plan:
                client.command(f"CREATE DATABASE IF NOT EXISTS {database}")
                pending = pending_migrations(client, database)
                for migration in pending:
                    self.stdout.write(f"would apply {migration.name}")
                    for statement in migration.statements(
                        database=database, cluster=settings.CLICKHOUSE_CLUSTER
                    ):
                        self.stdout.write(statement + ";\n")
                if not pending:
                    self.stdout.write("ClickHouse schema is up to date.")
                return
            applied = apply_migrations(client)
        for name in applied:
            self.stdout.write(self.style.SUCCESS(f"applied {name}"))
        if not applied:
            self.stdout.write("ClickHouse schema is up to date.")
