"""Keeping a signed-in session backed by a live session at the provider.

Before each request of a user who signed in through OIDC, an access token about to expire is
renewed with the refresh token (server to server, no browser redirect). When the provider refuses
or cannot be reached, the portal session ends: the request goes on as anonymous, so pages send
the person to sign in and the API answers 401.
"""

import logging

from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY

from portal.accounts.renewal import renew_session
from portal.accounts.tokens import TokenRenewalFailed, access_token_due

logger = logging.getLogger(__name__)

OIDC_BACKEND = "portal.accounts.backend.PortalOIDCBackend"


class TokenRenewalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._signed_in_through_oidc(request) and access_token_due(request.session):
            try:
                renew_session(request)
            except TokenRenewalFailed as exc:
                logger.info("Ending a portal session: %s", exc)
                auth.logout(request)
        return self.get_response(request)

    @staticmethod
    def _signed_in_through_oidc(request) -> bool:
        return request.user.is_authenticated and request.session.get(BACKEND_SESSION_KEY) == OIDC_BACKEND
