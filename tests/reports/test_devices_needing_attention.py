"""The admin's "devices needing attention" on the seeded demo data: every prosthesis whose month
in the prosthetic mart has a critical error or an uptime below 99.5 %, newest critical error first,
with its owner and links; read through portal/reports (bounded, no cross-database join)."""

from decimal import Decimal

import pytest
from django.db.models import Max
from django.urls import reverse

from portal.clickhouse.client import clickhouse
from portal.crm.models import Prosthetic
from portal.demo.config import DEMO_PASSWORD, SUPPORT_LOGIN
from portal.reports.attention import devices_needing_attention
from portal.telemetry.models import Event

pytestmark = pytest.mark.django_db(databases="__all__")

ATTENTION = "/admin/attention/"


@pytest.fixture
def staff(client, seeded_demo):
    assert client.login(username=SUPPORT_LOGIN, password=DEMO_PASSWORD)
    return client


def mart_devices(month) -> set[int]:
    """Straight from the mart, for comparison."""
    from django.conf import settings

    with clickhouse() as client:
        rows = client.query(
            "SELECT prosthetic_id, critical_error_count, uptime_pct FROM {db:Identifier}."
            "report_prosthetic_monthly_metrics WHERE month = {month:Date}",
            parameters={"db": settings.CLICKHOUSE_DATABASE, "month": month},
        ).result_rows
    return {pid for pid, critical, uptime in rows if critical > 0 or uptime < Decimal("99.5")}


def test_this_month_lists_exactly_the_devices_with_a_critical_error_or_low_uptime(seeded_demo):
    listing = devices_needing_attention()
    assert listing.month == seeded_demo.last_month
    expected = mart_devices(seeded_demo.last_month)
    assert len(expected) >= 2, "the seeded month should have several devices to order"
    assert {device.prosthetic_id for device in listing.devices} == expected


def test_newest_critical_error_first_with_the_owner(seeded_demo):
    listing = devices_needing_attention()
    month_events = Event.objects.filter(
        event_type="critical_error", occurred_at__year=2025, occurred_at__month=6
    )
    last = dict(
        month_events.values("prosthetic_id")
        .annotate(last=Max("occurred_at"))
        .values_list("prosthetic_id", "last")
    )
    shown = [device.last_critical_error_at for device in listing.devices]
    assert shown == sorted(shown, reverse=True)
    for device in listing.devices:
        assert device.last_critical_error_at == last.get(device.prosthetic_id)
        owner = Prosthetic.objects.select_related("user").get(pk=device.prosthetic_id).user
        assert (device.owner_id, device.owner_name, device.owner_email) == (
            owner.pk,
            owner.full_name,
            owner.email,
        )


def test_the_admin_page_links_each_device_its_owner_and_the_months_report(staff, seeded_demo):
    response = staff.get(ATTENTION, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    for device in devices_needing_attention().devices:
        assert device.serial_number in page
        assert reverse("admin:crm_prosthetic_change", args=[device.prosthetic_id]) in page
        assert reverse("admin:crm_user_change", args=[device.owner_id]) in page
        assert f"/reports/{device.owner_id}/2025-06/" in page
    assert "?month=2025-05" in page


def test_another_month_and_a_bad_month(staff, seeded_demo):
    may = staff.get(ATTENTION, {"month": "2025-05"})
    assert may.status_code == 200
    assert {d.prosthetic_id for d in may.context["listing"].devices} == mart_devices(
        seeded_demo.last_month.replace(month=5)
    )
    assert staff.get(ATTENTION, {"month": "2025-13"}).status_code == 400


def test_the_admin_index_links_to_it_in_russian(staff):
    page = staff.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert ATTENTION in page
    assert "Устройства, требующие внимания" in page


def test_customers_cannot_open_it(client, seeded_demo):
    customer = Prosthetic.objects.order_by("id").first().user
    assert client.login(username=customer.email, password=DEMO_PASSWORD)
    assert client.get(ATTENTION, follow=True).status_code == 403
