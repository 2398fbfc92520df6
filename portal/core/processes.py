"""Which process holds a claim ("host:pid"), and whether that process still exists.

A claim owned by a process on this host that is gone (a killed worker) can be taken over at
once instead of waiting for its lease to expire."""

from __future__ import annotations

import os
import socket


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_is_gone(worker: str) -> bool:
    """True only when ``worker`` names a process on this host that no longer exists."""
    host, _, pid = worker.rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not process_exists(int(pid))


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
