"""X-Forwarded-* headers count only when they come from the configured proxy.

Any client can send ``X-Forwarded-For``/``-Proto``/``-Host``. Behind nginx the portal needs them
(the client's address for the sign-in rate limit, https for Secure cookies and redirects), so this
middleware, first in the chain, keeps them only on requests whose peer (``REMOTE_ADDR``) is in
``PORTAL_TRUSTED_PROXIES`` and removes them from every other request. From a trusted proxy,
``REMOTE_ADDR`` becomes the client the proxy saw: the right-most ``X-Forwarded-For`` entry that is
not itself a trusted proxy (entries further left were written by the client and prove nothing).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def is_trusted_proxy(address: str, proxies: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(proxies)))


def client_address(peer: str, forwarded_for: str, proxies: Iterable[str]) -> str:
    """The address of the client behind a chain of trusted proxies ending at ``peer``."""
    proxies = tuple(proxies)
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted_proxy(hop, proxies):
            return hop if _is_ip(hop) else peer
    return hops[0] if hops and _is_ip(hops[0]) else peer


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        proxies = settings.PORTAL_TRUSTED_PROXIES
        peer = meta.get("REMOTE_ADDR", "")
        if is_trusted_proxy(peer, proxies):
            meta["REMOTE_ADDR"] = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR", ""), proxies)
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
