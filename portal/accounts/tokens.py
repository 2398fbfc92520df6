"""The provider's tokens, kept in the server-side session (the browser only holds the session id).

The access token is short-lived (at most two minutes at the provider); :func:`renew_tokens` uses
the refresh token to get a new one with the refresh-token grant, server to server.
"""

from __future__ import annotations

import time
from typing import Any

import requests
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from portal.accounts.provider import oidc_setting

# Session keys (names, not secrets).
ACCESS_TOKEN = "oidc_access_token"  # noqa: S105
ID_TOKEN = "oidc_id_token"  # noqa: S105
REFRESH_TOKEN = "oidc_refresh_token"  # noqa: S105
EXPIRES_AT = "oidc_access_token_expires_at"


class TokenRenewalFailed(Exception):
    """The provider would not renew the tokens: the upstream session has ended or is unreachable."""


def store_tokens(session: SessionBase, token_response: dict[str, Any]) -> None:
    """Keep a token endpoint response; a renewal may omit the ID and refresh tokens."""
    session[ACCESS_TOKEN] = token_response["access_token"]
    for key, field in ((ID_TOKEN, "id_token"), (REFRESH_TOKEN, "refresh_token")):
        if token_response.get(field):
            session[key] = token_response[field]
    lifetime = int(token_response.get("expires_in") or settings.OIDC_ACCESS_TOKEN_DEFAULT_TTL)
    session[EXPIRES_AT] = time.time() + lifetime


def access_token_due(session: SessionBase) -> bool:
    """True when the access token is gone or about to expire."""
    return session.get(EXPIRES_AT, 0) - settings.OIDC_RENEW_LEEWAY_SECONDS <= time.time()


def request_renewal(session: SessionBase) -> dict[str, Any]:
    """The provider's answer to a refresh-token grant for this session's tokens."""
    refresh_token = session.get(REFRESH_TOKEN)
    if not refresh_token:
        raise TokenRenewalFailed("no refresh token in the session")
    try:
        response = requests.post(
            oidc_setting("OIDC_OP_TOKEN_ENDPOINT"),
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": settings.OIDC_RP_CLIENT_ID,
                "client_secret": settings.OIDC_RP_CLIENT_SECRET,
            },
            timeout=settings.OIDC_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise TokenRenewalFailed(f"token endpoint unreachable: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise TokenRenewalFailed(f"token endpoint answered {response.status_code}")
    try:
        answer = response.json()
    except ValueError as exc:
        raise TokenRenewalFailed("token endpoint answered with something other than JSON") from exc
    if not isinstance(answer, dict) or not answer.get("access_token"):
        raise TokenRenewalFailed("token endpoint answered without an access token")
    return answer
