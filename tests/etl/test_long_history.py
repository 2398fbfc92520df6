"""Histories longer than the 100 partitions one ClickHouse INSERT may write (issue 14, item 1):
a customer since 2012 and a prosthesis since 2013 next to the seeded demo data. Full, nightly and
range runs succeed, and every cell matches the independent Python computation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal.etl.models import EtlRun
from tests.support import reference
from tests.support.etl import PROSTHETIC_MART, USER_MART, etl_db, mart_rows, run_etl, without_data_as_of
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

SEED_UNTIL = dt.date(2024, 3, 20)
DATA_AS_OF = utc(2024, 3, 15)


@pytest.fixture
def long_history(etl_clickhouse):
    call_command("seed_demo", "--years", "0.25", "--until", SEED_UNTIL.isoformat(), verbosity=0)
    veteran = CrmUserFactory(created_at=utc(2012, 1, 1))
    arm = ProstheticFactory(user=veteran, activated_at=utc(2013, 6, 1))
    SubscriptionFactory(user=veteran, prosthetic=arm, started_on=dt.date(2012, 1, 1), ended_on=None)
    PaymentFactory(user=veteran, paid_at=utc(2012, 1, 3), amount=Decimal("120.00"), status="success")
    PaymentFactory(user=veteran, paid_at=utc(2019, 7, 3), amount=Decimal("80.00"), status="failed")
    SupportTicketFactory(
        user=veteran, prosthetic=arm, created_at=utc(2014, 2, 1), resolved_at=utc(2014, 3, 2)
    )
    EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2013, 6, 2, 8))
    EventFactory(prosthetic_id=arm.pk, event_type="power_off", occurred_at=utc(2013, 6, 2, 20))
    EventFactory(prosthetic_id=arm.pk, event_type="critical_error", occurred_at=utc(2016, 12, 31, 23))
    EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2017, 1, 2))
    BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=utc(2018, 5, 5), current_ma=250)
    return {"veteran": veteran, "arm": arm}


def assert_marts_match_reference(data_as_of: dt.datetime) -> None:
    assert without_data_as_of(mart_rows(USER_MART)) == reference.user_mart(data_as_of)
    assert without_data_as_of(mart_rows(PROSTHETIC_MART)) == reference.prosthetic_mart(data_as_of)


@etl_db
def test_full_nightly_and_range_runs_succeed_with_more_than_100_months_of_history(long_history):
    veteran, arm = long_history["veteran"].pk, long_history["arm"].pk

    full = run_etl(data_as_of=DATA_AS_OF, mode=EtlRun.Mode.FULL)
    assert full.status == EtlRun.Status.SUCCESS, full.error
    user_months = [month for (user, month) in mart_rows(USER_MART) if user == veteran]
    assert (user_months[0], user_months[-1], len(user_months)) == ("2012-01", "2024-03", 147)
    assert len([m for (p, m) in mart_rows(PROSTHETIC_MART) if p == arm]) == 130
    assert_marts_match_reference(DATA_AS_OF)

    # The veteran's payment of 2012 is corrected: the nightly run recomputes that month.
    PaymentFactory._meta.model.objects.filter(user_id=veteran, paid_at=utc(2012, 1, 3)).update(
        amount=Decimal("125.00"), updated_at=timezone.now()
    )
    nightly = run_etl(data_as_of=DATA_AS_OF + dt.timedelta(days=1))
    assert nightly.status == EtlRun.Status.SUCCESS, nightly.error
    assert "2012-01" in nightly.months_recomputed
    assert_marts_match_reference(DATA_AS_OF + dt.timedelta(days=1))

    ranged = run_etl(
        data_as_of=DATA_AS_OF + dt.timedelta(days=1),
        mode=EtlRun.Mode.RANGE,
        month_from=dt.date(2012, 1, 1),
        month_to=dt.date(2024, 3, 1),
    )
    assert ranged.status == EtlRun.Status.SUCCESS, ranged.error
    assert len(ranged.months_recomputed) == 147
    assert_marts_match_reference(DATA_AS_OF + dt.timedelta(days=1))
