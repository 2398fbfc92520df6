"""One way to reach ClickHouse: ``with clickhouse() as client: ...``.

``CLICKHOUSE_URL`` picks the engine. ``chdb:///abs/path`` is embedded chDB, which allows one
process per data directory; the web process and the worker share it by opening short-lived
clients under a cross-process file lock next to the directory. A caller that cannot get the lock
within ``CLICKHOUSE_LOCK_TIMEOUT`` seconds gets ``ClickHouseBusy`` naming the lock file, never a
chDB "Cannot lock file" crash. Long jobs (the ETL) take the lock per statement batch, not per run,
so report reads are served between them. ``http(s)://...`` is a ClickHouse server: no lock, one
pooled client per process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import clickhouse_connect
from django.conf import settings
from filelock import FileLock, Timeout

CHDB_SCHEME = "chdb://"
_server_clients = threading.local()


class ClickHouseBusy(RuntimeError):
    """The embedded ClickHouse directory is held by another process for too long."""


def is_embedded(url: str | None = None) -> bool:
    return (url or settings.CLICKHOUSE_URL).startswith(CHDB_SCHEME)


def chdb_path(url: str | None = None) -> Path:
    return Path((url or settings.CLICKHOUSE_URL)[len(CHDB_SCHEME) :])


def _chdb_lock(path: Path) -> FileLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    # FileLock instances are per-path singletons and reentrant, so nested use in one process is safe.
    return FileLock(str(path) + ".lock", thread_local=False)


@contextmanager
def clickhouse(*, timeout: float | None = None) -> Iterator[clickhouse_connect.driver.Client]:
    url = settings.CLICKHOUSE_URL
    if not is_embedded(url):
        yield _server_client(url)
        return
    path = chdb_path(url)
    lock = _chdb_lock(path)
    wait = settings.CLICKHOUSE_LOCK_TIMEOUT if timeout is None else timeout
    try:
        lock.acquire(timeout=wait)
    except Timeout as exc:
        raise ClickHouseBusy(
            f"The embedded ClickHouse data directory {path} is in use by another process "
            f"(lock file {lock.lock_file}) for more than {wait:g} s. Wait for it to finish, or "
            "point CLICKHOUSE_URL at a ClickHouse server to serve several processes at once."
        ) from exc
    try:
        client = clickhouse_connect.get_client(dsn=f"{CHDB_SCHEME}{path}")
        try:
            yield client
        finally:
            client.close()
    finally:
        lock.release()


def _server_client(url: str):
    client = getattr(_server_clients, "client", None)
    if client is None:
        client = clickhouse_connect.get_client(dsn=url)
        _server_clients.client = client
    return client
