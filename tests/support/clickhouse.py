"""ClickHouse for tests. Databases are real: SQLite files locally, PostgreSQL in CI (see .ci/run).

ClickHouse is real too: embedded chDB in a per-run folder (portal/settings_test.py). chDB allows one
data directory per process, so the whole run shares one; the ``clickhouse_marts`` fixture gives
each test the current schema and empty marts.

The run keeps the engine running (``portal/clickhouse/keeper.py``): each engine start leaks a few
threads and file descriptors, and a run that started it for every block ran out of descriptors.
Other processes the tests start still get the directory whenever they wait for it.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from portal.clickhouse.client import chdb_path, clickhouse, is_embedded
from portal.clickhouse.keeper import engine_kept_running, not_kept
from portal.clickhouse.schema import apply_migrations

ROOT = Path(__file__).resolve().parents[2]
# A report read in miniature: another Python process with the test settings that opens the same
# chDB directory through clickhouse(), exactly as a report request does, and prints 42.
READER_SCRIPT = (
    "import django; django.setup()\n"
    "from portal.clickhouse.client import clickhouse\n"
    "with clickhouse(timeout=60) as client:\n"
    "    print(client.query('SELECT 40 + 2').result_rows[0][0], flush=True)\n"
)

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


def start_reader() -> subprocess.Popen:
    """Start ``READER_SCRIPT``; its stdout says 42 once it got the engine."""
    # settings_test put DATA_DIR in this process's environment, so the child opens the same chDB.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test"}
    return subprocess.Popen(
        [sys.executable, "-c", READER_SCRIPT], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
