"""Keeping a signed-in session backed by a live session at the provider.

Before each request of a user who signed in through OIDC, an access token about to expire is
renewed with the refresh token (server to server, no browser redirect). When the provider refuses
or cannot be reached, the portal session ends: the request goes on as anonymous, so pages send
the person to sign in and the API answers 401.
"""

import logging
from collections.abc import Callable

from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from portal.accounts.backend import OIDC_BACKEND
from portal.accounts.renewal import renew_session
from portal.accounts.tokens import TokenRenewalFailed, access_token_due

logger = logging.getLogger(__name__)

RENEWAL_LOCK_SECONDS = 30


class TokenRenewalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._signed_in_through_oidc(request) and access_token_due(request.session):
            self._renew(request)
        return self.get_response(request)

    @staticmethod
    def _renew(request: HttpRequest) -> None:
        # One renewal per session at a time: a page's parallel requests would otherwise each spend
        # the refresh token and rotate the session id under each other. The others go on with the
        # current token, which is still valid for OIDC_RENEW_LEEWAY_SECONDS.
        lock = f"accounts:renewing:{request.session.session_key}"
        if not cache.add(lock, True, timeout=RENEWAL_LOCK_SECONDS):
            return
        try:
            renew_session(request)
        except TokenRenewalFailed as exc:
            logger.info("Ending a portal session: %s", exc)
            auth.logout(request)
        finally:
            cache.delete(lock)

    @staticmethod
    def _signed_in_through_oidc(request: HttpRequest) -> bool:
        return request.user.is_authenticated and request.session.get(BACKEND_SESSION_KEY) == OIDC_BACKEND
