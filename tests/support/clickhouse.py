"""ClickHouse for tests. Databases are real: SQLite files locally, PostgreSQL in CI (see .ci/run).

ClickHouse is real too: embedded chDB in a per-run folder (portal/settings_test.py). chDB allows one
data directory per process, so the whole run shares one; the ``clickhouse_marts`` fixture gives
each test the current schema and empty marts.
"""

import pytest
from django.conf import settings

from portal.clickhouse.client import clickhouse
from portal.clickhouse.schema import apply_migrations

# The marts and the record of their published loads (portal/clickhouse/publication.py).
MART_TABLES = ("report_user_monthly_metrics", "report_prosthetic_monthly_metrics", "mart_loads")


@pytest.fixture
def clickhouse_marts():
    """The ClickHouse schema applied and both marts empty; yields the database name."""
    database = settings.CLICKHOUSE_DATABASE
    with clickhouse() as client:
        apply_migrations(client)
        for table in MART_TABLES:
            client.command(f"TRUNCATE TABLE IF EXISTS {database}.{table}")
    return database
