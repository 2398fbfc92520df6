"""The thread bound of a long-lived process that opens embedded chDB again and again.

Why it exists: every start of the embedded engine (the first client on a data directory) creates
ClickHouse thread pools, and its shutdown (the last client closed) leaves their idle threads
behind. Measured with chDB 4.4 / clickhouse-connect 1.12 on a directory holding the marts: about
5 threads and 2 MB per open/close, whatever the queries and whatever startup options are passed;
a directory without MergeTree tables leaks nothing. chDB offers no call that joins those
threads, and the engine cannot stay open either: one process per data directory, so the web
workers and the ETL must each close it for the others. So the process is the unit of cleanup:
a web worker whose thread count passes ``CLICKHOUSE_PROCESS_MAX_THREADS`` finishes its request
and is replaced by a fresh one (gunicorn's ``post_request`` hook, ``deploy/gunicorn.conf.py``).
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

_TASKS = Path("/proc/self/task")


def process_threads() -> int:
    """Threads of this process as the kernel counts them (ClickHouse's are not Python threads)."""
    try:
        return sum(1 for _ in _TASKS.iterdir())
    except OSError:  # no /proc: count what Python knows
        return threading.active_count()


def over_thread_bound() -> bool:
    return process_threads() > settings.CLICKHOUSE_PROCESS_MAX_THREADS
