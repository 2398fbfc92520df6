"""``manage.py run_etl`` and the ETL run admin (history, "run now")."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from portal.etl import runs
from portal.etl.models import EtlRun
from tests.support.etl import USER_MART, etl_db, mart_rows
from tests.support.factories import CrmUserFactory, PaymentFactory, PortalUserFactory, utc


@pytest.fixture
def customer(etl_clickhouse):
    user = CrmUserFactory(created_at=utc(2024, 1, 5))
    PaymentFactory(user=user, paid_at=utc(2024, 2, 3))
    return user


@etl_db
def test_run_etl_builds_the_marts_and_reports_what_it_did(customer):
    out = StringIO()

    call_command("run_etl", "--as-of", "2024-03-01", stdout=out)

    run = EtlRun.objects.get()
    assert (run.trigger, run.mode, run.status) == ("command", "full", "success")
    assert run.data_as_of == utc(2024, 3, 1)
    assert f"ETL run #{run.pk} (full) succeeded" in out.getvalue()
    assert "2 month(s) recomputed (2024-01..2024-02)" in out.getvalue()
    assert set(mart_rows(USER_MART)) == {(customer.pk, "2024-01"), (customer.pk, "2024-02")}


@etl_db
def test_run_etl_from_to_rebuilds_only_that_range(customer):
    call_command("run_etl", "--as-of", "2024-03-01", stdout=StringIO())

    call_command(
        "run_etl", "--from", "2024-02", "--to", "2024-02", "--as-of", "2024-03-01", stdout=StringIO()
    )

    ranged = EtlRun.objects.order_by("-id").first()
    assert (ranged.mode, ranged.months_recomputed) == ("range", ["2024-02"])
    assert ranged.month_from == dt.date(2024, 2, 1)


@etl_db
def test_run_etl_fails_with_the_reason_while_another_run_is_running(customer):
    holder = runs.create_run(trigger=EtlRun.Trigger.SCHEDULE)
    runs.claim(holder.pk, token="elsewhere")

    with pytest.raises(CommandError, match=f"ETL run #{holder.pk} is still running"):
        call_command("run_etl", stdout=StringIO())

    assert EtlRun.objects.filter(status="failed").count() == 1


def test_run_etl_rejects_a_malformed_month():
    with pytest.raises(CommandError, match="expected a month as YYYY-MM"):
        call_command("run_etl", "--from", "2024-13", "--to", "2024-12")


def staff(*, may_run: bool):
    user = PortalUserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_etlrun"))
    if may_run:
        user.user_permissions.add(Permission.objects.get(codename="add_etlrun"))
    return user


@etl_db
def test_run_now_in_the_admin_queues_a_run_that_the_worker_completes(customer, client):
    client.force_login(staff(may_run=True))

    response = client.post(reverse("admin:etl_etlrun_run_now"), {"mode": "full"})

    assert response.status_code == 302
    run = EtlRun.objects.get()
    assert (run.trigger, run.mode) == ("admin", "full")
    assert run.status == "success", run.error  # tests run Celery eagerly: the chain ran in place


@pytest.mark.django_db(databases="__all__")
def test_staff_without_the_permission_cannot_start_a_run(client):
    client.force_login(staff(may_run=False))

    client.post(reverse("admin:etl_etlrun_run_now"), {"mode": "incremental"})

    assert not EtlRun.objects.exists()


@pytest.mark.django_db(databases="__all__")
def test_the_run_history_shows_each_runs_figures_and_error(client):
    EtlRun.objects.create(
        trigger="schedule",
        mode="incremental",
        status="failed",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        steps={
            "extract_crm": {"read": 12, "written": 12},
            "extract_telemetry": {"read": 456, "written": 450, "rejected": {"events.unknown_event_type": 6}},
        },
        rows_rejected=6,
        error="SourceUnavailable: connection refused",
    )
    client.force_login(staff(may_run=False))

    listing = client.get(reverse("admin:etl_etlrun_changelist"))
    detail = client.get(reverse("admin:etl_etlrun_change", args=[EtlRun.objects.get().pk]))

    assert listing.status_code == detail.status_code == 200
    page = detail.content.decode()
    assert "Extract telemetry" in page and "456" in page
    assert "events.unknown_event_type: 6" in page
    assert "SourceUnavailable: connection refused" in page
