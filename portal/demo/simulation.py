"""Live-looking activity for the demo customers, so a newcomer can watch a report change.

Every step (a few seconds of wall time) each active demo prosthesis reports what a device in use
reports: sometimes a whole short session (power_on, grips and releases, power_off) with battery
readings, now and then an error; and now and then a customer pays their subscription. Rows are
stamped with the real time, so the refresh tick picks them up within a minute.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from portal.crm.models import Payment, Prosthetic, Subscription
from portal.demo.config import DEMO_EMAIL_DOMAIN
from portal.telemetry.models import BatteryMetric, Event

SESSION_CHANCE = 0.3  # per prosthesis and step
ERROR_CHANCE = 0.03
PAYMENT_CHANCE = 0.01  # per customer and step


@dataclass
class StepFigures:
    events: int = 0
    readings: int = 0
    payments: int = 0


def simulate_step(rng: random.Random, *, now: dt.datetime | None = None) -> StepFigures:
    now = now or timezone.now()
    figures = StepFigures()
    events: list[Event] = []
    readings: list[BatteryMetric] = []
    for prosthetic in _active_demo_prostheses():
        if rng.random() < SESSION_CHANCE:
            events.extend(_session(rng, prosthetic.pk, now))
            readings.append(_reading(rng, prosthetic.pk, now))
        if rng.random() < ERROR_CHANCE:
            events.append(
                Event(prosthetic_id=prosthetic.pk, event_type="error", occurred_at=now, received_at=now,
                      error_code=rng.choice(["E101", "E204", "E310"]))
            )  # fmt: skip
    Event.objects.bulk_create(events)
    BatteryMetric.objects.bulk_create(readings)
    figures.events, figures.readings = len(events), len(readings)
    for subscription in _active_demo_subscriptions():
        if rng.random() < PAYMENT_CHANCE:
            Payment.objects.create(
                user_id=subscription.user_id, subscription=subscription, amount=subscription.monthly_cost,
                currency="RUB", status="success", method="card", paid_at=now,
            )  # fmt: skip
            figures.payments += 1
    return figures


def _session(rng: random.Random, prosthetic_id: int, now: dt.datetime) -> list[Event]:
    """A short session that ended just now: it counts once data_as_of passes its end."""
    grips = rng.randint(1, 4)
    start = now - dt.timedelta(seconds=2 * grips + 2)
    kinds = ["power_on", *(kind for _ in range(grips) for kind in ("grip", "release")), "power_off"]
    return [
        Event(prosthetic_id=prosthetic_id, event_type=kind, occurred_at=start + dt.timedelta(seconds=i),
              received_at=now)
        for i, kind in enumerate(kinds)
    ]  # fmt: skip


def _reading(rng: random.Random, prosthetic_id: int, now: dt.datetime) -> BatteryMetric:
    return BatteryMetric(
        prosthetic_id=prosthetic_id, measured_at=now, received_at=now, is_charging=False,
        charge_pct=round(rng.uniform(20, 95), 2), voltage_v=round(rng.uniform(3.6, 4.1), 3),
        current_ma=rng.randint(250, 900), temperature_c=round(rng.uniform(24, 36), 1),
    )  # fmt: skip


def _active_demo_prostheses():
    return Prosthetic.objects.filter(
        status=Prosthetic.Status.ACTIVE, user__email__endswith=f"@{DEMO_EMAIL_DOMAIN}"
    ).only("pk")


def _active_demo_subscriptions():
    return Subscription.objects.filter(
        status=Subscription.Status.ACTIVE, user__email__endswith=f"@{DEMO_EMAIL_DOMAIN}"
    ).only("pk", "user_id", "monthly_cost")
