"""Renewing a signed-in session's tokens with the provider, server to server.

A renewal is a full re-check: the new tokens are verified and mapped exactly like at sign-in, so a
role revoked at the provider, or a changed CRM link, takes effect at the next renewal, and tokens
for another subject (which map to another portal user) are refused.
"""

from __future__ import annotations

import requests
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest

from portal.accounts.backend import PortalOIDCBackend
from portal.accounts.tokens import TokenRenewalFailed, request_renewal, store_tokens


def renew_session(request: HttpRequest) -> None:
    """Renew the tokens of ``request.session`` or raise TokenRenewalFailed."""
    answer = request_renewal(request.session)
    backend = PortalOIDCBackend()
    id_token = answer.get("id_token")
    try:
        payload = (
            backend.get_payload_data(id_token, backend.retrieve_matching_jwk(id_token)) if id_token else None
        )
        user = backend.get_or_create_user(answer["access_token"], id_token, payload)
    except (SuspiciousOperation, requests.RequestException) as exc:
        raise TokenRenewalFailed(f"renewed tokens refused: {type(exc).__name__}") from exc
    if user is None or user.pk != request.user.pk or not user.is_active:
        raise TokenRenewalFailed("renewed tokens belong to another portal user")
    store_tokens(request.session, answer)
    # A new session id whenever the tokens change, so an id seen before is worth nothing now.
    request.session.cycle_key()
