"""Real seeded data for tests of what staff see: ``seed_demo`` (half a year of the demo
generator, seed 42, ending 2025-06-30) into the CRM and telemetry databases, a full ETL run into
the marts, and the demo logins.

Seeding and the ETL take seconds, so the data is made once per test module and committed (a
browser test's server process reads it too). Tests that use it run in a transaction that is
rolled back (``django_db(databases="__all__")``, not ``transaction=True``, whose flush would
empty the tables for the next test); the module's end empties every database and the marts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command

from portal.clickhouse.client import clickhouse
from portal.clickhouse.schema import apply_migrations
from portal.etl import pipeline, runs
from portal.etl.models import EtlRun

SEED_UNTIL = dt.date(2025, 6, 30)
SEED_YEARS = "0.5"
DATA_AS_OF = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
LAST_MONTH = dt.date(2025, 6, 1)
DATABASES = ("default", "crm", "telemetry")


@dataclass(frozen=True)
class SeededDemo:
    data_as_of: dt.datetime
    last_month: dt.date
    run_id: int


def _empty_clickhouse() -> None:
    """The marts and the ETL's working tables, so that nothing of another test leaks in or out."""
    database = settings.CLICKHOUSE_DATABASE
    with clickhouse() as client:
        apply_migrations(client)
        tables = client.query(
            "SELECT name FROM system.tables WHERE database = {db:String} "
            "AND (startsWith(name, 'etl_') OR startsWith(name, 'report_') OR name = 'mart_loads')",
            parameters={"db": database},
        ).result_rows
        for (table,) in tables:
            client.command(
                "TRUNCATE TABLE {db:Identifier}.{table:Identifier}",
                parameters={"db": database, "table": table},
            )


def _seed_and_build() -> SeededDemo:
    caches["default"].clear()  # cached report data of another test's run ids
    call_command("seed_demo", "--years", SEED_YEARS, "--until", SEED_UNTIL.isoformat(), stdout=StringIO())
    call_command("demo_logins", stdout=StringIO())
    _empty_clickhouse()
    run = runs.create_run(trigger=EtlRun.Trigger.COMMAND, mode=EtlRun.Mode.FULL, data_as_of=DATA_AS_OF)
    pipeline.run_all(run.pk, token=f"seeded-demo-{run.pk}")
    run.refresh_from_db()
    assert run.status == EtlRun.Status.SUCCESS, run.error
    return SeededDemo(data_as_of=DATA_AS_OF, last_month=LAST_MONTH, run_id=run.pk)


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker) -> Iterator[SeededDemo]:
    with django_db_blocker.unblock():
        try:
            yield _seed_and_build()
        finally:
            for alias in DATABASES:
                call_command("flush", database=alias, interactive=False, verbosity=0)
            _empty_clickhouse()
            # Run ids restart after the flush, and report caches are keyed by them.
            caches["default"].clear()
