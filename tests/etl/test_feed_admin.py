"""Replication health on the ETL runs page of the admin."""

import pytest
from django.test import override_settings
from django.urls import reverse

from portal.etl.refresh import refresh_marts
from tests.support.factories import CrmUserFactory, EventFactory, ProstheticFactory, utc

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def runs_page(client) -> str:
    response = client.get(reverse("admin:etl_etlrun_changelist"))
    assert response.status_code == 200
    return response.content.decode()


@override_settings(CHANGE_FEED_ENABLED=False, LANGUAGE_CODE="en")
def test_the_runs_page_says_each_source_is_read_by_watermark_and_shows_the_last_tick(
    admin_client, etl_clickhouse
):
    owner = CrmUserFactory(created_at=utc(2024, 1, 5))
    ProstheticFactory(user=owner, activated_at=utc(2024, 1, 6))
    tick = refresh_marts()

    page = runs_page(admin_client)

    assert page.count("the change feed is turned off (CHANGE_FEED_ENABLED)") == 2
    assert f"Last refresh tick: #{tick.run_id}" in page


def test_the_runs_page_shows_slot_lag_and_alerts_when_changes_wait_too_long(admin_client, change_feed):
    owner = CrmUserFactory(created_at=utc(2024, 1, 5))
    arm = ProstheticFactory(user=owner, activated_at=utc(2024, 1, 6))
    EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 2, 5))

    with override_settings(CHANGE_FEED_LAG_ALERT_SECONDS=-1, LANGUAGE_CODE="en"):
        page = runs_page(admin_client)

    assert "change feed (logical replication)" in page
    assert "WAL retained" in page and "changes wait" in page
