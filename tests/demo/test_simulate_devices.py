"""simulate_devices makes the current month of a demo customer move after the next refresh tick."""

import random
import time

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from portal.demo.config import DEMO_EMAIL_DOMAIN
from portal.demo.simulation import simulate_step
from portal.etl.refresh import refresh_marts
from portal.telemetry.models import Event
from tests.support.etl import PROSTHETIC_MART, mart_rows
from tests.support.factories import CrmUserFactory, ProstheticFactory, utc

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


@override_settings(CHANGE_FEED_ENABLED=False)
def test_simulated_activity_shows_in_the_current_month_after_the_next_tick(etl_clickhouse):
    customer = CrmUserFactory(email=f"demo-1@{DEMO_EMAIL_DOMAIN}", created_at=utc(2025, 1, 1))
    arm = ProstheticFactory(user=customer, activated_at=utc(2025, 1, 2))
    first = refresh_marts()
    this_month = timezone.now().strftime("%Y-%m")
    before = mart_rows(PROSTHETIC_MART)[(arm.pk, this_month)]

    rng = random.Random(7)
    for _ in range(10):
        simulate_step(rng)
    time.sleep(1.01)  # the mart keeps data_as_of to the second: let the next tick's be later
    second = refresh_marts()

    after = mart_rows(PROSTHETIC_MART)[(arm.pk, this_month)]
    assert Event.objects.filter(prosthetic_id=arm.pk, event_type="power_on").exists()
    assert second.run_id is not None and second.run_id > first.run_id
    assert after["power_on_count"] > before["power_on_count"]
    assert after["data_as_of"] > before["data_as_of"]


def test_the_command_runs_for_the_given_time_and_says_what_it_added(capsys):
    customer = CrmUserFactory(email=f"demo-2@{DEMO_EMAIL_DOMAIN}")
    ProstheticFactory(user=customer)

    call_command("simulate_devices", "--minutes", "0", "--seed", "3")

    assert "events" in capsys.readouterr().out
