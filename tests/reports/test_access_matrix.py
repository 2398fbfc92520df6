"""Who may read which report, over every report URL: the API (list, month, PDF) and the pages
(list, month, PDF). One gate decides for all of them."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from portal.reports.models import ReportAccessLog
from tests.support.reports import NOT_PROCESSED_MONTH, UNKNOWN_CRM_ID

pytestmark = pytest.mark.django_db(databases="__all__")

MONTH = "2025-03"
API_URLS = {
    "api-list": "/api/reports/{id}/",
    "api-month": "/api/reports/{id}/{month}/",
    "api-pdf": "/api/reports/{id}/{month}/pdf",
}
PAGE_URLS = {
    "page-list": "/reports/{id}/",
    "page-month": "/reports/{id}/{month}/",
    "page-pdf": "/reports/{id}/{month}/pdf",
}
ALL_URLS = {**API_URLS, **PAGE_URLS}
MONTH_URLS = {name: url for name, url in ALL_URLS.items() if "{month}" in url}


def url_for(name, user_id, month=MONTH):
    return ALL_URLS[name].format(id=user_id, month=month)


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", API_URLS)
def test_anonymous_gets_401_from_every_api_url(client, reports_world, name):
    response = client.get(url_for(name, reports_world.crm_a.pk))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("name", PAGE_URLS)
def test_anonymous_is_sent_to_sign_in_from_every_page(client, reports_world, name):
    url = url_for(name, reports_world.crm_a.pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))
    assert "next=" in response.url


@pytest.mark.parametrize("name", ALL_URLS)
@pytest.mark.parametrize("ref", ["own-id", "me"])
def test_customer_reads_own_reports(client, reports_world, name, ref):
    user_id = reports_world.crm_a.pk if ref == "own-id" else "me"
    response = signed_in(client, reports_world.customer_a).get(url_for(name, user_id))
    assert response.status_code == 200
    if name.endswith("pdf"):
        assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("name", ALL_URLS)
def test_customer_gets_the_same_404_for_another_customer_as_for_an_unknown_id(client, reports_world, name):
    client = signed_in(client, reports_world.customer_b)
    other = client.get(url_for(name, reports_world.crm_a.pk))
    unknown = client.get(url_for(name, UNKNOWN_CRM_ID))
    assert other.status_code == unknown.status_code == 404
    if name.startswith("api"):
        assert other.content == unknown.content
    else:  # the page differs only in its own address (language switch "next") and CSRF token
        assert other.context["message"] == unknown.context["message"]
        assert [t.name for t in other.templates] == [t.name for t in unknown.templates]


@pytest.mark.parametrize("name", MONTH_URLS)
def test_customer_gets_404_for_another_customers_unprocessed_month_too(client, reports_world, name):
    client = signed_in(client, reports_world.customer_b)
    response = client.get(url_for(name, reports_world.crm_a.pk, NOT_PROCESSED_MONTH))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ALL_URLS)
def test_staff_reads_any_customer_and_each_read_is_audited(client, reports_world, name):
    response = signed_in(client, reports_world.staff).get(url_for(name, reports_world.crm_a.pk))
    assert response.status_code == 200
    log = ReportAccessLog.objects.get()
    assert log.accessed_by == reports_world.staff
    assert log.crm_user_id == reports_world.crm_a.pk
    assert log.channel == ("api" if name.startswith("api") else "page")
    assert log.resource == {"list": "list", "month": "month", "pdf": "pdf"}[name.split("-")[1]]
    assert (log.month is None) == name.endswith("list")


@pytest.mark.parametrize("name", ALL_URLS)
def test_staff_gets_404_for_an_unknown_customer_and_nothing_is_audited(client, reports_world, name):
    response = signed_in(client, reports_world.staff).get(url_for(name, UNKNOWN_CRM_ID))
    assert response.status_code == 404
    assert not ReportAccessLog.objects.exists()


@pytest.mark.parametrize("name", ALL_URLS)
def test_customer_reads_are_not_audited(client, reports_world, name):
    signed_in(client, reports_world.customer_a).get(url_for(name, reports_world.crm_a.pk))
    assert not ReportAccessLog.objects.exists()


@pytest.mark.parametrize("name", ["api-month", "api-pdf"])
@pytest.mark.parametrize("who", ["customer_a", "staff"])
def test_unprocessed_month_answers_409_with_the_processed_through_date(client, reports_world, name, who):
    response = signed_in(client, getattr(reports_world, who)).get(
        url_for(name, reports_world.crm_a.pk, NOT_PROCESSED_MONTH)
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "month_not_processed"
    assert body["processed_through"] == "2025-03-31"
    assert "2025-03-31" in body["detail"]
    assert not ReportAccessLog.objects.exists()


@pytest.mark.parametrize("name", ["page-month", "page-pdf"])
def test_unprocessed_month_page_says_how_far_data_is_processed(client, reports_world, name):
    response = signed_in(client, reports_world.customer_a).get(
        url_for(name, reports_world.crm_a.pk, NOT_PROCESSED_MONTH)
    )
    assert response.status_code == 409
    assert "2025-03-31" in response.content.decode()


@pytest.mark.parametrize("name", ALL_URLS)
def test_signed_in_person_without_a_crm_link_gets_a_clear_404(client, reports_world, name):
    response = signed_in(client, reports_world.unlinked).get(url_for(name, "me"))
    assert response.status_code == 404
    code = response.json()["code"] if name.startswith("api") else response.context["error"].code
    assert code == "account_not_linked"
