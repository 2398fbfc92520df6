"""Telemetry rows: device events and battery readings, streamed day by day.

Each prosthesis is simulated by its own ``random.Random`` (seeded from ``--seed`` and its id),
so the stream is deterministic and never holds more than a chunk of days in memory. A device day
looks like real use: one or two power sessions with grips and releases inside them, occasional
errors, a rare critical error that cuts the session short (the device restarts later with a
power_on, or stays down until the next day), then a charge_start/charge_end pair in the evening.
Battery readings carry the discharge current while the device is on and the charge current while
it charges. Now and then a device syncs a whole day late (received_at days after occurred_at).

The number of grips and readings per hour of use is set from the brief's totals divided by the
device-days the CRM produced, so the totals land on the brief's figures at any scale or window.
"""

import datetime as dt
import json
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import NamedTuple

from portal.demo import vocabulary as words
from portal.demo.config import BRIEF_EVENTS, BRIEF_READINGS, DemoConfig
from portal.demo.crm_rows import DAY, DeviceLife
from portal.demo.rows import BatteryReadingRow, EventRow

HOUR_S = 3600
DAY_S = 86_400
UNUSED_DAY_PROBABILITY = 0.04
TWO_SESSION_PROBABILITY = 0.3
MEAN_ON_HOURS_PER_DAY = 0.7 * 13.5 + 0.3 * 11.0  # from the session windows in _session_plan
CHARGE_PROBABILITY = 0.93
ERROR_PROBABILITY = 0.03  # per session
CRITICAL_PROBABILITY = 0.003  # per session: a few per device-year
RESTART_SAME_DAY_PROBABILITY = 0.75
LATE_SYNC_PROBABILITY = 0.006  # per device-day
CHARGE_READINGS = 1.5  # mean readings per charge
# Fixed events of a used day: power_on/power_off per session, the charge pair, errors.
FIXED_EVENTS_PER_DAY = (1 + TWO_SESSION_PROBABILITY) * (2 + ERROR_PROBABILITY) + 2 * CHARGE_PROBABILITY

# tuple.__new__ on the row type directly skips the named tuple's Python-level constructor, which
# shows up when building millions of events.
make_row = tuple.__new__
GATEWAY_DELAY_S = 20  # an event normally reaches the server within this many seconds

RESTART_PAYLOAD = json.dumps({"reason": "restart_after_critical_error"})


def _between(rng: random.Random, low: int, high: int) -> int:
    """A whole number in [low, high]; ``randint`` is several times slower in this hot loop."""
    return low + int(rng.random() * (high - low + 1))


def _draw_count(rng: random.Random, mean: float) -> int:
    """A count with the given mean and some spread: never negative, never a fixed pattern."""
    value = mean * rng.uniform(0.6, 1.4)
    whole = int(value)
    return whole + (rng.random() < value - whole)


class DeviceSimulator:
    """One prosthesis, one day at a time. Keeps the battery level and any open outage."""

    def __init__(self, device: DeviceLife, seed: int, grips_per_hour: float, readings_per_hour: float):
        self.device = device
        self.id = device.prosthetic_id
        self.rng = random.Random(f"telemetry:{seed}:{device.prosthetic_id}")
        self.grips_per_hour = grips_per_hour
        self.readings_per_hour = readings_per_hour
        self.grip_payloads = [json.dumps({"pattern": name}) for name in words.GRIP_PATTERNS[device.kind]]
        base_draw = 450 if device.kind == "leg" else 250
        self.draw_ma = base_draw * self.rng.uniform(0.85, 1.15)
        self.charge_ma = device.battery_capacity_mah * self.rng.uniform(0.3, 0.4)
        self.battery_pct = 100.0
        self.outage_open = False

    def day(self, day_start: dt.datetime, events: list, readings: list) -> None:
        """Appends the day's (second, id, type, code, payload) events and reading tuples."""
        opens = max(0, int((self.device.active_from - day_start).total_seconds()))
        closes = min(DAY_S, int((self.device.active_until - day_start).total_seconds()))
        if closes - opens < HOUR_S or self.rng.random() < UNUSED_DAY_PROBABILITY:
            return
        last_end = None
        for start, end in self._session_plan(opens, closes):
            last_end = self._session(start, end, events, readings)
        if last_end is not None and not self.outage_open and self.rng.random() < CHARGE_PROBABILITY:
            self._charge(last_end, closes, events, readings)

    def _session_plan(self, opens: int, closes: int) -> list[tuple[int, int]]:
        uniform = self.rng.uniform
        if self.rng.random() < TWO_SESSION_PROBABILITY:
            plan = [(uniform(4, 6.5), uniform(10, 12)), (uniform(13, 15), uniform(18.5, 20))]
        else:
            plan = [(uniform(4, 7), uniform(18, 20))]
        sessions = []
        for start_h, end_h in plan:
            start, end = max(int(start_h * HOUR_S), opens + 60), min(int(end_h * HOUR_S), closes - 60)
            if end - start >= HOUR_S:
                sessions.append((start, end))
        return sessions

    def _session(self, start: int, end: int, events: list, readings: list) -> int | None:
        """Simulates one power session; returns its power_off second, or None after a critical error
        that left the device down."""
        rng = self.rng
        on_periods = self._on_periods(start, end, events)
        for period_start, period_end in on_periods:
            self._grips(period_start, period_end, events)
            self._discharge_readings(period_start, period_end, readings)
        if rng.random() < ERROR_PROBABILITY:
            period_start, period_end = rng.choice(on_periods)
            code, message = rng.choice(words.ERRORS)
            second = _between(rng, period_start + 1, period_end - 1)
            events.append((second, self.id, "error", code, json.dumps({"message": message})))
        if self.outage_open:
            return None
        events.append((end, self.id, "power_off", None, None))
        return end

    def _on_periods(self, start: int, end: int, events: list) -> list[tuple[int, int]]:
        """The stretches the device was on, with a critical error (and maybe a restart) inside."""
        rng = self.rng
        restart = self.outage_open
        self.outage_open = False
        events.append((start, self.id, "power_on", None, RESTART_PAYLOAD if restart else None))
        if rng.random() >= CRITICAL_PROBABILITY:
            return [(start, end)]
        failed_at = _between(rng, start + 600, end - 600) if end - start > 1800 else start + 60
        code, message = rng.choice(words.CRITICAL_ERRORS)
        events.append((failed_at, self.id, "critical_error", code, json.dumps({"message": message})))
        restart_at = failed_at + _between(rng, 300, 2 * HOUR_S)
        if rng.random() < RESTART_SAME_DAY_PROBABILITY and restart_at < end - 1800:
            events.append((restart_at, self.id, "power_on", None, RESTART_PAYLOAD))
            return [(start, failed_at), (restart_at, end)]
        self.outage_open = True
        return [(start, failed_at)]

    def _grips(self, start: int, end: int, events: list) -> None:
        rng = self.rng
        payloads = self.grip_payloads
        last = end - 61
        if last <= start + 1:
            return
        for _ in range(_draw_count(rng, self.grips_per_hour * (end - start) / HOUR_S)):
            second = _between(rng, start + 1, last)
            events.append((second, self.id, "grip", None, payloads[int(rng.random() * len(payloads))]))
            events.append((second + _between(rng, 1, 60), self.id, "release", None, None))

    def _discharge_readings(self, start: int, end: int, readings: list) -> None:
        rng = self.rng
        drain_per_s = self.draw_ma / self.device.battery_capacity_mah * 100 / HOUR_S
        level = self.battery_pct
        for _ in range(_draw_count(rng, self.readings_per_hour * (end - start) / HOUR_S)):
            second = _between(rng, start, end)
            pct = max(2.0, level - drain_per_s * (second - start))
            current = int(self.draw_ma * rng.uniform(0.8, 1.3))
            readings.append((second, self.id, pct, current, rng.uniform(29, 35), False))
        self.battery_pct = max(2.0, level - drain_per_s * (end - start))

    def _charge(self, last_end: int, closes: int, events: list, readings: list) -> None:
        rng = self.rng
        rate_per_s = self.charge_ma / self.device.battery_capacity_mah * 100 / HOUR_S
        starts = last_end + _between(rng, 600, HOUR_S)
        ends = starts + int((99.5 - self.battery_pct) / rate_per_s) + _between(rng, 60, 900)
        if ends >= closes - 60:
            return
        level = self.battery_pct
        events.append((starts, self.id, "charge_start", None, json.dumps({"battery_pct": round(level)})))
        for _ in range(_draw_count(rng, CHARGE_READINGS)):
            second = _between(rng, starts, ends)
            pct = min(100.0, level + rate_per_s * (second - starts))
            current = int(self.charge_ma * rng.uniform(0.9, 1.05))
            readings.append((second, self.id, pct, current, rng.uniform(33, 39), True))
        events.append((ends, self.id, "charge_end", None, json.dumps({"battery_pct": 100})))
        self.battery_pct = 100.0


class TelemetryChunk(NamedTuple):
    events: list[EventRow]
    readings: list[BatteryReadingRow]
    days_done: int  # days of the window generated so far


class TelemetryStream:
    """Yields chunks of whole days of events and readings, ids increasing with time."""

    def __init__(self, config: DemoConfig, devices: list[DeviceLife]):
        self.config = config
        device_days = sum(device.active_days for device in devices) or 1.0
        used_days = device_days * (1 - UNUSED_DAY_PROBABILITY)
        on_hours = used_days * MEAN_ON_HOURS_PER_DAY
        events_target = BRIEF_EVENTS * config.volume
        readings_target = BRIEF_READINGS * config.volume
        grips_per_hour = max(0.0, (events_target - used_days * FIXED_EVENTS_PER_DAY) / 2 / on_hours)
        charge_readings = used_days * CHARGE_PROBABILITY * CHARGE_READINGS
        readings_per_hour = max(0.0, (readings_target - charge_readings) / on_hours)
        self.simulators = [
            DeviceSimulator(device, config.seed, grips_per_hour, readings_per_hour) for device in devices
        ]
        self.sync_rng = random.Random(f"sync:{config.seed}")
        self.next_event_id = self.next_reading_id = 1

    def chunks(self, rows_per_chunk: int = 50_000) -> Iterator[TelemetryChunk]:
        events: list[EventRow] = []
        readings: list[BatteryReadingRow] = []
        day_start = self.config.start
        days_done = 0
        while day_start < self.config.end:
            raw_events, raw_readings, synced = self._day(day_start)
            self._add_events(events, day_start, raw_events, synced)
            self._add_readings(readings, day_start, raw_readings, synced)
            day_start += DAY
            days_done += 1
            if len(events) + len(readings) >= rows_per_chunk:
                yield TelemetryChunk(events, readings, days_done)
                events, readings = [], []
        if events or readings:
            yield TelemetryChunk(events, readings, days_done)

    def _day(self, day_start: dt.datetime) -> tuple[list[tuple], list[tuple], dict[int, int]]:
        """The day's raw events and readings in time order, and which devices synced it late."""
        raw_events: list[tuple] = []
        raw_readings: list[tuple] = []
        synced: dict[int, int] = {}
        for simulator in self.simulators:
            simulator.day(day_start, raw_events, raw_readings)
            if self.sync_rng.random() < LATE_SYNC_PROBABILITY:
                # The device was offline: the whole day arrives in one sync days later.
                synced_at = day_start + self.sync_rng.uniform(1.5, 4.5) * DAY
                if synced_at < self.config.end:
                    synced[simulator.id] = int((synced_at - day_start).total_seconds())
        # Sorting by second only keeps each device's own order for events in the same second.
        raw_events.sort(key=lambda event: event[0])
        raw_readings.sort(key=lambda reading: reading[0])
        return raw_events, raw_readings, synced

    def _add_events(self, rows: list, day_start: dt.datetime, raw_events: list[tuple], synced: dict) -> None:
        random_ = self.sync_rng.random
        second = dt.timedelta(seconds=1)
        next_id = self.next_event_id
        for offset, (at, prosthetic_id, event_type, error_code, payload) in enumerate(raw_events):
            received = synced.get(prosthetic_id) or at + 1 + int(random_() * GATEWAY_DELAY_S)
            rows.append(
                make_row(
                    EventRow,
                    (
                        next_id + offset,
                        prosthetic_id,
                        event_type,
                        day_start + at * second,
                        day_start + received * second,
                        error_code,
                        payload,
                    ),
                )
            )
        self.next_event_id += len(raw_events)

    def _add_readings(
        self, rows: list, day_start: dt.datetime, raw_readings: list[tuple], synced: dict
    ) -> None:
        random_ = self.sync_rng.random
        second = dt.timedelta(seconds=1)
        next_id = self.next_reading_id
        for offset, (at, prosthetic_id, pct, current, temperature, charging) in enumerate(raw_readings):
            received = synced.get(prosthetic_id) or at + 1 + int(random_() * GATEWAY_DELAY_S)
            voltage = 6.4 + 2.0 * pct / 100 + (0.1 if charging else 0.0)
            rows.append(
                BatteryReadingRow(
                    next_id + offset,
                    prosthetic_id,
                    day_start + at * second,
                    Decimal(f"{pct:.2f}"),
                    Decimal(f"{voltage:.3f}"),
                    current,
                    Decimal(f"{temperature:.1f}"),
                    charging,
                    day_start + received * second,
                )
            )
        self.next_reading_id += len(raw_readings)
