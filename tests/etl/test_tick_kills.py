"""A refresh tick killed anywhere is completed by the next tick (issue 11).

``manage.py refresh_marts`` processes are SIGKILLed at ClickHouse statements spread over a whole
tick: while draining the slot into the mirrors (before the mirror write, inside it), in every step
of the run, and between the partition swaps of both marts (``portal/etl/faults.py`` counts the
statements). Each kill follows one new change of a rotating kind. The next tick, in this process,
must leave the marts equal to a full rebuild, and in the change feed's mode every mirror equal to
its source table (``FINAL``: one row per source row, no duplicate left by the killed write). Both
modes: the change feed needs PostgreSQL with logical replication (CI); watermark mode runs here.
"""

import datetime as dt
import itertools
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings

from portal.etl.faults import KILL_AT_VARIABLE
from portal.etl.feed.mirrors import MIRRORED_COLUMNS
from portal.etl.models import EtlRun
from portal.etl.refresh import refresh_marts
from portal.telemetry.models import Event
from tests.support.etl import assert_marts_equal_a_full_rebuild, process_env
from tests.support.factories import (
    BatteryMetricFactory,
    CrmUserFactory,
    EventFactory,
    PaymentFactory,
    ProstheticFactory,
    SubscriptionFactory,
    SupportTicketFactory,
    utc,
)
from tests.support.feed import mirror_rows, source_rows

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

# Every STRIDE-th statement, alternately before it and a few milliseconds into it; at most
# MAX_KILLS kills per mode, so CI spends a few minutes here.
STRIDE = int(os.environ.get("TICK_KILL_TEST_STRIDE", "5"))
MAX_KILLS = 16


@pytest.fixture(params=["watermark", "logical"])
def tick_mode(request, etl_clickhouse):
    """The mode's name and what the killed processes need in their environment for it."""
    if request.param == "logical":
        request.getfixturevalue("change_feed")
        yield "logical", {}
    else:
        with override_settings(CHANGE_FEED_ENABLED=False):
            yield "watermark", {"CHANGE_FEED_ENABLED": "false"}


def a_customer():
    owner = CrmUserFactory(created_at=utc(2024, 1, 5))
    arm = ProstheticFactory(user=owner, activated_at=utc(2024, 1, 6))
    SubscriptionFactory(user=owner, prosthetic=arm, started_on=dt.date(2024, 1, 6), monthly_cost="2990.00")
    PaymentFactory(user=owner, paid_at=utc(2024, 2, 1, 10), status="success", amount="2990.00")
    EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 2, 5, 8))
    EventFactory(prosthetic_id=arm.pk, event_type="power_off", occurred_at=utc(2024, 2, 5, 12))
    return owner, arm


def changes(owner, arm, mode: str) -> list[Callable[[int], None]]:
    """One change of each kind; ``n`` makes every application differ."""

    def late_event(n):
        EventFactory(prosthetic_id=arm.pk, event_type="grip", occurred_at=utc(2024, 3, 1 + n % 27, 9))

    def critical_error(n):
        EventFactory(prosthetic_id=arm.pk, event_type="critical_error", occurred_at=utc(2024, 4, 1 + n % 27))

    def payment_moved(n):
        payment = owner.payments.order_by("id").first()
        payment.paid_at = utc(2024, 2 + n % 5, 3)
        payment.save()

    def payment_added_and_one_deleted(n):
        PaymentFactory(user=owner, paid_at=utc(2024, 5, 1 + n % 27), status="success", amount=Decimal(n + 1))
        if owner.payments.count() > 3:
            owner.payments.order_by("-id")[1].delete()

    def subscription_cost(n):
        subscription = owner.subscriptions.get()
        subscription.monthly_cost = Decimal("2990.00") + n
        subscription.save()

    def ticket_and_reading(n):
        SupportTicketFactory(user=owner, prosthetic=arm, created_at=utc(2024, 6, 1 + n % 27))
        BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=utc(2024, 6, 2 + n % 27))

    def telemetry_revised(n):
        event = Event.objects.filter(prosthetic_id=arm.pk).order_by("id").first()
        event.occurred_at = utc(2024, 2 + n % 5, 4, 10)
        event.save()
        Event.objects.filter(prosthetic_id=arm.pk).order_by("-id").first().delete()

    return [
        telemetry_revised,
        late_event,
        payment_moved,
        critical_error,
        subscription_cost,
        payment_added_and_one_deleted,
        ticket_and_reading,
    ]


def kill_spec(point: int, kill: int) -> str:
    """Alternately killed before the statement and 3 ms into it."""
    return str(point) if kill % 2 == 0 else f"{point}+3"


def killed_tick(point: str, mode_env: dict) -> int:
    process = subprocess.run(
        [sys.executable, "manage.py", "refresh_marts"],
        cwd=settings.BASE_DIR,
        env=process_env(**mode_env, **{KILL_AT_VARIABLE: point}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=180,
    )
    assert process.returncode in (0, -signal.SIGKILL), process.stderr[-2000:]
    return process.returncode


def last_successful_run() -> EtlRun:
    return EtlRun.objects.filter(status=EtlRun.Status.SUCCESS).order_by("-id").first()


def test_a_tick_killed_anywhere_is_completed_by_the_next_tick(tick_mode):
    mode, mode_env = tick_mode
    owner, arm = a_customer()
    assert refresh_marts().run_id is not None
    kinds = itertools.cycle(changes(owner, arm, mode))
    kills = 0
    for number, point in enumerate(itertools.count(1, STRIDE)):
        if kills == MAX_KILLS:
            break
        next(kinds)(number)
        if killed_tick(kill_spec(point, number), mode_env) == 0:
            break  # past the tick's last statement: it completed
        kills += 1

        result = refresh_marts()

        assert not result.skipped, result.skipped  # the killed tick's run does not block it
        assert_marts_equal_a_full_rebuild(last_successful_run().data_as_of)
        if mode == "logical":
            for table in MIRRORED_COLUMNS:
                assert mirror_rows(table) == source_rows(table), (table, point)
    print(f"{kills} ticks killed ({mode}), the last at statement {point}")
    assert kills >= 8, f"only {kills} kill points: is the kill switch armed in the tick?"
