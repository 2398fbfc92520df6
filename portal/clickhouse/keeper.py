"""Keep embedded chDB running in a long-lived process, and still share it: the test run, which
cannot be recycled, and the refresher, which opens it every minute (``keep_running_for_process``).

Why: every start of the embedded engine leaves about 5 idle ClickHouse threads and 9 file
descriptors behind (``threads.py``). A web worker is replaced when it passes its thread bound; a
process that cannot be replaced, such as the test run, would open the engine thousands of times
and run out of file descriptors. While one handle stays open, the engine keeps running, and
``clickhouse()`` blocks open further handles on it, which start nothing and leak nothing.

The keeper holds the directory's cross-process lock while the engine runs in this process. It
gives both up, when no block of this process is using them, as soon as another process leaves its
waiting marker (``readers_waiting``); a watcher thread checks every ``POLL_SECONDS``, so a waiter
is let in even while this process is idle. The next ``clickhouse()`` block here takes the lock
back, waiting like any other process, and starts the engine again.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import clickhouse_connect
from clickhouse_connect.driver import Client

from portal.clickhouse import client as ch

POLL_SECONDS = 0.05


class EngineKeeper:
    def __init__(self, path: Path):
        self.path = path
        self.lock = ch._chdb_lock(path)
        self.sentinel: Client | None = None  # the handle that keeps the engine running
        self.users = 0  # clickhouse() blocks of this process in progress
        self.released_at = 0.0
        self.changed = threading.Condition()
        self.stopped = threading.Event()
        self.watcher = threading.Thread(target=self._watch, name="chdb-keeper", daemon=True)

    @contextmanager
    def client(self, wait: float) -> Iterator[Client]:
        """A handle on the running engine, starting it (after the lock) if it is not running."""
        with self.changed:
            if self.sentinel is None:
                self._start(wait)
            self.users += 1
        try:
            handle = clickhouse_connect.get_client(dsn=f"{ch.CHDB_SCHEME}{self.path}")
            try:
                yield handle
            finally:
                handle.close()
        finally:
            with self.changed:
                self.users -= 1
                self.changed.notify_all()  # release() waits for the last block to end

    def release(self) -> None:
        """Stop the engine and give the lock up now (e.g. before another process takes the lock
        without leaving a waiting marker). Blocks of this process in progress finish first."""
        with self.changed:
            while self.users:
                self.changed.wait()
            self._stop()

    def release_if_idle(self) -> None:
        """Stop the engine and give the lock up now if no block of this process is using it."""
        with self.changed:
            if self.users == 0:
                self._stop()

    def close(self) -> None:
        self.stopped.set()
        self.release()

    def _start(self, wait: float) -> None:
        # Right after letting a waiter in, pause so that it gets the lock before this process.
        pause = self.released_at + ch.HANDOFF_SECONDS - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.sentinel = ch.open_locked(self.lock, self.path, wait)

    def _stop(self) -> None:
        if self.sentinel is None:
            return
        try:
            self.sentinel.close()
        finally:
            self.sentinel = None
            self.lock.release()
            self.released_at = time.monotonic()

    def _watch(self) -> None:
        while not self.stopped.wait(POLL_SECONDS):
            if self.sentinel is not None and ch.readers_waiting(self.path):
                self.release_if_idle()


@contextmanager
def engine_kept_running(path: Path) -> Iterator[EngineKeeper]:
    """For the whole block, this process's ``clickhouse()`` blocks on ``path`` share one running
    engine, handed to other processes whenever they wait for it."""
    keeper = EngineKeeper(path)
    ch.use_keeper(keeper)
    keeper.watcher.start()
    try:
        yield keeper
    finally:
        ch.use_keeper(None)
        keeper.close()
        keeper.watcher.join()


@contextmanager
def not_kept() -> Iterator[None]:
    """For the block, stop the engine and open and close it per ``clickhouse()`` block as without
    a keeper (e.g. while another process holds the lock without leaving a waiting marker)."""
    keeper = ch.current_keeper()
    if keeper is None:
        yield
        return
    keeper.release()
    ch.use_keeper(None)
    try:
        yield
    finally:
        ch.use_keeper(keeper)


_for_process = ExitStack()


def keep_running_for_process() -> None:
    """From now until the process ends (or ``stop_keeping_for_process``), keep the engine running
    here, as ``engine_kept_running`` does for a block: for a process that opens it again and again
    on a schedule, the refresher. Nothing to do for a ClickHouse server or where a keeper runs."""
    if not ch.is_embedded() or ch.current_keeper() is not None:
        return
    _for_process.enter_context(engine_kept_running(ch.chdb_path()))
    atexit.unregister(stop_keeping_for_process)  # registered once however often it starts
    atexit.register(stop_keeping_for_process)


def stop_keeping_for_process() -> None:
    _for_process.close()
