"""The real provider enforces what the portal relies on: PKCE on the code exchange."""

import secrets
from urllib.parse import urlencode

import pytest
import requests

from tests.support.accounts import query_of
from tests.support.e2e import sign_in_at_provider
from tests.support.issuer import s256

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_the_provider_refuses_a_code_exchanged_without_the_right_pkce_verifier(page, e2e_stack, world):
    portal, provider = e2e_stack.portal.url, e2e_stack.provider.url
    verifier = secrets.token_urlsafe(48)
    callbacks = []
    page.on(
        "request", lambda request: callbacks.append(request.url) if "/oidc/callback/" in request.url else None
    )
    # An authorization request of the test's own (the portal never saw its state, so the portal
    # refuses the callback without exchanging the code, and the code is left for the test).
    page.goto(
        f"{provider}/auth?"
        + urlencode(
            {
                "client_id": e2e_stack.client.client_id,
                "response_type": "code",
                "scope": "openid",
                "redirect_uri": f"{portal}/oidc/callback/",
                "state": secrets.token_urlsafe(16),
                "nonce": secrets.token_urlsafe(16),
                "code_challenge": s256(verifier),
                "code_challenge_method": "S256",
            }
        )
    )
    sign_in_at_provider(page, e2e_stack, "alice")
    code = query_of(callbacks[0])["code"]

    def exchange(**extra):
        return requests.post(
            f"{provider}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": f"{portal}/oidc/callback/",
                "client_id": e2e_stack.client.client_id,
                "client_secret": e2e_stack.client.client_secret,
                **extra,
            },
            timeout=10,
        )

    without_verifier = exchange()
    wrong_verifier = exchange(code_verifier=secrets.token_urlsafe(48))
    right_verifier = exchange(code_verifier=verifier)

    assert without_verifier.status_code == 400
    assert without_verifier.json()["error"] == "invalid_grant"
    assert wrong_verifier.status_code == 400
    assert wrong_verifier.json()["error"] == "invalid_grant"
    # The control: the same request with the right verifier gets tokens.
    assert right_verifier.status_code == 200, right_verifier.text
    assert "access_token" in right_verifier.json()
