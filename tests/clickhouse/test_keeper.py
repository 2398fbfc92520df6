"""The engine keeper (``portal/clickhouse/keeper.py``): this process's ``clickhouse()`` blocks share
one running engine, and another process that waits for the directory gets it even while this
process is idle.

The waiting process is real (a child Python process that opens the directory as a report read does), and
threads are counted from ``/proc``, where the leak the keeper prevents shows."""

import os
import threading
import time

import pytest

from portal.clickhouse import keeper as keeper_module
from portal.clickhouse.client import chdb_path, clickhouse, current_keeper, held, is_embedded, readers_waiting
from portal.clickhouse.keeper import engine_kept_running, not_kept
from tests.support.clickhouse import start_reader

pytestmark = pytest.mark.skipif(not is_embedded(), reason="the keeper is for embedded chDB only")

# The watcher looks every POLL_SECONDS; allow it ten looks on a busy machine.
RELEASE_BOUND_SECONDS = 10 * keeper_module.POLL_SECONDS


def thread_count() -> int:
    return len(os.listdir("/proc/self/task"))


def wait_for(condition, timeout: float = 60.0) -> float:
    """Seconds until ``condition()`` held; fails after ``timeout``."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)
    return time.monotonic() - start


@pytest.fixture
def keeper():
    """A keeper of its own for the test (the run's keeper is put aside for it)."""
    with not_kept(), engine_kept_running(chdb_path()) as own:
        yield own


def test_blocks_share_one_engine_and_leave_no_threads_behind(keeper):
    with clickhouse() as client:
        client.query("SELECT 1")
    before = thread_count()
    for _ in range(30):
        with clickhouse() as client:
            assert client.query("SELECT 40 + 2").result_rows[0][0] == 42
    # Without the keeper each block starts the engine and leaves about 5 threads: 150 here.
    assert thread_count() - before <= 3
    assert current_keeper() is keeper


def test_an_idle_process_lets_a_waiting_process_in_and_takes_the_engine_back(keeper):
    with clickhouse() as client:
        client.query("SELECT 1")
    assert keeper.sentinel is not None  # the engine keeps running after the block

    reader = start_reader()
    wait_for(readers_waiting, timeout=120)  # the reader is blocked on the lock and says so
    released_after = wait_for(lambda: keeper.sentinel is None, timeout=5)
    answer, _ = reader.communicate(timeout=120)

    assert released_after < RELEASE_BOUND_SECONDS, f"released after {released_after:.3f} s"
    assert (reader.returncode, answer.strip()) == (0, "42")
    with clickhouse() as client:  # the next block here starts the engine again
        assert client.query("SELECT 40 + 2").result_rows[0][0] == 42
    assert keeper.sentinel is not None


def test_release_waits_for_a_block_in_progress(keeper):
    with clickhouse() as client:
        keeper_busy_until = time.monotonic() + 0.3
        released = threading.Event()
        releaser = threading.Thread(target=lambda: (keeper.release(), released.set()))
        releaser.start()
        time.sleep(0.3)
        assert not released.is_set()  # the block still uses the engine
        assert client.query("SELECT 1").result_rows[0][0] == 1
    releaser.join(timeout=10)
    assert released.is_set() and time.monotonic() >= keeper_busy_until
    assert keeper.sentinel is None


def test_a_held_block_uses_one_handle_on_the_running_engine(keeper):
    with clickhouse() as client:
        client.query("SELECT 1")
    engine = keeper.sentinel
    with held():
        with clickhouse() as first:
            first.query("SELECT 1")
        with clickhouse() as second:
            second.query("SELECT 1")
        assert keeper.users == 1  # the held block's handle, between its blocks
    assert second is first  # one handle for the whole held block, not a new one per block
    assert keeper.sentinel is engine  # on the engine that was already running
    assert keeper.users == 0


def test_a_held_block_lets_a_waiting_process_in_between_its_blocks(keeper):
    with held():
        with clickhouse() as first:
            first.query("SELECT 1")
            reader = start_reader()
            wait_for(readers_waiting, timeout=120)
        # The block ended with a reader waiting: the engine was stopped at once, not at the
        # watcher's next look, and the reader got the directory.
        answer, _ = reader.communicate(timeout=120)
        with clickhouse() as after:
            assert after.query("SELECT 40 + 2").result_rows[0][0] == 42
    assert (reader.returncode, answer.strip()) == (0, "42")
    assert after is not first
    assert keeper.sentinel is not None  # running again, for this process


def test_keep_running_for_process_keeps_one_engine_until_stopped():
    """What the refresher's task does before each tick (portal/etl/tasks.py)."""
    with not_kept():
        keeper_module.keep_running_for_process()
        try:
            kept = current_keeper()
            assert kept is not None
            keeper_module.keep_running_for_process()  # a second call starts no second keeper
            assert current_keeper() is kept
            with clickhouse() as client:
                client.query("SELECT 1")
            assert kept.sentinel is not None  # still running after the block
        finally:
            keeper_module.stop_keeping_for_process()
        assert current_keeper() is None
        assert kept.sentinel is None and not kept.watcher.is_alive()
