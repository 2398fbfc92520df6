"""The portal session: renewal with the provider, sign-out at both ends, and the local password form."""

import time
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.core.cache import cache
from django.test import Client

from portal.accounts.models import Account
from portal.accounts.provider import forget_discovery
from portal.accounts.tokens import ACCESS_TOKEN, EXPIRES_AT
from tests.support.accounts import customer_claims, query_of, sign_in
from tests.support.factories import PortalUserFactory
from tests.support.processes import free_port

pytestmark = pytest.mark.django_db


def expire_access_token(client):
    session = client.session
    session[EXPIRES_AT] = time.time() - 1
    session.save()


def refresh_grants(oidc):
    return [r for r in oidc.token_requests if r["grant_type"] == "refresh_token"]


# --- renewal --------------------------------------------------------------------------------------
def test_expiring_access_token_is_renewed_server_side_and_the_session_id_rotated(client, oidc):
    sign_in(client, oidc, "alice", **customer_claims(7))
    old_key, old_token = client.session.session_key, client.session[ACCESS_TOKEN]
    expire_access_token(client)

    response = client.get("/accounts/no-link/")

    assert response["Location"] == "/reports/", "still signed in"
    assert len(refresh_grants(oidc)) == 1
    session = client.session
    assert session.session_key != old_key
    assert session[ACCESS_TOKEN] != old_token
    assert session[EXPIRES_AT] > time.time() + 60


def test_a_fresh_access_token_is_not_renewed(client, oidc):
    sign_in(client, oidc, "alice", **customer_claims(7))

    client.get("/accounts/no-link/")

    assert refresh_grants(oidc) == []


def test_session_revoked_at_the_provider_ends_the_portal_session(client, oidc):
    sign_in(client, oidc, "alice", **customer_claims(7))
    oidc.revoke_refresh_tokens()
    expire_access_token(client)

    response = client.get("/accounts/no-link/")

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/accounts/login/"
    assert SESSION_KEY not in client.session


def test_role_removed_at_the_provider_is_gone_after_the_next_renewal(client, oidc):
    sign_in(client, oidc, "sam", realm_access={"roles": ["support"]})
    oidc.set_claims("sam", realm_access={"roles": []})
    expire_access_token(client)

    client.get("/accounts/signed-out/")

    assert SESSION_KEY in client.session, "still signed in, without the role"
    user = Account.objects.get(oidc_subject="sam").user
    assert not user.is_staff
    assert not user.groups.exists()


# --- sign-out ----------------------------------------------------------------------------------
def test_sign_out_ends_the_portal_session_and_the_provider_session(client, oidc):
    sign_in(client, oidc, "alice", **customer_claims(7))
    id_token = client.session["oidc_id_token"]

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"].startswith(f"{oidc.url}/session/end?")
    params = query_of(response["Location"])
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == "http://testserver/accounts/signed-out/"
    assert SESSION_KEY not in client.session


def test_sign_out_is_post_only(client, oidc):
    sign_in(client, oidc, "alice", **customer_claims(7))

    assert client.get("/accounts/logout/").status_code == 405
    assert SESSION_KEY in client.session


def test_sign_out_without_a_csrf_token_is_refused():
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(PortalUserFactory())

    response = browser.post("/accounts/logout/")

    assert response.status_code == 403
    assert SESSION_KEY in browser.session


def test_signed_out_page_is_public(client):
    response = client.get("/accounts/signed-out/")

    assert response.status_code == 200
    assert "signed out" in response.content.decode()


# --- the local password form --------------------------------------------------------------------
def password_user():
    user = PortalUserFactory(username="alice@example.com")
    user.set_password("bionicpro-demo")
    user.save()
    return user


def test_local_password_sign_in_works_without_oidc(client):
    user = password_user()

    response = client.post(
        "/accounts/login/", {"username": "alice@example.com", "password": "bionicpro-demo"}
    )

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_local_password_sign_in_refuses_an_off_site_next(client):
    password_user()

    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "alice@example.com", "password": "bionicpro-demo", "next": "https://evil.example/"},
    )

    assert response["Location"] == "/reports/"


def test_oidc_views_do_not_exist_without_oidc(client):
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404


def test_local_password_sign_in_is_off_when_oidc_is_configured(client, oidc):
    password_user()

    page = client.get("/accounts/login/")
    post = client.post("/accounts/login/", {"username": "alice@example.com", "password": "bionicpro-demo"})

    assert page["Location"] == "/oidc/authenticate/"
    assert post["Location"] == "/oidc/authenticate/"
    assert SESSION_KEY not in client.session
    assert authenticate(username="alice@example.com", password="bionicpro-demo") is None


def test_admin_sign_in_goes_through_the_portal_sign_in(client, oidc):
    response = client.get("/admin/login/", {"next": "/admin/"})

    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


# --- security headers ---------------------------------------------------------------------------
def test_pages_carry_security_headers(client, oidc):
    response = client.get("/accounts/signed-out/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert f"form-action 'self' {oidc.url}" in policy


def test_form_action_allows_the_public_provider_origin_not_the_discovery_host(client, oidc, settings):
    # As in docker-compose: discovery through an internal name, browser-facing endpoints public.
    settings.OIDC_OP_DISCOVERY_URL = oidc.discovery_url.replace("127.0.0.1", "localhost")

    policy = client.get("/accounts/signed-out/")["Content-Security-Policy"]

    assert f"form-action 'self' {oidc.url};" in policy + ";"
    assert "localhost" not in policy


# --- provider down ---------------------------------------------------------------------------------
@pytest.fixture
def provider_down(oidc, settings):
    settings.OIDC_OP_DISCOVERY_URL = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    forget_discovery()


def test_sign_in_while_the_provider_is_down_gets_a_clear_503(client, provider_down):
    response = client.get("/oidc/authenticate/")

    assert response.status_code == 503
    assert "cannot be reached" in response.content.decode()


def test_pages_still_render_while_the_provider_is_down(client, provider_down):
    response = client.get("/accounts/signed-out/")

    assert response.status_code == 200
    assert "form-action 'self'" in response["Content-Security-Policy"]


def test_a_renewal_already_running_for_the_session_is_not_repeated(client, oidc):
    sign_in(client, oidc, "alice", **customer_claims(7))
    expire_access_token(client)
    cache.add(f"accounts:renewing:{client.session.session_key}", True, timeout=30)

    response = client.get("/accounts/no-link/")

    assert response["Location"] == "/reports/", "still signed in with the current token"
    assert refresh_grants(oidc) == []
