"""The cached report path stays cheap without going stale or outliving a session.

A cached JSON or PDF request reads the session through the cache, the user and the account in one
query, and the data version in one plain-SQL query; it still sees a new ETL run at once, still
refuses a signed-out session id and a deactivated user, and the data version it reads is exactly
the ORM's answer.
"""

import datetime as dt

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.etl.models import EtlRun
from portal.reports.freshness import _successful_runs, latest_successful_run
from tests.support.reports import DATA_AS_OF, record_etl_run

pytestmark = pytest.mark.django_db(databases="__all__")

JSON_URL = "/api/reports/me/2025-03/"
PDF_URL = "/api/reports/me/2025-03/pdf"


def orm_latest_run():
    return _successful_runs().order_by("-finished_at", "-id").values_list("id", "data_as_of").first()


def test_latest_successful_run_is_the_orm_answer():
    assert latest_successful_run() is None
    first = record_etl_run(data_as_of=DATA_AS_OF)
    assert latest_successful_run() == (first.pk, DATA_AS_OF) == orm_latest_run()
    later = DATA_AS_OF + dt.timedelta(days=1)
    newest = record_etl_run(data_as_of=later)
    # Neither a failed run, nor a running one, nor a success without data_as_of moves it.
    EtlRun.objects.create(trigger="command", status=EtlRun.Status.FAILED, data_as_of=later + dt.timedelta(1))
    EtlRun.objects.create(trigger="command", status=EtlRun.Status.RUNNING, data_as_of=later + dt.timedelta(2))
    EtlRun.objects.create(
        trigger="command", status=EtlRun.Status.SUCCESS, finished_at=later + dt.timedelta(3), data_as_of=None
    )
    result = latest_successful_run()
    assert result == (newest.pk, later) == orm_latest_run()
    assert result[1].tzinfo is not None


@pytest.mark.parametrize("url", [JSON_URL, PDF_URL])
def test_a_cached_report_costs_two_portal_queries(client, reports_world, url):
    client.force_login(reports_world.customer_a)
    assert client.get(url).status_code == 200  # renders and caches
    with CaptureQueriesContext(connections["default"]) as portal_queries:
        response = client.get(url)
    assert response.status_code == 200
    tables = [q["sql"].split(" FROM ")[1].split()[0].strip('"`') for q in portal_queries.captured_queries]
    # The user with its account (one JOIN), then the data version. The session comes from the cache.
    assert tables == ["auth_user", "reports_etlrun"]
    assert "accounts_account" in portal_queries.captured_queries[0]["sql"]


def test_a_new_etl_run_is_seen_by_the_next_cached_request(client, reports_world):
    client.force_login(reports_world.customer_a)
    client.get(JSON_URL)
    old_version = latest_successful_run()[0]
    newer = record_etl_run(data_as_of=DATA_AS_OF + dt.timedelta(days=1), months=["2025-03"])
    assert newer.pk != old_version
    assert latest_successful_run()[0] == newer.pk
    assert client.get(JSON_URL).json()["data_as_of"] == "2025-04-01T00:00:00Z"  # the mart row's own


def test_a_signed_out_session_id_is_refused(client, reports_world):
    client.force_login(reports_world.customer_a)
    assert client.get(JSON_URL).status_code == 200  # the session is now in the cache too
    stolen = client.cookies["sessionid"].value
    assert client.post("/accounts/logout/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = stolen
    assert replay.get(JSON_URL).status_code == 401
    assert replay.get(PDF_URL).status_code == 401


def test_a_deactivated_user_is_refused_on_the_cached_path(client, reports_world):
    client.force_login(reports_world.customer_a)
    assert client.get(JSON_URL).status_code == 200
    reports_world.customer_a.is_active = False
    reports_world.customer_a.save(update_fields=["is_active"])
    assert client.get(JSON_URL).status_code == 401


def test_an_account_relinked_elsewhere_takes_effect_on_the_next_request(client, reports_world):
    client.force_login(reports_world.customer_a)
    assert client.get(JSON_URL).json()["user_id"] == reports_world.crm_a.pk
    account = reports_world.customer_a.account
    account.crm_user_id = None
    account.save(update_fields=["crm_user_id"])
    response = client.get(JSON_URL)
    assert (response.status_code, response.json()["code"]) == (404, "account_not_linked")
