"""The REST API with ``Authorization: Bearer <access token>``: the same people, the same 404s."""

import socket

import pytest

from portal.accounts.models import Account
from portal.reports.models import ReportAccessLog
from tests.support.reports import UNKNOWN_CRM_ID

pytestmark = pytest.mark.django_db(databases="__all__")


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def customer_token(oidc, subject, crm_user_id):
    return oidc.issue_access_token(
        subject, crm_user_id=crm_user_id, realm_access={"roles": ["prothetic_user"]}
    )


def test_customer_reads_own_months_with_a_bearer_token(client, oidc, reports_world):
    token = customer_token(oidc, "alice", reports_world.crm_a.pk)

    response = client.get(f"/api/reports/{reports_world.crm_a.pk}/", **bearer(token))
    me = client.get("/api/reports/me/", **bearer(token))

    assert response.status_code == 200
    assert me.status_code == 200
    assert response.json() == me.json()
    assert Account.objects.get(crm_user_id=reports_world.crm_a.pk).oidc_subject == "alice"


def test_another_customers_id_answers_404_like_an_id_that_does_not_exist(client, oidc, reports_world):
    token = customer_token(oidc, "alice", reports_world.crm_a.pk)

    other = client.get(f"/api/reports/{reports_world.crm_b.pk}/2025-03/", **bearer(token))
    missing = client.get(f"/api/reports/{UNKNOWN_CRM_ID}/2025-03/", **bearer(token))
    pdf = client.get(f"/api/reports/{reports_world.crm_b.pk}/2025-03/pdf", **bearer(token))

    assert other.status_code == missing.status_code == pdf.status_code == 404
    assert other.json() == missing.json()


def test_support_bearer_token_reads_a_customer_and_is_audited(client, oidc, reports_world):
    token = oidc.issue_access_token("sam", realm_access={"roles": ["support"]})

    response = client.get(f"/api/reports/{reports_world.crm_b.pk}/", **bearer(token))

    assert response.status_code == 200
    assert ReportAccessLog.objects.filter(crm_user_id=reports_world.crm_b.pk).exists()


def test_support_role_removed_at_the_provider_takes_effect_on_the_next_api_call(client, oidc, reports_world):
    token = oidc.issue_access_token("sam", realm_access={"roles": ["support"]})
    client.get(f"/api/reports/{reports_world.crm_b.pk}/", **bearer(token))
    oidc.set_claims("sam", realm_access={"roles": []})

    response = client.get(f"/api/reports/{reports_world.crm_b.pk}/", **bearer(token))

    assert response.status_code != 200
    assert not Account.objects.get(oidc_subject="sam").user.is_staff


def test_a_token_the_provider_does_not_know_answers_401(client, oidc, reports_world):
    response = client.get("/api/reports/me/", **bearer("forged-or-expired-token"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_without_oidc_a_bearer_token_is_not_accepted(client, reports_world):
    response = client.get("/api/reports/me/", **bearer("any-token"))

    assert response.status_code in (401, 403)


def test_a_deactivated_portal_user_is_refused_with_a_valid_token(client, oidc, reports_world):
    token = customer_token(oidc, "alice", reports_world.crm_a.pk)
    client.get("/api/reports/me/", **bearer(token))
    user = Account.objects.get(oidc_subject="alice").user
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = client.get("/api/reports/me/", **bearer(token))

    assert response.status_code == 401


def test_an_unreachable_provider_answers_503_provider_unavailable_in_the_error_shape(
    client, oidc, reports_world, settings
):
    with socket.socket() as probe:  # a port nobody listens on: the userinfo check cannot connect
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.OIDC_OP_USER_ENDPOINT = f"http://127.0.0.1:{closed_port}/userinfo"

    response = client.get("/api/reports/me/", **bearer("any-token"))

    assert response.status_code == 503
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] == "provider_unavailable"


def test_a_refused_token_answers_401_authentication_failed_in_the_error_shape(client, oidc, reports_world):
    response = client.get("/api/reports/me/", **bearer("forged-or-expired-token"))

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
