"""Sign-in fixtures: the portal configured for OIDC against ``TestIssuer`` (tests/accounts/issuer.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from portal.accounts.provider import forget_discovery
from tests.support.factories import PortalUserFactory
from tests.support.issuer import CLIENT_ID, CLIENT_SECRET, TestIssuer

# The reports world (customers with mart rows), for the bearer-token API tests.

OIDC_BACKEND = "portal.accounts.backend.PortalOIDCBackend"


@pytest.fixture
def issuer():
    with TestIssuer() as running:
        yield running


@pytest.fixture
def oidc(settings, issuer):
    """The portal with OIDC on, exactly as portal/settings.py sets it up from the environment."""
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_DISCOVERY_URL = issuer.discovery_url
    settings.AUTHENTICATION_BACKENDS = [OIDC_BACKEND]
    forget_discovery()
    yield issuer
    forget_discovery()


def start_sign_in(client, next_url: str | None = None) -> str:
    """The portal's redirect to the provider (the authorization URL)."""
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    response = client.get(f"/oidc/authenticate/{query}")
    assert response.status_code == 302
    return response["Location"]


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def sign_in(client, issuer, subject: str, next_url: str | None = None, **claims):
    """A full authorization code round trip; returns the portal's answer at the callback."""
    issuer.next_sign_in(subject, **claims)
    authorization_url = start_sign_in(client, next_url)
    code = issuer.authorize(authorization_url)
    state = query_of(authorization_url)["state"]
    return client.get("/oidc/callback/", {"code": code, "state": state})


def customer_claims(crm_user_id: int, *roles: str) -> dict:
    return {"crm_user_id": crm_user_id, "realm_access": {"roles": list(roles or ["prothetic_user"])}}


@pytest.fixture
def english(client):
    """Pages in English, so assertions can quote the English text (Russian is the default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def support_client(client):
    """A test client signed in as a staff member of the "support" group, whose permissions the
    accounts app grants after migrate (CRM view/change, telemetry view)."""
    from django.contrib.auth.models import Group

    staff = PortalUserFactory(username="support-staff", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="support")[0])
    client.force_login(staff)
    return client
