"""How long one report request may wait for ClickHouse, all waits included.

An uncached report can wait three times: for another request computing the same report
(``flight``), for another thread of this process reading ClickHouse (``marts``), and for the
embedded chDB lock held by another process. Each wait takes only what is left of one budget of
``REPORTS_CLICKHOUSE_WAIT`` seconds, so the request answers 503 ``reports_busy`` after that long
in every server mode: alone, behind other threads of a threaded server (where waits taken one
after another once added up to 25 s), or behind other processes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

_deadline: ContextVar[float | None] = ContextVar("report_wait_deadline", default=None)


@contextmanager
def wait_budget() -> Iterator[None]:
    """Start the request's budget, unless an outer block already did."""
    if _deadline.get() is not None:
        yield
        return
    token = _deadline.set(time.monotonic() + settings.REPORTS_CLICKHOUSE_WAIT)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float:
    """Seconds left to wait; a whole budget when no block is open (a call outside a request)."""
    deadline = _deadline.get()
    if deadline is None:
        return settings.REPORTS_CLICKHOUSE_WAIT
    return max(0.0, deadline - time.monotonic())
