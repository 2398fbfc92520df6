"""Every API error has one shape, {"detail", "code", ...extra}, rendered by the global exception
handler: the report errors and DRF's own (401, 403, 405, 406), with the headers they had
(WWW-Authenticate, Retry-After, Allow)."""

import pytest
from django.test import Client, override_settings

from tests.support.reports import NOT_PROCESSED_MONTH, UNKNOWN_CRM_ID, chdb_held_by_another_process

pytestmark = pytest.mark.django_db(databases="__all__")


def assert_error_shape(response, status: int, code: str, *extra: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code", *extra}
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_an_anonymous_api_call_answers_401_with_a_code_and_www_authenticate(client, reports_world):
    response = client.get("/api/reports/me/")
    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Session realm="BionicPRO reports"'


@pytest.mark.parametrize("url", ["/api/reports/me/2025-03/", "/api/reports/me/2025-03/pdf"])
def test_an_anonymous_call_for_a_month_or_its_pdf_has_the_same_shape(client, reports_world, url):
    assert_error_shape(client.get(url), 401, "not_authenticated")


def test_an_unsupported_method_answers_405_with_a_code_and_the_allowed_methods(client, reports_world):
    client.force_login(reports_world.customer_a)
    response = client.delete("/api/reports/me/")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_a_post_without_the_csrf_token_answers_403_with_a_code(reports_world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reports_world.customer_a)
    assert_error_shape(browser.post("/api/reports/me/"), 403, "permission_denied")


def test_an_unacceptable_media_type_answers_406_with_a_code(client, reports_world):
    client.force_login(reports_world.customer_a)
    response = client.get("/api/reports/me/", HTTP_ACCEPT="application/xml")
    assert_error_shape(response, 406, "not_acceptable")


def test_another_customers_id_answers_the_same_404_as_an_unknown_id(client, reports_world):
    client.force_login(reports_world.customer_a)
    other = client.get(f"/api/reports/{reports_world.crm_b.pk}/")
    unknown = client.get(f"/api/reports/{UNKNOWN_CRM_ID}/")
    assert assert_error_shape(other, 404, "not_found") == unknown.json()


def test_a_month_not_processed_answers_409_with_its_extra_fields(client, reports_world):
    client.force_login(reports_world.customer_a)
    response = client.get(f"/api/reports/me/{NOT_PROCESSED_MONTH}/")
    body = assert_error_shape(response, 409, "month_not_processed", "processed_through", "data_as_of")
    assert body["processed_through"] == "2025-03-31"


@override_settings(REPORTS_CLICKHOUSE_WAIT=0.2)
def test_reports_busy_answers_503_with_a_code_and_retry_after(client, reports_world):
    client.force_login(reports_world.customer_a)
    with chdb_held_by_another_process():
        response = client.get("/api/reports/me/2025-03/")
    assert_error_shape(response, 503, "reports_busy")
    assert response["Retry-After"] == "30"
