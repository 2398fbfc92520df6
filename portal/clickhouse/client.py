"""One way to reach ClickHouse: ``with clickhouse() as client: ...``.

``CLICKHOUSE_URL`` picks the engine. ``chdb:///abs/path`` is embedded chDB, which allows one
process per data directory; the web process and the worker share it by opening short-lived
clients under a cross-process file lock next to the directory. A caller that cannot get the lock
within ``CLICKHOUSE_LOCK_TIMEOUT`` seconds gets ``ClickHouseBusy`` naming the lock file, never a
chDB "Cannot lock file" crash. ``http(s)://...`` is a ClickHouse server: no lock, one pooled
client per process.

Long jobs (the ETL) wrap their work in ``held()``: the first ``clickhouse()`` block opens chDB and
later blocks reuse it, because opening chDB costs about 0.1 s each time. Between blocks the holder
gives the directory up only when another process is waiting for it: a waiting caller leaves a
marker file in ``<path>.waiting/`` (``readers_waiting``), so report reads are still served
between ETL statement batches, and a run nobody interrupts pays for one open. In a process that
keeps the engine running (``keeper.py``: the test run, the refresher) a ``held()`` block takes one
handle on that engine for all its blocks instead, and between blocks gives the engine up the same
way when another process waits.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import clickhouse_connect
from clickhouse_connect.driver import Client
from django.conf import settings
from filelock import FileLock, Timeout

if TYPE_CHECKING:
    from portal.clickhouse.keeper import EngineKeeper

CHDB_SCHEME = "chdb://"
_server_clients = threading.local()
_held = threading.local()
_keeper: EngineKeeper | None = (
    None  # a process-wide keeper.EngineKeeper, when this process keeps the engine running
)
# After a holder gives the directory up to a waiting process, it waits this long before taking it
# again: waiters poll the lock every 50 ms, so each of them gets a turn within this pause.
HANDOFF_SECONDS = 0.075


class ClickHouseBusy(RuntimeError):
    """The embedded ClickHouse directory is held by another process for too long."""


def is_embedded(url: str | None = None) -> bool:
    return (url or settings.CLICKHOUSE_URL).startswith(CHDB_SCHEME)


def chdb_path(url: str | None = None) -> Path:
    return Path((url or settings.CLICKHOUSE_URL)[len(CHDB_SCHEME) :])


def _chdb_lock(path: Path) -> FileLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A new FileLock for each use: flock() belongs to one open file, so two users in one process
    # (two threads, or a reader inside the ETL's process) exclude each other like two processes.
    return FileLock(str(path) + ".lock", thread_local=False)


def _waiting_dir(path: Path) -> Path:
    return Path(str(path) + ".waiting")


def readers_waiting(path: Path | None = None) -> bool:
    """Whether another process is waiting for the embedded directory (a fresh marker exists).

    Markers older than the longest wait are left-overs of a killed waiter and are ignored."""
    stale_before = time.time() - settings.CLICKHOUSE_LOCK_TIMEOUT - 5
    with suppress(FileNotFoundError):
        for marker in _waiting_dir(path or chdb_path()).iterdir():
            with suppress(FileNotFoundError):
                if marker.stat().st_mtime >= stale_before:
                    return True
    return False


def _acquire(lock: FileLock, path: Path, wait: float) -> None:
    """Take the lock; while waiting for another process, say so with a marker file."""
    try:
        lock.acquire(timeout=0)
        return
    except Timeout:
        pass
    waiting = _waiting_dir(path)
    waiting.mkdir(exist_ok=True)
    marker = waiting / f"{os.getpid()}-{threading.get_ident()}"
    marker.touch()
    try:
        lock.acquire(timeout=wait)
    except Timeout as exc:
        raise ClickHouseBusy(
            f"The embedded ClickHouse data directory {path} is in use by another process "
            f"(lock file {lock.lock_file}) for more than {wait:g} s. Wait for it to finish, or "
            "point CLICKHOUSE_URL at a ClickHouse server to serve several processes at once."
        ) from exc
    finally:
        marker.unlink(missing_ok=True)


@contextmanager
def clickhouse(*, timeout: float | None = None) -> Iterator[clickhouse_connect.driver.Client]:
    url = settings.CLICKHOUSE_URL
    if not is_embedded(url):
        yield _server_client(url)
        return
    path = chdb_path(url)
    wait = settings.CLICKHOUSE_LOCK_TIMEOUT if timeout is None else timeout
    # A held() block first: its one handle serves every block inside it, on the keeper's running
    # engine when this process has one (a new handle costs a few queries, about 20 ms).
    holder = getattr(_held, "holder", None)
    if holder is not None:
        with holder.client(timeout) as client:
            yield client
        return
    if _keeper is not None and _keeper.path == path:
        with _keeper.client(wait) as client:
            yield client
        return
    lock = _chdb_lock(path)
    client = open_locked(lock, path, wait)
    try:
        yield client
    finally:
        try:
            client.close()
        finally:
            lock.release()


class _Holder:
    """The embedded client a ``held()`` block keeps open across ``clickhouse()`` blocks: its own
    open of the directory, or a handle on the keeper's running engine where this process has one."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = _chdb_lock(path)
        self.open_client: Client | None = None
        self.kept: ExitStack | None = None  # the keeper block the handle belongs to, if any

    @contextmanager
    def client(self, timeout: float | None) -> Iterator[Client]:
        if self.open_client is None:
            wait = settings.CLICKHOUSE_LOCK_TIMEOUT if timeout is None else timeout
            self.open_client = self._open(wait)
        try:
            yield self.open_client
        except BaseException:
            self.close()
            raise
        if readers_waiting(self.path):
            self.close()
            keeper = self._keeper()
            if keeper is not None:
                keeper.release_if_idle()  # now, rather than at its watcher's next look
            _let_waiters_in()

    def _keeper(self) -> EngineKeeper | None:
        return _keeper if _keeper is not None and _keeper.path == self.path else None

    def _open(self, wait: float) -> Client:
        keeper = self._keeper()
        if keeper is None:
            return open_locked(self.lock, self.path, wait)
        self.kept = ExitStack()
        return self.kept.enter_context(keeper.client(wait))

    def close(self) -> None:
        if self.open_client is None:
            return
        kept, self.kept, client, self.open_client = self.kept, None, self.open_client, None
        if kept is not None:  # a handle on the keeper's engine: the keeper closes it
            kept.close()
            return
        try:
            client.close()
        finally:
            self.lock.release()


def open_locked(lock: FileLock, path: Path, wait: float) -> Client:
    """Take the directory's lock, then open a client on it; the lock goes back if opening fails."""
    _acquire(lock, path, wait)
    try:
        return clickhouse_connect.get_client(dsn=f"{CHDB_SCHEME}{path}")
    except BaseException:
        lock.release()
        raise


@contextmanager
def held() -> Iterator[None]:
    """Keep embedded chDB open in this thread across the ``clickhouse()`` blocks inside, giving it
    up between blocks whenever another process waits for it. Nothing to do for a server."""
    if not is_embedded() or getattr(_held, "holder", None) is not None:
        yield
        return
    _held.holder = _Holder(chdb_path())
    try:
        yield
    finally:
        holder, _held.holder = _held.holder, None
        holder.close()
        if readers_waiting(holder.path):  # e.g. between two steps of the Celery chain
            _let_waiters_in()


def _let_waiters_in() -> None:
    """Pause before this thread may take chDB again, so that a waiting process gets it first."""
    time.sleep(HANDOFF_SECONDS)


def use_keeper(keeper: EngineKeeper | None) -> None:
    """Route this process's blocks on the keeper's directory through it (``keeper.py``)."""
    global _keeper
    _keeper = keeper


def current_keeper() -> EngineKeeper | None:
    return _keeper


def _server_client(url: str) -> Client:
    client = getattr(_server_clients, "client", None)
    if client is None:
        client = clickhouse_connect.get_client(dsn=url)
        _server_clients.client = client
    return client
