"""Telemetry lists on the seeded demo data: each row's serial number and owner (one CRM query per
page, no N+1 across databases), a date filter read through the timestamp index, and a capped
count shown as "10 000+" instead of passing for exact."""

import re

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.crm.models import Prosthetic
from portal.demo.config import DEMO_PASSWORD, SUPPORT_LOGIN
from portal.telemetry.models import BatteryMetric, Event
from portal.telemetry.paging import COUNT_CAP

pytestmark = pytest.mark.django_db(databases="__all__")

EVENTS = reverse("admin:telemetry_event_changelist")
READINGS = reverse("admin:telemetry_batterymetric_changelist")


@pytest.fixture
def staff(client, seeded_demo):
    assert client.login(username=SUPPORT_LOGIN, password=DEMO_PASSWORD)
    return client


@pytest.mark.parametrize("url", [EVENTS, READINGS])
def test_rows_show_serial_and_owner_from_one_crm_query(staff, url):
    with CaptureQueriesContext(connections["crm"]) as crm:
        response = staff.get(url)
    page = response.content.decode()
    rows = list(response.context["cl"].result_list)
    assert len(rows) == 100
    device_queries = [q for q in crm.captured_queries if '"prosthetics"' in q["sql"] and "IN (" in q["sql"]]
    assert len(device_queries) == 1
    for prosthesis in Prosthetic.objects.filter(pk__in={row.prosthetic_id for row in rows}).select_related(
        "user"
    ):
        assert prosthesis.serial_number in page
        assert reverse("admin:crm_user_change", args=[prosthesis.user_id]) in page
        assert prosthesis.user.full_name in page


def test_events_filter_by_month_and_by_day(staff):
    june = list(staff.get(EVENTS, {"occurred_at_range": "2025-06"}).context["cl"].result_list)
    assert june and all(event.occurred_at.strftime("%Y-%m") == "2025-06" for event in june)
    assert (
        june[0].occurred_at
        == Event.objects.filter(occurred_at__year=2025, occurred_at__month=6)
        .latest("occurred_at")
        .occurred_at
    )
    day = list(staff.get(EVENTS, {"occurred_at_range": "2025-06-15"}).context["cl"].result_list)
    assert day and {event.occurred_at.date().isoformat() for event in day} == {"2025-06-15"}


def test_readings_filter_by_month(staff):
    rows = list(staff.get(READINGS, {"measured_at_range": "2025-05"}).context["cl"].result_list)
    assert rows and all(row.measured_at.strftime("%Y-%m") == "2025-05" for row in rows)
    assert BatteryMetric.objects.filter(measured_at__year=2025, measured_at__month=5).exists()


def test_a_bad_date_filter_shows_nothing_rather_than_failing(staff):
    response = staff.get(EVENTS, {"occurred_at_range": "2025-13"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_a_count_past_the_cap_reads_10_000_plus(staff):
    assert Event.objects.filter(event_type="grip").count() > COUNT_CAP
    page = staff.get(EVENTS, {"event_type__exact": "grip"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r"10,000\+\s+rows", page), page[-3000:]
    russian = staff.get(EVENTS, {"event_type__exact": "grip"}, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert re.search(r"10\xa0000\+\s+записей", russian)


def test_a_count_below_the_cap_is_exact_and_declined(staff):
    prosthesis = Prosthetic.objects.order_by("id").first()
    expected = Event.objects.filter(prosthetic_id=prosthesis.pk, event_type="critical_error").count()
    page = staff.get(
        EVENTS,
        {"prosthetic_id": prosthesis.pk, "event_type__exact": "critical_error"},
        HTTP_ACCEPT_LANGUAGE="ru",
    ).content.decode()
    tens, ones = expected % 100, expected % 10
    word = (
        "запись"
        if ones == 1 and tens != 11
        else "записи"
        if ones in (2, 3, 4) and tens not in (12, 13, 14)
        else "записей"
    )
    assert re.search(rf"\b{expected}\s+{word}\b", page), (expected, word)


def test_an_unfiltered_list_says_its_count_is_an_estimate(staff):
    page = staff.get(EVENTS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r"about [\d,]+\s+rows", page)
