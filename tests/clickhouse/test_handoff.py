"""``held()``: the ETL keeps embedded chDB open across its statement batches, and gives it up between
two batches as soon as another process waits for it (a report read in the web process).

The waiting process here is real: a Python process with the test settings that opens the same
chDB directory through ``clickhouse()``, exactly as a report request does."""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from filelock import FileLock, Timeout

from portal.clickhouse.client import chdb_path, clickhouse, held, readers_waiting
from tests.support.clickhouse import start_reader

# These tests are about opening and closing the engine per block, not about the run's keeper.
pytestmark = pytest.mark.usefixtures("chdb_not_kept_running")


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def lock_is_free() -> bool:
    lock = FileLock(str(chdb_path()) + ".lock", thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return False
    lock.release()
    return True


def test_held_keeps_one_client_open_across_blocks_when_nobody_waits(clickhouse_marts):
    with held():
        with clickhouse() as first:
            first.query("SELECT 1")
        assert not lock_is_free()  # still held between the blocks
        with clickhouse() as second:
            second.query("SELECT 1")
    assert second is first
    assert lock_is_free()


def test_held_gives_chdb_to_a_waiting_process_at_the_end_of_a_block(clickhouse_marts):
    with held():
        with clickhouse() as first:
            first.query("SELECT 1")
            reader = start_reader()
            wait_until(readers_waiting)  # the reader is blocked on the lock and says so
        answer, _ = reader.communicate(timeout=60)  # it got its turn between the two blocks
        with clickhouse() as after:
            after.query("SELECT 1")
    assert reader.returncode == 0
    assert answer.strip() == "42"
    assert after is not first  # reopened once the reader was done


def test_an_error_inside_a_held_block_releases_chdb_at_once(clickhouse_marts):
    with held():
        with pytest.raises(RuntimeError, match="boom"), clickhouse():
            raise RuntimeError("boom")
        assert lock_is_free()
        with clickhouse() as client:  # and the next block opens it again
            assert client.query("SELECT 1").result_rows == [(1,)]


def test_a_marker_left_by_a_killed_waiter_is_ignored(clickhouse_marts):
    waiting = Path(str(chdb_path()) + ".waiting")
    waiting.mkdir(exist_ok=True)
    marker = waiting / "999999-1"
    marker.touch()
    try:
        assert readers_waiting()
        long_ago = time.time() - settings.CLICKHOUSE_LOCK_TIMEOUT - 60
        os.utime(marker, (long_ago, long_ago))
        assert not readers_waiting()
    finally:
        marker.unlink()
