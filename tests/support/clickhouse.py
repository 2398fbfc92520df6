"""ClickHouse for tests. Databases are real: SQLite files locally, PostgreSQL in CI (see .ci/run).

ClickHouse is real too: embedded chDB in a per-run folder (portal/settings_test.py). chDB allows one
data directory per process, so the whole run shares one; the ``clickhouse_marts`` fixture gives
each test the current schema and empty marts.

The run keeps the engine running (``portal/clickhouse/keeper.py``): each engine start leaks a few
threads and file descriptors, and a run that started it for every block ran out of descriptors.
Other processes the tests start still get the directory whenever they wait for it.
"""

import pytest
from django.conf import settings

from portal.clickhouse.client import chdb_path, clickhouse, is_embedded
from portal.clickhouse.keeper import engine_kept_running, not_kept
from portal.clickhouse.schema import apply_migrations

# The marts and the record of their published loads (portal/clickhouse/publication.py).
MART_TABLES = ("report_user_monthly_metrics", "report_prosthetic_monthly_metrics", "mart_loads")


@pytest.fixture(scope="session", autouse=True)
def chdb_engine_kept_running():
    if not is_embedded():
        yield None
        return
    with engine_kept_running(chdb_path()) as keeper:
        yield keeper


@pytest.fixture
def chdb_not_kept_running():
    """For tests of how the engine is opened and closed per block (``held()``, thread bounds)."""
    with not_kept():
        yield


@pytest.fixture
def clickhouse_marts():
    """The ClickHouse schema applied and both marts empty; yields the database name."""
    database = settings.CLICKHOUSE_DATABASE
    with clickhouse() as client:
        apply_migrations(client)
        for table in MART_TABLES:
            client.command(f"TRUNCATE TABLE IF EXISTS {database}.{table}")
    return database
