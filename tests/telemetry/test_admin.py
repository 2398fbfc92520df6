"""Read-only telemetry browsing in the admin: lists and details open, filters and the exact
prosthesis search work, nothing can be added, changed or deleted, and a page never counts the
whole table."""

import re

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.telemetry.models import Event
from portal.telemetry.paging import COUNT_CAP, EstimatedCountPaginator
from tests.support.factories import (
    BatteryMetricFactory,
    EventFactory,
    PortalUserFactory,
    ProstheticFactory,
    utc,
)

pytestmark = pytest.mark.django_db(databases="__all__")

EVENTS = reverse("admin:telemetry_event_changelist")
READINGS = reverse("admin:telemetry_batterymetric_changelist")


@pytest.fixture
def telemetry():
    first = ProstheticFactory(serial_number="BP-X2-000001")
    second = ProstheticFactory(serial_number="BP-X2-000002")
    for hour, event_type in enumerate(["power_on", "grip", "release", "power_off"]):
        EventFactory(prosthetic_id=first.pk, event_type=event_type, occurred_at=utc(2025, 1, 1, 8 + hour))
    EventFactory(prosthetic_id=second.pk, event_type="power_on", occurred_at=utc(2025, 1, 1, 9))
    BatteryMetricFactory(prosthetic_id=first.pk, is_charging=False)
    BatteryMetricFactory(prosthetic_id=second.pk, is_charging=True, current_ma=1500)
    return {"first": first, "second": second}


def shown(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("url", [EVENTS, READINGS])
def test_support_staff_browse_telemetry_lists_and_details(support_client, telemetry, url):
    rows = shown(support_client.get(url))
    assert rows
    model = rows[0]._meta.model_name
    assert (
        support_client.get(reverse(f"admin:telemetry_{model}_change", args=[rows[0].pk])).status_code == 200
    )


def test_events_are_listed_newest_id_first(support_client, telemetry):
    ids = [event.pk for event in shown(support_client.get(EVENTS))]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 5


def test_events_filter_by_prosthesis_and_event_type(support_client, telemetry):
    first = telemetry["first"].pk
    by_device = shown(support_client.get(EVENTS, {"prosthetic_id": str(first)}))
    assert {event.prosthetic_id for event in by_device} == {first}
    assert len(by_device) == 4
    power_ons = shown(support_client.get(EVENTS, {"event_type__exact": "power_on"}))
    assert sorted(event.prosthetic_id for event in power_ons) == [first, telemetry["second"].pk]


def test_search_finds_a_prosthesis_by_exact_id_or_serial_number(support_client, telemetry):
    second = telemetry["second"].pk
    assert {e.prosthetic_id for e in shown(support_client.get(EVENTS, {"q": str(second)}))} == {second}
    assert {e.prosthetic_id for e in shown(support_client.get(EVENTS, {"q": "bp-x2-000002"}))} == {second}
    assert shown(support_client.get(EVENTS, {"q": "BP-NOPE"})) == []


def test_battery_readings_filter_by_charging(support_client, telemetry):
    charging = shown(support_client.get(READINGS, {"is_charging__exact": "1"}))
    assert [reading.prosthetic_id for reading in charging] == [telemetry["second"].pk]


@pytest.mark.parametrize("model", ["event", "batterymetric"])
def test_telemetry_cannot_be_added_changed_or_deleted_in_the_admin(support_client, telemetry, model):
    row = shown(support_client.get(reverse(f"admin:telemetry_{model}_changelist")))[0]
    assert support_client.get(reverse(f"admin:telemetry_{model}_add")).status_code == 403
    change = reverse(f"admin:telemetry_{model}_change", args=[row.pk])
    assert support_client.post(change, {"prosthetic_id": "99"}).status_code == 403
    assert support_client.post(reverse(f"admin:telemetry_{model}_delete", args=[row.pk])).status_code == 403
    assert type(row).objects.filter(pk=row.pk, prosthetic_id=row.prosthetic_id).exists()


def _counts(queries) -> list[str]:
    return [query["sql"] for query in queries if re.search(r"\bCOUNT\s*\(", query["sql"], re.IGNORECASE)]


@pytest.mark.parametrize("url", [EVENTS, READINGS])
def test_an_unfiltered_telemetry_page_never_counts_the_table(support_client, telemetry, url):
    with CaptureQueriesContext(connections["telemetry"]) as captured:
        assert shown(support_client.get(url))
    assert _counts(captured.captured_queries) == []


def test_a_filtered_telemetry_page_counts_at_most_a_capped_number_of_rows(support_client, telemetry):
    with CaptureQueriesContext(connections["telemetry"]) as captured:
        shown(support_client.get(EVENTS, {"event_type__exact": "grip"}))
    counts = _counts(captured.captured_queries)
    assert counts
    assert all(f"LIMIT {COUNT_CAP}" in sql for sql in counts), counts


def test_the_paginator_estimates_an_unfiltered_table_without_counting_it():
    for hour in range(3):
        EventFactory(occurred_at=utc(2025, 1, 1, hour))
    connection = connections["telemetry"]
    if connection.vendor == "postgresql":
        # The planner's estimate, as ANALYZE (or autovacuum) leaves it in pg_class.reltuples.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE events")
        expected = 3
    else:
        expected = Event.objects.order_by("-id").first().pk
    paginator = EstimatedCountPaginator(Event.objects.order_by("-id"), 100)
    with CaptureQueriesContext(connection) as captured:
        assert paginator.count == expected
    assert _counts(captured.captured_queries) == []


def test_the_paginator_counts_a_filtered_list_exactly_below_the_cap():
    for hour in range(3):
        EventFactory(occurred_at=utc(2025, 1, 1, hour))
    EventFactory(event_type="grip")
    filtered = EstimatedCountPaginator(Event.objects.filter(event_type="power_on").order_by("-id"), 100)
    assert filtered.count == 3


def test_a_customer_without_staff_rights_cannot_browse_telemetry(client, telemetry):
    client.force_login(PortalUserFactory(username="customer", is_staff=False))
    response = client.get(EVENTS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
