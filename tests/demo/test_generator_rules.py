"""The generated demo data obeys DESIGN.md's source rules. These tests read the generator's
stream directly (no database), one year of history at scale 1."""

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass

import pytest

from portal.demo.config import DemoConfig
from portal.demo.crm_rows import CrmData, build_crm
from portal.demo.rows import BatteryReadingRow, EventRow
from portal.demo.telemetry_rows import TelemetryStream

CONFIG = DemoConfig(seed=7, years=0.75, until=dt.date(2025, 12, 31))


@dataclass
class Demo:
    crm: CrmData
    events: list[EventRow]
    readings: list[BatteryReadingRow]
    # Each prosthesis's events in DESIGN.md's order: (occurred_at, id).
    events_by_device: dict[int, list[EventRow]]


@pytest.fixture(scope="module")
def demo():
    crm = build_crm(CONFIG)
    events, readings = [], []
    for chunk in TelemetryStream(CONFIG, crm.devices).chunks():
        events.extend(chunk.events)
        readings.extend(chunk.readings)
    by_device = defaultdict(list)
    for event in events:
        by_device[event.prosthetic_id].append(event)
    for device_events in by_device.values():
        device_events.sort(key=lambda event: (event.occurred_at, event.id))
    return Demo(crm, events, readings, dict(by_device))


def test_sessions_pair_up_except_where_a_critical_error_interrupted_them(demo):
    for device_events in demo.events_by_device.values():
        session_open = interrupted = False
        unpaired = 0
        for event in device_events:
            if event.event_type == "critical_error":
                interrupted = True
            elif event.event_type == "power_on":
                if session_open:
                    assert interrupted, f"power_on inside an open session: {event}"
                    unpaired += 1
                session_open, interrupted = True, False
            elif event.event_type == "power_off":
                assert session_open, f"power_off without a power_on: {event}"
                session_open = False
        assert unpaired <= sum(event.event_type == "critical_error" for event in device_events)


def test_every_critical_error_ends_in_a_restart_or_is_the_devices_last_outage(demo):
    criticals = 0
    for device_events in demo.events_by_device.values():
        for index, event in enumerate(device_events):
            if event.event_type != "critical_error":
                continue
            criticals += 1
            later = [other.event_type for other in device_events[index + 1 :]]
            if "power_on" not in later:
                assert "critical_error" not in later, "an outage with no restart must be the last one"
    assert criticals > 0


def test_restart_after_a_critical_error_comes_later_than_the_error(demo):
    for device_events in demo.events_by_device.values():
        for index, event in enumerate(device_events):
            if event.event_type == "critical_error":
                next_power = next((e for e in device_events[index + 1 :] if e.event_type == "power_on"), None)
                if next_power is not None:
                    assert next_power.occurred_at > event.occurred_at


def test_charge_start_and_charge_end_pair_up(demo):
    for device_events in demo.events_by_device.values():
        charging = False
        for event in device_events:
            if event.event_type == "charge_start":
                assert not charging
                charging = True
            elif event.event_type == "charge_end":
                assert charging
                charging = False
        assert not charging


def test_grips_and_releases_happen_inside_sessions(demo):
    grips = 0
    for device_events in demo.events_by_device.values():
        device_on = False
        for event in device_events:
            if event.event_type == "power_on":
                device_on = True
            elif event.event_type in ("power_off", "critical_error"):
                device_on = False
            elif event.event_type in ("grip", "release"):
                grips += 1
                assert device_on, f"{event.event_type} while the device is off: {event}"
    assert grips > 0


def test_battery_readings_charge_inside_charge_windows_and_discharge_outside(demo):
    readings = demo.readings
    windows = defaultdict(list)
    for device_id, device_events in demo.events_by_device.items():
        starts = [event.occurred_at for event in device_events if event.event_type == "charge_start"]
        ends = [event.occurred_at for event in device_events if event.event_type == "charge_end"]
        windows[device_id] = list(zip(starts, ends, strict=True))
    assert {reading.is_charging for reading in readings} == {True, False}
    for reading in readings:
        assert reading.current_ma >= 0
        inside = any(start <= reading.measured_at <= end for start, end in windows[reading.prosthetic_id])
        assert reading.is_charging == inside, reading


def test_charging_current_is_higher_than_the_discharge_current(demo):
    readings = demo.readings
    charging = [reading.current_ma for reading in readings if reading.is_charging]
    discharging = [reading.current_ma for reading in readings if not reading.is_charging]
    assert sum(charging) / len(charging) > 2 * sum(discharging) / len(discharging)


def test_some_events_and_readings_arrive_days_late(demo):
    events, readings = demo.events, demo.readings
    late = dt.timedelta(days=1)
    late_events = [event for event in events if event.received_at - event.occurred_at > late]
    assert 0 < len(late_events) < len(events) * 0.02
    assert any(reading.received_at - reading.measured_at > late for reading in readings)


def test_nothing_is_received_before_it_happened_or_after_the_window(demo):
    events, readings = demo.events, demo.readings
    for event in events:
        assert CONFIG.start <= event.occurred_at < event.received_at < CONFIG.end
    for reading in readings:
        assert CONFIG.start <= reading.measured_at < reading.received_at < CONFIG.end


def test_telemetry_only_for_prostheses_while_they_are_in_use(demo):
    crm, events = demo.crm, demo.events
    lives = {device.prosthetic_id: device for device in crm.devices}
    for event in events:
        life = lives[event.prosthetic_id]
        assert life.active_from <= event.occurred_at < life.active_until


def test_event_ids_follow_time(demo):
    events = demo.events
    assert [event.id for event in events] == list(range(1, len(events) + 1))
    assert all(a.occurred_at.date() <= b.occurred_at.date() for a, b in itertools.pairwise(events))


def test_non_active_subscriptions_have_an_end_on_or_after_their_start(demo):
    crm = demo.crm
    statuses = {subscription.status for subscription in crm.subscriptions}
    assert {"active", "cancelled", "expired"} <= statuses
    for subscription in crm.subscriptions:
        if subscription.status == "active":
            assert subscription.ended_on is None
        else:
            assert subscription.ended_on is not None
            assert subscription.ended_on >= subscription.started_on


def test_a_plan_change_ends_one_subscription_the_day_before_the_next_starts(demo):
    crm = demo.crm
    by_device = defaultdict(list)
    for subscription in crm.subscriptions:
        by_device[subscription.prosthetic_id].append(subscription)
    changes = 0
    for history in by_device.values():
        history.sort(key=lambda subscription: subscription.started_on)
        for before, after in itertools.pairwise(history):
            changes += 1
            assert before.status == "expired"
            assert before.ended_on == after.started_on - dt.timedelta(days=1)
            assert before.plan != after.plan
    assert changes > 0


def test_payments_include_failures_and_follow_their_subscription(demo):
    crm = demo.crm
    subscriptions = {subscription.id: subscription for subscription in crm.subscriptions}
    assert "failed" in {payment.status for payment in crm.payments}
    for payment in crm.payments:
        subscription = subscriptions[payment.subscription_id]
        assert payment.user_id == subscription.user_id
        assert payment.amount == subscription.monthly_cost
        assert payment.paid_at.date() >= subscription.started_on


def test_resolved_tickets_are_resolved_after_they_were_opened(demo):
    crm = demo.crm
    for ticket in crm.tickets:
        if ticket.status in ("resolved", "closed"):
            assert ticket.created_at < ticket.resolved_at < CONFIG.end
        else:
            assert ticket.resolved_at is None


def test_all_timestamps_are_utc(demo):
    crm, events, readings = demo.crm, demo.events, demo.readings
    rows = [*crm.users, *crm.prosthetics, *crm.payments, *crm.tickets, *events[:1000], *readings[:1000]]
    for row in rows:
        for value in row:
            if isinstance(value, dt.datetime):
                assert value.utcoffset() == dt.timedelta(0)
