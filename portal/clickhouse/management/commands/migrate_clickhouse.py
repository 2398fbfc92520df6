from django.conf import settings
from django.core.management.base import BaseCommand

from portal.clickhouse.client import clickhouse
from portal.clickhouse.schema import Migration, apply_migrations, planned_migrations


class Command(BaseCommand):
    help = "Apply the versioned ClickHouse schema (marts and ETL working tables). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--plan", action="store_true", help="Print the DDL that would be applied, change nothing."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; exit with status 1 when migrations are pending (for deploy checks).",
        )

    def handle(self, *args, plan=False, check=False, **options):
        database = settings.CLICKHOUSE_DATABASE
        cluster = settings.CLICKHOUSE_CLUSTER
        with clickhouse() as client:
            if check:
                self._check(planned_migrations(client, database))
                return
            if plan:
                self._print_plan(planned_migrations(client, database), database, cluster)
                return
            applied = apply_migrations(client)
        for name in applied:
            self.stdout.write(self.style.SUCCESS(f"applied {name}"))
        if not applied:
            self.stdout.write("ClickHouse schema is up to date.")

    def _check(self, pending: list[Migration]) -> None:
        if pending:
            names = ", ".join(migration.name for migration in pending)
            self.stderr.write(f"{len(pending)} ClickHouse migration(s) pending: {names}")
            raise SystemExit(1)
        self.stdout.write("ClickHouse schema is up to date.")

    def _print_plan(self, pending: list[Migration], database: str, cluster: str) -> None:
        if not pending:
            self.stdout.write("ClickHouse schema is up to date.")
            return
        target = f"cluster {cluster}" if cluster else "a single server"
        self.stdout.write(f"-- {len(pending)} migration(s) to apply to database {database} on {target}")
        for migration in pending:
            self.stdout.write(f"-- would apply {migration.name}")
            for statement in migration.statements(database=database, cluster=cluster):
                self.stdout.write(statement + ";\n")
