"""Nightly runs read only what changed since the last successful run and recompute exactly the
months those changes touch; the result is always what a full rebuild would compute."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.etl.models import EtlRun
from tests.support.etl import (
    PROSTHETIC_MART,
    USER_MART,
    assert_marts_equal_a_full_rebuild,
    etl_db,
    mart_rows,
    run_etl,
)
from tests.support.factories import (
    CrmUserFactory,
    EventFactory,
    PaymentFactory,
    ProstheticFactory,
    SubscriptionFactory,
    utc,
)

FIRST_AS_OF = utc(2024, 3, 15)
NEXT_AS_OF = utc(2024, 3, 16)


@pytest.fixture
def world(etl_clickhouse):
    owner = CrmUserFactory(created_at=utc(2024, 1, 5))
    arm = ProstheticFactory(user=owner, activated_at=utc(2024, 1, 6))
    SubscriptionFactory(user=owner, started_on=dt.date(2024, 1, 6))
    payment = PaymentFactory(user=owner, paid_at=utc(2024, 2, 10), amount=Decimal("4990.00"))
    PaymentFactory(user=owner, paid_at=utc(2024, 2, 11), amount=Decimal("10.00"))
    EventFactory(prosthetic_id=arm.pk, event_type="critical_error", occurred_at=utc(2024, 1, 10))
    EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 3, 5))
    EventFactory(prosthetic_id=arm.pk, event_type="power_off", occurred_at=utc(2024, 3, 5, 2))
    first = run_etl(data_as_of=FIRST_AS_OF)
    assert first.status == "success" and first.mode == EtlRun.Mode.FULL, first.error
    return {"owner": owner, "arm": arm, "payment": payment}


def late_event(prosthetic, event_type, occurred_at):
    return EventFactory(
        prosthetic_id=prosthetic.pk,
        event_type=event_type,
        occurred_at=occurred_at,
        received_at=timezone.now(),
    )


@etl_db
def test_a_late_event_recomputes_its_own_month(world):
    late_event(world["arm"], "error", utc(2024, 2, 3))

    run = run_etl(data_as_of=NEXT_AS_OF)

    assert run.mode == EtlRun.Mode.INCREMENTAL
    assert run.months_recomputed == ["2024-02", "2024-03"]  # its month, and March, whose interval grew
    assert mart_rows(PROSTHETIC_MART)[(world["arm"].pk, "2024-02")]["error_count"] == 1
    assert_marts_equal_a_full_rebuild(NEXT_AS_OF)


@etl_db
def test_a_late_power_on_closes_an_old_outage_in_every_month_it_spanned(world):
    arm = world["arm"]
    assert mart_rows(PROSTHETIC_MART)[(arm.pk, "2024-02")]["uptime_pct"] == Decimal("0.00")

    late_event(arm, "power_on", utc(2024, 1, 20))

    run = run_etl(data_as_of=NEXT_AS_OF)

    assert run.months_recomputed == ["2024-01", "2024-02", "2024-03"]
    rows = mart_rows(PROSTHETIC_MART)
    assert rows[(arm.pk, "2024-02")]["uptime_pct"] == Decimal("100.00")
    assert rows[(arm.pk, "2024-01")]["downtime_minutes"] == Decimal(10 * 24 * 60)
    assert_marts_equal_a_full_rebuild(NEXT_AS_OF)


@etl_db
def test_a_late_power_off_ends_a_session_started_in_an_earlier_month(world):
    arm = world["arm"]
    late_event(arm, "power_on", utc(2024, 1, 31, 23))
    run_etl(data_as_of=FIRST_AS_OF)
    late_event(arm, "power_off", utc(2024, 2, 1, 1))

    run = run_etl(data_as_of=NEXT_AS_OF)

    assert run.months_recomputed == ["2024-01", "2024-02", "2024-03"]
    assert mart_rows(PROSTHETIC_MART)[(arm.pk, "2024-01")]["total_active_hours"] == Decimal("2.00")
    assert_marts_equal_a_full_rebuild(NEXT_AS_OF)


@etl_db
def test_a_deleted_payment_disappears_from_its_month_after_the_next_run(world):
    owner = world["owner"]
    assert mart_rows(USER_MART)[(owner.pk, "2024-02")]["total_payments"] == Decimal("5000.00")

    world["payment"].delete()
    run = run_etl(data_as_of=NEXT_AS_OF)

    assert run.months_recomputed == ["2024-02", "2024-03"]
    assert mart_rows(USER_MART)[(owner.pk, "2024-02")]["total_payments"] == Decimal("10.00")
    assert_marts_equal_a_full_rebuild(NEXT_AS_OF)


@etl_db
def test_a_changed_subscription_recomputes_the_months_it_was_or_is_active(world):
    owner = world["owner"]
    subscription = owner.subscriptions.get()
    subscription.started_on = dt.date(2024, 2, 20)
    subscription.save()

    run = run_etl(data_as_of=NEXT_AS_OF)

    assert run.months_recomputed == ["2024-01", "2024-03"]  # February is active before and after
    assert mart_rows(USER_MART)[(owner.pk, "2024-01")]["active_subscriptions_count"] == 0
    assert_marts_equal_a_full_rebuild(NEXT_AS_OF)


@etl_db
def test_a_renamed_prosthesis_is_rewritten_in_every_month(world):
    arm = world["arm"]
    arm.serial_number = "BP-RENAMED-1"
    arm.save()

    run = run_etl(data_as_of=NEXT_AS_OF)

    assert run.months_recomputed == ["2024-01", "2024-02", "2024-03"]
    assert {row["serial_number"] for row in mart_rows(PROSTHETIC_MART).values()} == {"BP-RENAMED-1"}


@etl_db
def test_a_new_month_starts_when_data_as_of_crosses_into_it_and_closes_the_previous_one(world):
    arm = world["arm"]
    late_event(arm, "power_on", utc(2024, 3, 31, 23))
    late_event(arm, "power_off", utc(2024, 4, 1, 1))
    run_etl(data_as_of=utc(2024, 4, 1))
    assert mart_rows(PROSTHETIC_MART)[(arm.pk, "2024-03")]["total_active_hours"] == Decimal("2.00")

    run = run_etl(data_as_of=utc(2024, 4, 2))

    assert run.months_recomputed == ["2024-03", "2024-04"]
    assert mart_rows(PROSTHETIC_MART)[(arm.pk, "2024-03")]["total_active_hours"] == Decimal("4.00")
    assert_marts_equal_a_full_rebuild(utc(2024, 4, 2))


@etl_db
def test_a_rerun_with_nothing_new_recomputes_nothing_and_changes_no_row(world):
    before = {table: mart_rows(table) for table in (USER_MART, PROSTHETIC_MART)}

    again = run_etl(data_as_of=FIRST_AS_OF)
    full_again = run_etl(data_as_of=FIRST_AS_OF, mode=EtlRun.Mode.FULL)

    assert again.status == full_again.status == "success"
    assert again.months_recomputed == []
    assert {table: mart_rows(table) for table in before} == before


@etl_db
def test_a_range_run_rebuilds_only_its_months_and_the_next_nightly_run_still_sees_every_change(world):
    owner = world["owner"]
    PaymentFactory(user=owner, paid_at=utc(2024, 1, 20), amount=Decimal("1.00"))
    late_event(world["arm"], "error", utc(2024, 2, 3))

    ranged = run_etl(
        data_as_of=FIRST_AS_OF,
        mode=EtlRun.Mode.RANGE,
        month_from=dt.date(2024, 1, 1),
        month_to=dt.date(2024, 1, 1),
    )
    assert ranged.months_recomputed == ["2024-01"]
    assert mart_rows(USER_MART)[(owner.pk, "2024-01")]["total_payments"] == Decimal("1.00")
    assert mart_rows(PROSTHETIC_MART)[(world["arm"].pk, "2024-02")]["error_count"] == 0

    nightly = run_etl(data_as_of=NEXT_AS_OF)

    assert nightly.months_recomputed == ["2024-01", "2024-02", "2024-03"]
    assert mart_rows(PROSTHETIC_MART)[(world["arm"].pk, "2024-02")]["error_count"] == 1
    assert_marts_equal_a_full_rebuild(NEXT_AS_OF)


@etl_db
def test_a_run_with_an_earlier_data_as_of_drops_the_months_that_no_longer_began(world):
    run_etl(data_as_of=utc(2024, 4, 2))
    assert (world["arm"].pk, "2024-04") in mart_rows(PROSTHETIC_MART)

    run = run_etl(data_as_of=NEXT_AS_OF)

    assert run.months_recomputed == ["2024-03", "2024-04"]
    assert max(month for _id, month in mart_rows(PROSTHETIC_MART)) == "2024-03"
    assert_marts_equal_a_full_rebuild(NEXT_AS_OF)
