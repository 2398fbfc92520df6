"""On SQLite sources chDB reads a snapshot, never the live file (``SourceDatabase.visible``).

chDB links its own SQLite library, and two SQLite libraries in one process cannot see each other's
locks: chDB reading the live file deleted the write-ahead log under Django's open connection, so
chDB then read stale rows and Django's later statements failed with "disk I/O error". These tests
write through Django and read through chDB in one process, as the test run, ``simulate_devices``
and a worker do."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from portal.clickhouse.client import clickhouse
from portal.etl.errors import SourceUnavailable
from portal.etl.sources import SourceDatabase
from tests.support.factories import CrmUserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.skipif(
        connections["crm"].vendor != "sqlite", reason="about SQLite sources (the embedded default)"
    ),
]


def chdb_count(source: SourceDatabase) -> int:
    with source.visible(), clickhouse() as client:
        query = f"SELECT count() FROM {source.table('users')}"  # noqa: S608 (a constant table name)
        return client.query(query, parameters=source.parameters()).result_rows[0][0]


def deleted_files_open(database: str) -> list[str]:
    """Files of ``database`` this process keeps open although they were deleted."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(database) and target.endswith("(deleted)"):
            found.append(target)
    return found


def test_chdb_sees_every_commit_and_django_keeps_its_log():
    source = SourceDatabase("crm")
    live = connections["crm"].settings_dict["NAME"]
    for written in range(1, 6):
        CrmUserFactory()  # Django's connection stays open between the reads
        assert chdb_count(source) == written
        assert deleted_files_open(live) == []
    # Django's commits reached the file that other processes read, not a deleted log.
    with connections["crm"].cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with sqlite3.connect(live) as other:
        assert other.execute("SELECT count(*) FROM users").fetchone()[0] == 5


def test_a_snapshot_is_deleted_when_the_reads_end():
    source = SourceDatabase("crm")
    with source.visible():
        snapshot = source.parameters()["crm_path"]
        assert snapshot != connections["crm"].settings_dict["NAME"]
        assert os.path.exists(snapshot)
    assert not os.path.exists(snapshot)


def test_reading_outside_visible_is_refused():
    with pytest.raises(RuntimeError, match="visible"):
        SourceDatabase("crm").parameters()


def test_a_missing_database_file_is_an_error_not_an_empty_source(tmp_path):
    source = SourceDatabase("crm")
    source._db = {**source._db, "NAME": str(tmp_path / "missing.sqlite3")}
    with pytest.raises(SourceUnavailable, match="does not exist"), source.visible():
        pass
    assert not (tmp_path / "missing.sqlite3").exists()


def test_snapshots_left_by_a_killed_run_are_deleted_by_the_next_read():
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a process id that no longer runs
    snapshot_dir = Path(settings.DATA_DIR) / "etl-snapshots"
    snapshot_dir.mkdir(exist_ok=True)
    left_behind = snapshot_dir / f"crm-{dead.pid}-7.sqlite3"
    left_behind.write_bytes(b"")
    ours = snapshot_dir / f"crm-{os.getpid()}-999999.sqlite3"  # this process's: still in use
    ours.write_bytes(b"")

    chdb_count(SourceDatabase("crm"))

    assert not left_behind.exists()
    assert ours.exists()
    ours.unlink()
