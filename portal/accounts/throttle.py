"""Rate limit of the local password form (the demo sign-in; off with OIDC).

Failed attempts are counted in Django's cache per account (the submitted username) and per client
address (``REMOTE_ADDR``, which ``portal.core.proxy`` sets from the trusted proxy's
``X-Forwarded-For``). Once either count reaches its limit, every attempt for that account or from
that address is refused, the right password included, until the current window ends (fixed
windows of ``PORTAL_LOGIN_LOCKOUT_SECONDS``; the window's number is part of the cache key, so a
count never outlives its window whatever the cache backend does with timeouts). A successful
sign-in clears the account's count, never the address's: one's own account must not reset the
count of guesses at others'.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

KEY_PREFIX = "accounts:login-failures"


@dataclass(frozen=True)
class Counter:
    key: str
    limit: int


def now() -> float:
    return time.time()


def _window() -> int:
    return math.floor(now() / settings.PORTAL_LOGIN_LOCKOUT_SECONDS)


def seconds_left_in_window() -> int:
    window = settings.PORTAL_LOGIN_LOCKOUT_SECONDS
    return max(1, math.ceil((_window() + 1) * window - now()))


def _counters(request: HttpRequest, username: str) -> list[Counter]:
    # Hashed: the cache never holds a username or an address in clear.
    account = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    address = hashlib.sha256(request.META.get("REMOTE_ADDR", "").encode()).hexdigest()
    window = _window()
    return [
        Counter(f"{KEY_PREFIX}:{window}:account:{account}", settings.PORTAL_LOGIN_FAILURES_PER_ACCOUNT),
        Counter(f"{KEY_PREFIX}:{window}:address:{address}", settings.PORTAL_LOGIN_FAILURES_PER_ADDRESS),
    ]


def is_locked_out(request: HttpRequest, username: str) -> bool:
    counters = _counters(request, username)
    counts = cache.get_many([counter.key for counter in counters])
    return any(counts.get(counter.key, 0) >= counter.limit for counter in counters)


def record_failure(request: HttpRequest, username: str) -> None:
    window = settings.PORTAL_LOGIN_LOCKOUT_SECONDS
    for counter in _counters(request, username):
        # add() + incr() count atomically on Redis; touch() because other backends' incr() resets
        # the timeout to the cache's default, which may be shorter than the window.
        cache.add(counter.key, 0, window)
        try:
            cache.incr(counter.key)
        except ValueError:  # expired between the two calls
            cache.add(counter.key, 1, window)
        cache.touch(counter.key, window)


def clear_account(request: HttpRequest, username: str) -> None:
    cache.delete(_counters(request, username)[0].key)
