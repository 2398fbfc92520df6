"""The audit log is read-only in the admin; staff find customers from /reports/; the processed
date falls back to the marts when no ETL run is recorded."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from portal.etl.models import EtlRun
from portal.reports.models import ReportAccessLog

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def admin_staff(reports_world):
    staff = reports_world.staff
    staff.user_permissions.add(Permission.objects.get(codename="view_reportaccesslog"))
    return staff


def test_staff_reads_appear_in_the_admin_audit_log(client, reports_world, admin_staff):
    client.force_login(admin_staff)
    client.get(f"/api/reports/{reports_world.crm_a.pk}/2025-03/")
    page = client.get("/admin/reports/reportaccesslog/")
    assert page.status_code == 200
    assert str(reports_world.crm_a.pk) in page.content.decode()


def test_the_audit_log_cannot_be_edited_in_the_admin(client, reports_world, admin_staff):
    client.force_login(admin_staff)
    client.get(f"/api/reports/{reports_world.crm_a.pk}/")
    log = ReportAccessLog.objects.get()
    assert client.get("/admin/reports/reportaccesslog/add/").status_code == 403
    assert client.post(f"/admin/reports/reportaccesslog/{log.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/reports/reportaccesslog/{log.pk}/change/", {"crm_user_id": 1})
    log.refresh_from_db()
    assert log.crm_user_id == reports_world.crm_a.pk


def test_staff_without_a_customer_link_get_a_lookup_form_that_opens_a_customer(client, reports_world):
    client.force_login(reports_world.staff)
    home = client.get("/reports/")
    assert home.status_code == 200
    assert 'name="q"' in home.content.decode()
    found = client.get("/reports/", {"customer": reports_world.crm_b.pk})
    assert found.status_code == 302
    assert found.url == f"/reports/{reports_world.crm_b.pk}/"


@pytest.mark.parametrize("customer", ["abc", "1/2", "-3"])
def test_staff_lookup_with_a_malformed_id_is_a_400_page(client, reports_world, customer):
    client.force_login(reports_world.staff)
    assert client.get("/reports/", {"customer": customer}).status_code == 400


def test_without_a_recorded_etl_run_the_marts_say_how_far_data_is_processed(client, reports_world):
    EtlRun.objects.all().delete()
    client.force_login(reports_world.customer_a)
    assert client.get("/api/reports/me/2025-03/").status_code == 200
    late = client.get("/api/reports/me/2025-04/")
    assert late.status_code == 409
    assert late.json()["processed_through"] == "2025-03-31"


def test_a_failed_etl_run_does_not_move_the_processed_date(client, reports_world):
    EtlRun.objects.create(
        trigger="command",
        status=EtlRun.Status.FAILED,
        data_as_of=dt.datetime(2025, 5, 1, tzinfo=dt.UTC),
        finished_at=dt.datetime(2025, 5, 1, 2, 5, tzinfo=dt.UTC),
        months_recomputed=["2025-04"],
    )
    client.force_login(reports_world.customer_a)
    assert client.get("/api/reports/me/").json()["processed_through"] == "2025-03-31"
