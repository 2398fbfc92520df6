"""The refresh tick: after one tick the marts equal a full rebuild, in both modes (change feed on
PostgreSQL with logical replication; watermark elsewhere), and a tick with nothing new records
nothing."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from portal.clickhouse import client as client_module
from portal.clickhouse import keeper
from portal.clickhouse.client import current_keeper
from portal.clickhouse.keeper import not_kept
from portal.crm.models import User
from portal.etl import pipeline, refresh, runs, tasks
from portal.etl.feed.publications import FEEDS
from portal.etl.models import EtlRun
from portal.etl.refresh import refresh_marts
from portal.telemetry.models import ROW_CHANGES_KEPT, BatteryMetric, Event
from tests.support.etl import PROSTHETIC_MART, USER_MART, assert_marts_equal_a_full_rebuild, mart_rows
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

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture(params=["watermark", "logical"])
def tick_mode(request, etl_clickhouse):
    """Each scenario in both modes; the change feed's mode needs logical replication (CI)."""
    if request.param == "logical":
        request.getfixturevalue("change_feed")
        yield "logical"
    else:
        with override_settings(CHANGE_FEED_ENABLED=False):
            yield "watermark"


def tick() -> EtlRun:
    result = refresh_marts()
    assert not result.skipped, result.skipped
    assert result.run_id is not None, "the tick found no change"
    run = EtlRun.objects.get(pk=result.run_id)
    assert run.status == EtlRun.Status.SUCCESS, run.error
    return run


def customer_with_history():
    owner = CrmUserFactory(created_at=utc(2024, 1, 5))
    arm = ProstheticFactory(user=owner, activated_at=utc(2024, 1, 6))
    SubscriptionFactory(user=owner, prosthetic=arm, started_on=utc(2024, 1, 6).date(), monthly_cost="2990.00")
    payment = PaymentFactory(user=owner, paid_at=utc(2024, 2, 1, 10), status="success", amount="2990.00")
    EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 2, 5, 8))
    EventFactory(prosthetic_id=arm.pk, event_type="power_off", occurred_at=utc(2024, 2, 5, 12))
    BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=utc(2024, 2, 5, 9))
    return owner, arm, payment


def test_a_tick_brings_every_kind_of_change_into_the_marts(tick_mode):
    owner, arm, payment = customer_with_history()
    other = CrmUserFactory(created_at=utc(2024, 6, 1))
    PaymentFactory(user=other, paid_at=utc(2024, 6, 2), status="success")
    first = tick()
    assert first.reads_mirrors == (tick_mode == "logical")

    # A late event for a month a year and more ago, a session crossing a month boundary, a
    # critical error, a payment moved between months, a new ticket, an edited prosthesis and
    # subscription, a deleted customer, telemetry moved in place (the February session starts in
    # January now) and telemetry deleted (the session loses its end, February its battery reading).
    EventFactory(prosthetic_id=arm.pk, event_type="critical_error", occurred_at=utc(2024, 3, 31, 23))
    EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 4, 2, 7))
    EventFactory(prosthetic_id=arm.pk, event_type="power_off", occurred_at=utc(2024, 4, 2, 9))
    payment.paid_at = utc(2024, 5, 3)
    payment.save()
    SupportTicketFactory(user=owner, prosthetic=arm, created_at=utc(2024, 5, 4), resolved_at=utc(2024, 6, 1))
    arm.model = "BionicPRO X3"  # copied into every month of the prosthesis
    arm.save()
    subscription = owner.subscriptions.get()
    subscription.monthly_cost = "3990.00"
    subscription.save()
    other.payments.all().delete()  # the CRM protects a customer's payments: they go first
    User.objects.filter(pk=other.pk).delete()
    Event.objects.filter(prosthetic_id=arm.pk, event_type="power_on").update(occurred_at=utc(2024, 1, 30, 8))
    Event.objects.filter(prosthetic_id=arm.pk, event_type="power_off").delete()
    BatteryMetric.objects.filter(prosthetic_id=arm.pk).delete()

    second = tick()

    assert {"2024-01", "2024-02", "2024-03", "2024-05"} <= set(second.months_recomputed)
    assert_marts_equal_a_full_rebuild(second.data_as_of)


def test_a_tick_with_nothing_new_records_nothing(tick_mode):
    customer_with_history()
    tick()
    runs_before = EtlRun.objects.count()

    result = refresh_marts()

    assert (result.run_id, result.skipped, result.changes) == (None, "", 0)
    assert EtlRun.objects.count() == runs_before


def test_a_failed_tick_is_retried_by_the_next_one(tick_mode):
    _owner, arm, _payment = customer_with_history()
    tick()
    EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 7, 1))
    with override_settings(CLICKHOUSE_DATABASE="no_such_database"), pytest.raises(Exception, match="no_such"):
        refresh_marts()

    again = tick()

    assert "2024-07" in again.months_recomputed
    assert_marts_equal_a_full_rebuild(again.data_as_of)


def test_the_nightly_run_after_ticks_changes_no_cell_and_keeps_data_as_of(tick_mode):
    _owner, arm, _payment = customer_with_history()
    tick()
    EventFactory(prosthetic_id=arm.pk, event_type="error", occurred_at=utc(2024, 8, 1))
    ticked = tick()
    before = {table: mart_rows(table) for table in (USER_MART, PROSTHETIC_MART)}

    nightly = runs.create_run(trigger=EtlRun.Trigger.SCHEDULE)
    pipeline.run_all(nightly.pk, token="nightly")
    nightly.refresh_from_db()

    assert nightly.status == EtlRun.Status.SUCCESS, nightly.error
    assert nightly.data_as_of == ticked.data_as_of
    assert {table: mart_rows(table) for table in (USER_MART, PROSTHETIC_MART)} == before


def test_changes_a_dead_tick_drained_but_never_applied_are_applied_by_the_next(change_feed):
    _owner, arm, _payment = customer_with_history()
    tick()
    EventFactory(prosthetic_id=arm.pk, event_type="critical_error", occurred_at=utc(2024, 9, 2))
    # A tick that drained the slot into the mirrors and advanced it, then died before its run.
    refresh._drain(list(FEEDS), timezone.now())

    again = tick()  # the slot is empty now: only its moved position tells

    assert "2024-09" in again.months_recomputed
    assert_marts_equal_a_full_rebuild(again.data_as_of)


def test_telemetry_deleted_at_the_source_leaves_the_marts(tick_mode):
    _owner, arm, _payment = customer_with_history()
    outage = EventFactory(prosthetic_id=arm.pk, event_type="critical_error", occurred_at=utc(2024, 3, 10))
    tick()

    outage.delete()  # March is up again, and so is every month after it
    BatteryMetric.objects.filter(prosthetic_id=arm.pk).delete()  # February loses its only reading
    EventFactory(prosthetic_id=arm.pk, event_type="grip", occurred_at=utc(2024, 6, 1))  # and one new row
    revised = tick()

    assert {"2024-02", "2024-03", "2024-06"} <= set(revised.months_recomputed)
    assert "2024-01" not in revised.months_recomputed
    tables = revised.steps["extract_telemetry"]["tables"]
    assert (tables["events"]["revised"], tables["battery_metrics"]["revised"]) == (1, 1)
    assert_marts_equal_a_full_rebuild(revised.data_as_of)


def test_telemetry_changed_or_deleted_in_place_reaches_the_marts(tick_mode):
    _owner, arm, _payment = customer_with_history()
    outage = EventFactory(prosthetic_id=arm.pk, event_type="critical_error", occurred_at=utc(2024, 3, 10))
    restart = EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 3, 12))
    reading = BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=utc(2024, 3, 11))
    tick()

    outage.occurred_at = utc(2024, 4, 20)  # moved to another month
    outage.save()
    Event.objects.filter(prosthetic_id=arm.pk, event_type="power_off").update(event_type="error")
    restart.delete()  # the outage now runs on until the next power_on (none)
    reading.delete()
    revised = tick()

    assert {"2024-02", "2024-03", "2024-04"} <= set(revised.months_recomputed)
    assert revised.steps["extract_telemetry"]["tables"]["events"]["revised"] == 3
    assert_marts_equal_a_full_rebuild(revised.data_as_of)


def test_a_change_drained_past_a_ticks_data_as_of_counts_from_the_next_tick(change_feed, monkeypatch):
    owner, arm, _payment = customer_with_history()
    tick()
    real_drain = refresh.drain

    def drain_then_commit_telemetry(feed, client, **options):
        outcome = real_drain(feed, client, **options)
        if feed.alias == "crm":  # after the CRM slot was emptied: the tick's data_as_of is earlier
            now = timezone.now()
            EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=now, received_at=now)
        return outcome

    PaymentFactory(user=owner, paid_at=utc(2024, 3, 1), status="success")
    monkeypatch.setattr(refresh, "drain", drain_then_commit_telemetry)
    drained_late = tick()
    monkeypatch.undo()

    following = refresh_marts()  # nothing new in any slot, yet the event does not count yet

    assert following.run_id is not None
    run = EtlRun.objects.get(pk=following.run_id)
    assert run.data_as_of > drained_late.data_as_of
    assert_marts_equal_a_full_rebuild(run.data_as_of)


def test_a_change_landing_while_a_tick_runs_is_applied_by_the_tick_that_follows_at_once(
    tick_mode, monkeypatch
):
    _owner, arm, _payment = customer_with_history()
    tick()
    EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 10, 1))
    run_all = pipeline.run_all
    landed = []

    def run_while_a_change_lands(run_id, **kwargs):
        run_all(run_id, **kwargs)
        if not landed:  # committed after this tick drained and read the sources
            landed.append(
                EventFactory(prosthetic_id=arm.pk, event_type="critical_error", occurred_at=utc(2024, 11, 3))
            )

    monkeypatch.setattr(pipeline, "run_all", run_while_a_change_lands)

    results = refresh.refresh_until_caught_up(budget_seconds=60)

    assert [result.run_id is not None for result in results] == [True, True, False]
    follow_up = EtlRun.objects.get(pk=results[1].run_id)
    assert "2024-11" in follow_up.months_recomputed
    assert_marts_equal_a_full_rebuild(follow_up.data_as_of)


def test_catching_up_stops_at_once_when_nothing_is_new(tick_mode):
    customer_with_history()
    tick()

    results = refresh.refresh_until_caught_up(budget_seconds=60)

    assert [(result.run_id, result.skipped) for result in results] == [(None, "")]


def test_the_refresh_task_keeps_embedded_clickhouse_running_between_ticks(tick_mode, monkeypatch):
    """The refresher's task starts the engine once, not once per tick (portal/etl/tasks.py)."""
    _owner, arm, _payment = customer_with_history()
    opened = []
    open_locked = client_module.open_locked

    def counted_open(*args, **kwargs):
        opened.append(1)
        return open_locked(*args, **kwargs)

    monkeypatch.setattr(client_module, "open_locked", counted_open)
    with not_kept():  # this process as a refresher's pool process is: no keeper yet
        try:
            assert tasks.refresh_marts()["run_ids"]
            EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 10, 1))
            assert tasks.refresh_marts()["run_ids"]
            assert current_keeper() is not None
        finally:
            keeper.stop_keeping_for_process()
    assert len(opened) == 1
    assert_marts_equal_a_full_rebuild(EtlRun.objects.latest("id").data_as_of)


@pytest.fixture
def watermark_mode(etl_clickhouse):
    with override_settings(CHANGE_FEED_ENABLED=False):
        yield


def test_by_watermark_a_reading_updated_in_place_is_applied_once(watermark_mode):
    _owner, arm, _payment = customer_with_history()
    reading = BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=utc(2024, 3, 11), current_ma=100)
    tick()

    reading.current_ma = 900  # its only change: same received_at, same row count
    reading.save()
    updated = tick()

    assert updated.steps["extract_telemetry"]["tables"]["battery_metrics"]["revised"] == 1
    assert "2024-03" in updated.months_recomputed
    assert_marts_equal_a_full_rebuild(updated.data_as_of)

    # The next tick re-reads the logged change (it is inside the overlap) and finds it applied.
    EventFactory(prosthetic_id=arm.pk, event_type="grip", occurred_at=utc(2024, 6, 1))
    later = tick()

    assert later.steps["extract_telemetry"]["tables"]["battery_metrics"]["revised"] == 0
    assert "2024-03" not in later.months_recomputed
    assert_marts_equal_a_full_rebuild(later.data_as_of)


def test_by_watermark_a_baseline_older_than_the_change_log_reads_telemetry_in_full(watermark_mode):
    _owner, arm, _payment = customer_with_history()
    baseline = tick()
    # As if the last run were older than the log keeps: updates since may have been pruned.
    stale = dict(baseline.watermarks)
    for table in ("events", "battery_metrics"):
        stale[f"{table}@changed"] = (timezone.now() - ROW_CHANGES_KEPT - dt.timedelta(days=2)).isoformat()
    EtlRun.objects.filter(pk=baseline.pk).update(watermarks=stale)
    EventFactory(prosthetic_id=arm.pk, event_type="grip", occurred_at=utc(2024, 6, 1))

    run = tick()

    tables = run.steps["extract_telemetry"]["tables"]  # a run copying only new rows writes 1 and 0
    assert tables["events"]["written"] == Event.objects.count() > 1
    assert tables["battery_metrics"]["written"] == BatteryMetric.objects.count() > 0
    assert_marts_equal_a_full_rebuild(run.data_as_of)
