"""Signing in through the provider: what is checked and what the browser gets."""

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client

from portal.accounts.models import Account
from portal.accounts.tokens import ACCESS_TOKEN, ID_TOKEN, REFRESH_TOKEN
from tests.support.accounts import customer_claims, query_of, sign_in, start_sign_in
from tests.support.issuer import new_rsa_key, s256

pytestmark = pytest.mark.django_db


def signed_in_user(client):
    user_id = client.session.get(SESSION_KEY)
    return get_user_model().objects.get(pk=user_id) if user_id else None


def test_sign_in_asks_for_an_s256_challenge_and_proves_it_with_the_verifier(client, oidc):
    authorization_url = start_sign_in(client)
    params = query_of(authorization_url)
    assert authorization_url.startswith(f"{oidc.url}/auth?")
    assert params["code_challenge_method"] == "S256"
    assert params["state"] and params["nonce"]
    oidc.next_sign_in("alice", **customer_claims(7))
    code = oidc.authorize(authorization_url)

    client.get("/oidc/callback/", {"code": code, "state": params["state"]})

    token_request = oidc.token_requests[-1]
    assert s256(token_request["code_verifier"]) == params["code_challenge"]
    assert signed_in_user(client) is not None


def test_customer_signs_in_and_lands_on_the_page_asked_for(client, oidc):
    response = sign_in(client, oidc, "alice", next_url="/reports/2025-03/", **customer_claims(7))

    assert response.status_code == 302
    assert response["Location"] == "/reports/2025-03/"
    account = Account.objects.get(crm_user_id=7)
    assert (account.oidc_issuer, account.oidc_subject) == (oidc.url, "alice")
    assert signed_in_user(client) == account.user


def test_tokens_stay_in_the_server_session_and_the_browser_gets_only_an_httponly_cookie(client, oidc):
    response = sign_in(client, oidc, "alice", **customer_claims(7))

    assert set(response.cookies) <= {"sessionid", "csrftoken"}
    assert response.cookies["sessionid"]["httponly"] is True
    assert response.cookies["sessionid"]["samesite"] == "Lax"
    session = client.session
    assert session[ACCESS_TOKEN] in oidc.access_tokens
    assert session[REFRESH_TOKEN] in oidc.refresh_tokens
    sent_to_browser = response.content.decode() + response["Location"] + str(response.cookies)
    for token in (session[ACCESS_TOKEN], session[REFRESH_TOKEN], session[ID_TOKEN]):
        assert token not in sent_to_browser


def test_session_id_is_rotated_at_sign_in(client, oidc):
    start_sign_in(client)
    before = client.session.session_key

    sign_in(client, oidc, "alice", **customer_claims(7))

    assert client.session.session_key != before


def test_username_derives_from_the_identity_not_the_email(client, oidc):
    sign_in(client, oidc, "alice", email="alice@example.com", **customer_claims(7))

    username = Account.objects.get(crm_user_id=7).user.username
    assert "alice" not in username
    assert username.startswith("oidc-")


def test_id_token_built_by_the_provider_with_the_sign_in_nonce_is_accepted(client, oidc):
    """The control for the refusals below: the same path with a genuine token signs in."""
    response = callback_with_id_token(client, oidc, lambda nonce: oidc.id_token("alice", nonce=nonce))

    assert response["Location"] == "/reports/"
    assert signed_in_user(client) is not None


def test_tampered_id_token_is_refused(client, oidc):
    def tampered(nonce):
        header, _, signature = oidc.id_token("alice", nonce=nonce).split(".")
        forged_payload = oidc.id_token("alice", nonce=nonce, crm_user_id=8).split(".")[1]
        return f"{header}.{forged_payload}.{signature}"

    assert_refused(client, oidc, tampered)
    assert not Account.objects.exists()


def test_id_token_from_another_issuer_is_refused(client, oidc):
    assert_refused(
        client, oidc, lambda nonce: oidc.id_token("alice", nonce=nonce, iss="https://other.example")
    )


def test_id_token_signed_with_another_key_is_refused(client, oidc):
    assert_refused(client, oidc, lambda nonce: oidc.id_token("alice", nonce=nonce, key=new_rsa_key()))


def test_id_token_for_another_client_is_refused(client, oidc):
    assert_refused(client, oidc, lambda nonce: oidc.id_token("alice", nonce=nonce, aud="another-client"))


def test_expired_id_token_is_refused(client, oidc):
    assert_refused(
        client, oidc, lambda nonce: oidc.id_token("alice", nonce=nonce, exp=1_000_000_000, iat=999_999_000)
    )


def test_id_token_with_a_stale_nonce_is_refused(client, oidc):
    assert_refused(client, oidc, lambda nonce: oidc.id_token("alice", nonce="nonce-of-another-sign-in"))


def callback_with_id_token(client, oidc, make_id_token):
    """Sign in while the provider's token endpoint hands back ``make_id_token(nonce)``."""
    authorization_url = start_sign_in(client)
    params = query_of(authorization_url)
    oidc.next_id_token("alice", make_id_token(params["nonce"]), **customer_claims(7))
    code = oidc.authorize(authorization_url)
    return client.get("/oidc/callback/", {"code": code, "state": params["state"]})


def assert_refused(client, oidc, make_id_token):
    response = callback_with_id_token(client, oidc, make_id_token)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in-failed/"
    assert signed_in_user(client) is None
    refused = client.get(response["Location"])
    assert refused.status_code == 403
    assert "could not be verified" in refused.content.decode()


def test_replayed_state_is_refused(client, oidc):
    authorization_url = start_sign_in(client)
    oidc.next_sign_in("alice", **customer_claims(7))
    code = oidc.authorize(authorization_url)
    callback = {"code": code, "state": query_of(authorization_url)["state"]}
    client.get("/oidc/callback/", callback)
    client.logout()

    replay = client.get("/oidc/callback/", callback)

    assert replay.status_code in (302, 400)
    assert signed_in_user(client) is None


def test_state_from_another_browser_is_refused(client, oidc):
    authorization_url = start_sign_in(client)
    oidc.next_sign_in("alice", **customer_claims(7))
    code = oidc.authorize(authorization_url)
    attacker = Client()

    response = attacker.get("/oidc/callback/", {"code": code, "state": query_of(authorization_url)["state"]})

    assert response.status_code in (302, 400)
    assert signed_in_user(attacker) is None
    assert not oidc.token_requests, "the code must not even be exchanged"


def test_code_exchanged_without_the_pkce_verifier_is_refused(client, oidc):
    authorization_url = start_sign_in(client)
    state = query_of(authorization_url)["state"]
    session = client.session
    session["oidc_states"][state]["code_verifier"] = None
    session.save()
    oidc.next_sign_in("alice", **customer_claims(7))
    code = oidc.authorize(authorization_url)

    response = client.get("/oidc/callback/", {"code": code, "state": state})

    assert "code_verifier" not in oidc.token_requests[-1]
    assert response["Location"] == "/accounts/sign-in-failed/"
    assert signed_in_user(client) is None


def test_next_pointing_off_the_portal_is_ignored(client, oidc):
    response = sign_in(client, oidc, "alice", next_url="https://evil.example/steal", **customer_claims(7))

    assert response["Location"] == "/reports/"


def test_login_url_drops_an_off_site_next(client, oidc):
    response = client.get("/accounts/login/", {"next": "//evil.example/"})

    assert response.status_code == 302
    assert response["Location"] == "/oidc/authenticate/"


def test_login_url_starts_the_provider_flow_and_keeps_a_portal_next(client, oidc):
    response = client.get("/accounts/login/", {"next": "/reports/"})

    assert response["Location"] == "/oidc/authenticate/?next=%2Freports%2F"


def test_provider_error_at_the_callback_signs_nobody_in(client, oidc):
    authorization_url = start_sign_in(client)

    response = client.get(
        "/oidc/callback/", {"error": "access_denied", "state": query_of(authorization_url)["state"]}
    )

    assert response["Location"] == "/accounts/sign-in-failed/"
    assert signed_in_user(client) is None


def test_provider_unreachable_at_the_code_exchange_gets_a_clear_503(client, oidc):
    authorization_url = start_sign_in(client)
    oidc.next_sign_in("alice", **customer_claims(7))
    code = oidc.authorize(authorization_url)
    oidc.__exit__(None, None, None)  # the provider goes away before the portal exchanges the code

    response = client.get("/oidc/callback/", {"code": code, "state": query_of(authorization_url)["state"]})
    page = client.get(response["Location"])

    assert response["Location"] == "/accounts/sign-in-failed/"
    assert page.status_code == 503
    assert "cannot be reached" in page.content.decode()
    assert signed_in_user(client) is None
