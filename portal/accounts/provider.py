"""Where the OpenID provider is: explicit ``OIDC_OP_*`` settings, or its discovery document.

mozilla-django-oidc reads endpoints from Django settings. With ``OIDC_OP_DISCOVERY_URL`` set, an
endpoint left empty is filled from ``.well-known/openid-configuration``, fetched once per process on
first use (so the portal starts even while the provider is still booting). The portal's OIDC
classes use :func:`oidc_setting` as their ``get_settings``.
"""

from __future__ import annotations

import time
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from mozilla_django_oidc.utils import import_from_settings

# Setting name -> field of the discovery document (RFC 8414 / OpenID Connect Discovery 1.0).
DISCOVERED_SETTINGS = {
    "OIDC_OP_ISSUER": "issuer",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}


class ProviderUnavailable(ImproperlyConfigured):
    """The discovery document could not be fetched or lacks a required endpoint."""


def oidc_configured() -> bool:
    """OIDC sign-in is on when a client id and either discovery or explicit endpoints are set."""
    explicit = all(
        getattr(settings, name, "")
        for name in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT")
    )
    return bool(settings.OIDC_RP_CLIENT_ID and (settings.OIDC_OP_DISCOVERY_URL or explicit))


# Discovery documents by URL, and when a failed fetch may be retried: while the provider is down,
# pages do not each wait for a connection timeout.
_documents: dict[str, dict] = {}
_retry_after: dict[str, float] = {}
RETRY_SECONDS = 10.0


def discovery_document(url: str) -> dict:
    if url in _documents:
        return _documents[url]
    if time.monotonic() < _retry_after.get(url, 0.0):
        raise ProviderUnavailable(f"The OpenID provider configuration at {url} was unreachable moments ago")
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict):
            raise ValueError("not a JSON object")
    except (requests.RequestException, ValueError) as exc:
        _retry_after[url] = time.monotonic() + RETRY_SECONDS
        raise ProviderUnavailable(f"Cannot read the OpenID provider configuration at {url}: {exc}") from exc
    _documents[url] = document
    return document


def forget_discovery() -> None:
    """Drop what was learnt about providers (tests start providers on new ports)."""
    _documents.clear()
    _retry_after.clear()


def oidc_setting(attr: str, *default: Any) -> Any:
    """A setting for mozilla-django-oidc, with provider endpoints filled from discovery."""
    if attr not in DISCOVERED_SETTINGS:
        return import_from_settings(attr, *default)
    explicit = getattr(settings, attr, "")
    if explicit:
        return explicit
    if settings.OIDC_OP_DISCOVERY_URL:
        discovered = discovery_document(settings.OIDC_OP_DISCOVERY_URL).get(DISCOVERED_SETTINGS[attr])
        if discovered:
            return discovered
    if default:
        return default[0]
    raise ImproperlyConfigured(f"{attr} is not set and the provider's discovery document has no value")
