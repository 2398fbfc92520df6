"""Concurrent misses of one report are computed once ("single flight"), across processes.

When a run changes a month, every customer who opens it next misses the cache at about the same
time; without this, each of those requests (in every web process) would read ClickHouse and
render. The first request takes a short lock named after the cache key and computes; the others
wait for it, within the request's wait budget (``budget``), then find the answer in the cache.

The lock lives where every web process sees it: a file lock next to a file-based cache (the
embedded defaults: one machine), otherwise an atomic ``cache.add`` in the shared cache (Redis),
which expires by itself should its holder die.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache
from filelock import FileLock, Timeout

from portal.reports import budget
from portal.reports import cache as report_cache
from portal.reports.errors import ReportsBusy

# Longest a computation may hold a cache lock; a holder killed mid-flight frees it after this.
CACHE_LOCK_SECONDS = 60
CACHE_LOCK_POLL_SECONDS = 0.02
# File locks are striped so that their number stays bounded whatever the keys; two keys sharing
# a stripe at the same instant only wait for one computation.
FILE_LOCK_STRIPES = 64
# The stripes this thread holds. A PDF's flight wraps its JSON's flight, and their keys share a
# stripe one time in 64: taking it again would wait for ourselves until the budget ran out.
_held_stripes = threading.local()


def computed_once(key: str, compute: Callable[[], dict]) -> dict:
    """The cached JSON under ``key``, computed by one request at a time when it is missing."""
    data = report_cache.cached_json(key)
    if data is not None:
        return data
    try:
        with single_flight(key):
            data = report_cache.cached_json(key)  # computed by the request we waited for
            if data is None:
                data = compute()
                report_cache.store_json(key, data)
    except ReportsBusy:
        data = report_cache.cached_json(key)  # finished just as our wait ran out
        if data is None:
            raise
    return data


@contextmanager
def single_flight(key: str) -> Iterator[None]:
    """Hold the lock named ``key``; ``ReportsBusy`` when the wait budget runs out first."""
    if isinstance(caches["default"], FileBasedCache):
        with _file_lock(key):
            yield
    else:
        with _cache_lock(key):
            yield


@contextmanager
def _file_lock(key: str) -> Iterator[None]:
    # Next to the cache's own folder, so the locks live wherever the cache does.
    folder = Path(str(settings.CACHES["default"]["LOCATION"]).rstrip("/") + "-flights")
    folder.mkdir(parents=True, exist_ok=True)
    stripe = file_lock_stripe(key)
    held: set[int] = _held_stripes.__dict__.setdefault("stripes", set())
    if stripe in held:
        yield
        return
    # A new FileLock each time: flock() belongs to one open file, so threads exclude each other too.
    lock = FileLock(str(folder / f"{stripe}.lock"), thread_local=False)
    try:
        lock.acquire(timeout=budget.remaining())
    except Timeout as exc:
        raise ReportsBusy() from exc
    held.add(stripe)
    try:
        yield
    finally:
        held.discard(stripe)
        lock.release()


def file_lock_stripe(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % FILE_LOCK_STRIPES


@contextmanager
def _cache_lock(key: str) -> Iterator[None]:
    lock_key = f"{key}:flight"
    token = uuid.uuid4().hex
    give_up_at = time.monotonic() + budget.remaining()
    while not cache.add(lock_key, token, CACHE_LOCK_SECONDS):
        if time.monotonic() >= give_up_at:
            raise ReportsBusy()
        time.sleep(CACHE_LOCK_POLL_SECONDS)
    try:
        yield
    finally:
        if cache.get(lock_key) == token:
            cache.delete(lock_key)
