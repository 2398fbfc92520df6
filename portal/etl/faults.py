"""A kill switch for the kill tests (tests/etl/test_kill_anywhere.py), inert unless its environment
variable is set.

``ETL_TEST_KILL_AT=N`` makes this process SIGKILL itself when the ETL is about to send its Nth
ClickHouse statement (counted from 1 over the life of the process); ``N+MS`` lets the Nth
statement start and kills the process MS milliseconds later, inside it. Counting statements gives
kill points at every step, between any two statements, deterministically; a kill is what a lost
machine or an OOM kill does, so nothing here tidies up. Production never sets the variable.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import Any

KILL_AT_VARIABLE = "ETL_TEST_KILL_AT"
_STATEMENT_METHODS = ("command", "query", "insert")
_sent = 0


def _kill_point() -> tuple[int, float | None] | None:
    value = os.environ.get(KILL_AT_VARIABLE, "")
    if not value:
        return None
    index, _, delay_ms = value.partition("+")
    return int(index), (int(delay_ms) / 1000 if delay_ms else None)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _counted(method: Callable[..., Any], index: int, delay: float | None) -> Callable[..., Any]:
    def statement(*args: Any, **kwargs: Any) -> Any:
        global _sent
        _sent += 1
        if _sent == index:
            if delay is None:
                _die()
            else:
                threading.Timer(delay, _die).start()
        return method(*args, **kwargs)

    return statement


def armed(client: Any) -> Any:
    """The client itself, or (under the test variable) one whose statements count towards the kill."""
    point = _kill_point()
    if point is None:
        return client
    for name in _STATEMENT_METHODS:
        setattr(client, name, _counted(getattr(type(client), name).__get__(client), *point))
    return client
