"""Counts per table at the default size land within 10% of the brief's figures. The generator
is counted without loading (it is a stream of rows), which keeps this fast."""

import datetime as dt

import pytest

from portal.demo import config as brief
from portal.demo.config import DemoConfig
from portal.demo.crm_rows import build_crm
from portal.demo.telemetry_rows import TelemetryStream


def generated_counts(config: DemoConfig) -> dict[str, int]:
    crm = build_crm(config)
    counts = {table: len(rows) for table, rows in crm.tables().items()}
    counts["events"] = counts["battery_metrics"] = 0
    for chunk in TelemetryStream(config, crm.devices).chunks():
        counts["events"] += len(chunk.events)
        counts["battery_metrics"] += len(chunk.readings)
    return counts


def test_default_size_matches_the_brief_within_ten_percent():
    counts = generated_counts(DemoConfig(until=dt.date(2026, 6, 30)))
    expected = {
        "users": brief.BRIEF_USERS,
        "prosthetics": brief.BRIEF_PROSTHETICS,
        "payments": brief.BRIEF_PAYMENTS,
        "support_tickets": brief.BRIEF_TICKETS,
        "events": brief.BRIEF_EVENTS,
        "battery_metrics": brief.BRIEF_READINGS,
    }
    for table, figure in expected.items():
        assert counts[table] == pytest.approx(figure, rel=0.10), table


def test_default_window_is_two_and_a_half_years_ending_yesterday_utc():
    config = DemoConfig()
    today = dt.datetime.now(dt.UTC).date()
    assert config.until == today - dt.timedelta(days=1)
    assert config.end == dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    assert (config.end - config.start).days == round(2.5 * 365.25)


def test_scale_multiplies_customers_and_what_follows():
    config = DemoConfig(scale=3, years=0.25, until=dt.date(2026, 6, 30))
    crm = build_crm(config)
    one = build_crm(DemoConfig(scale=1, years=0.25, until=dt.date(2026, 6, 30)))
    assert len(crm.users) == 3 * len(one.users)
    assert len(crm.prosthetics) == pytest.approx(3 * len(one.prosthetics), rel=0.1)
    assert len(crm.tickets) == pytest.approx(3 * len(one.tickets), rel=0.1)


def test_every_row_of_a_customer_is_a_demo_customer():
    crm = build_crm(DemoConfig(years=0.25, until=dt.date(2026, 6, 30)))
    assert all(user.email.endswith("@" + brief.DEMO_EMAIL_DOMAIN) for user in crm.users)
    assert len({user.email for user in crm.users}) == len(crm.users)
    assert len({device.serial_number for device in crm.prosthetics}) == len(crm.prosthetics)
