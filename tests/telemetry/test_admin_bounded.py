"""No admin page may start an unbounded query: telemetry lists never count facets, and on
PostgreSQL every statement of an admin request runs under a statement timeout."""

import pytest
from django.contrib import admin
from django.db import OperationalError, connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from portal.core.admin_timeout import AdminStatementTimeoutMiddleware
from portal.telemetry.models import BatteryMetric, Event

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.mark.parametrize("url", ["/admin/telemetry/event/", "/admin/telemetry/batterymetric/"])
def test_telemetry_lists_never_count_facets_even_when_asked(support_client, url):
    response = support_client.get(url + "?_facets=1")
    assert response.status_code == 200
    assert response.context["cl"].add_facets is False


def test_every_telemetry_admin_disables_facets():
    for model in (Event, BatteryMetric):
        assert admin.site._registry[model].show_facets is admin.ShowFacets.NEVER


def sleeping_view(seconds: float):
    def view(request):
        with connections["telemetry"].cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [seconds])
        return HttpResponse("slept")

    return view


def statement_timeout() -> str:
    with connections["telemetry"].cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.fixture
def postgresql_telemetry():
    if connections["telemetry"].vendor != "postgresql":
        pytest.skip("statement_timeout exists only on PostgreSQL; CI runs this test on PostgreSQL")


@override_settings(ADMIN_STATEMENT_TIMEOUT=0.2)
def test_an_admin_statement_longer_than_the_timeout_is_cancelled(postgresql_telemetry):
    middleware = AdminStatementTimeoutMiddleware(sleeping_view(3))
    with pytest.raises(OperationalError, match="statement timeout"), transaction.atomic("telemetry"):
        middleware(RequestFactory().get("/admin/telemetry/event/"))
    assert statement_timeout() == "0"  # the failed transaction's rollback undid the SET


@override_settings(ADMIN_STATEMENT_TIMEOUT=0.2)
def test_the_timeout_ends_with_the_admin_request(postgresql_telemetry):
    before = statement_timeout()
    admin_request = AdminStatementTimeoutMiddleware(sleeping_view(0))
    assert admin_request(RequestFactory().get("/admin/telemetry/event/")).content == b"slept"
    assert statement_timeout() == before
    other_request = AdminStatementTimeoutMiddleware(sleeping_view(0.5))
    assert other_request(RequestFactory().get("/api/reports/me/")).content == b"slept"
