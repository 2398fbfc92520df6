"""Every cell of report_user_monthly_metrics for crafted CRM rows, computed by hand.

data_as_of is 2024-03-15 00:00 UTC: March is month-to-date and its "last day" is March 14."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.support.etl import USER_MART, etl_db, mart_rows, run_etl
from tests.support.factories import (
    CrmUserFactory,
    PaymentFactory,
    SubscriptionFactory,
    SupportTicketFactory,
    utc,
)

DATA_AS_OF = utc(2024, 3, 15)


def row(user, month, **values):
    base = {
        "user_id": user.pk,
        "month": dt.date.fromisoformat(month + "-01"),
        "total_payments": Decimal("0.00"),
        "successful_payments": Decimal("0.00"),
        "failed_payments_count": 0,
        "active_subscriptions_count": 0,
        "subscription_cost_total": Decimal("0.00"),
        "tickets_opened": 0,
        "tickets_resolved": 0,
        "data_as_of": dt.datetime(2024, 3, 15),
    }
    return {**base, **values}


def pay(user, paid_at, amount, status):
    PaymentFactory(user=user, paid_at=paid_at, amount=Decimal(amount), status=status)


def subscribe(user, started_on, ended_on, cost):
    SubscriptionFactory(
        user=user,
        started_on=started_on,
        ended_on=ended_on,
        status="cancelled" if ended_on else "active",
        monthly_cost=Decimal(cost),
    )


@pytest.fixture
def crafted(etl_clickhouse):
    customer = CrmUserFactory(created_at=utc(2024, 1, 20, 10))  # mid-month: rows from January
    quiet = CrmUserFactory(created_at=utc(2024, 2, 1))  # nothing happens: zero rows Feb and March
    CrmUserFactory(created_at=DATA_AS_OF)  # created at data_as_of: no rows yet

    pay(customer, utc(2024, 1, 25), "100.10", "success")
    pay(customer, utc(2024, 1, 26), "50.05", "failed")
    pay(customer, utc(2024, 1, 27), "999.00", "pending")  # pending and refunded count nowhere
    pay(customer, utc(2024, 1, 28), "888.00", "refunded")
    pay(customer, utc(2024, 2, 29, 23, 59, 59), "0.01", "success")
    pay(customer, dt.datetime(2024, 3, 14, 23, 59, 59, 999999, tzinfo=dt.UTC), "1.00", "success")
    pay(customer, DATA_AS_OF, "5.00", "success")  # at data_as_of: not yet

    subscribe(customer, dt.date(2024, 1, 20), dt.date(2024, 2, 10), "1000.00")  # ends in February
    subscribe(customer, dt.date(2024, 2, 10), None, "2000.50")  # starts in February
    subscribe(customer, dt.date(2024, 3, 15), None, "7.00")  # starts at data_as_of: not in March
    subscribe(customer, dt.date(2024, 3, 14), None, "3.00")  # last day before data_as_of: counts
    subscribe(customer, dt.date(2023, 12, 1), dt.date(2023, 12, 31), "500.00")  # ended before January

    SupportTicketFactory(user=customer, created_at=utc(2024, 1, 21), resolved_at=utc(2024, 2, 2))
    SupportTicketFactory(user=customer, created_at=utc(2024, 2, 5), resolved_at=None)
    SupportTicketFactory(user=customer, created_at=utc(2024, 3, 1), resolved_at=DATA_AS_OF)
    SupportTicketFactory(user=customer, created_at=utc(2024, 3, 16))
    return {"customer": customer, "quiet": quiet}


@etl_db
def test_every_cell_of_the_user_mart_matches_the_hand_computed_values(crafted):
    customer, quiet = crafted["customer"], crafted["quiet"]

    run = run_etl(data_as_of=DATA_AS_OF)

    assert run.status == "success", run.error
    expected = [
        row(customer, "2024-01", total_payments=Decimal("150.15"), successful_payments=Decimal("100.10"),
            failed_payments_count=1, active_subscriptions_count=1, subscription_cost_total=Decimal("1000.00"),
            tickets_opened=1),
        row(customer, "2024-02", total_payments=Decimal("0.01"), successful_payments=Decimal("0.01"),
            active_subscriptions_count=2, subscription_cost_total=Decimal("3000.50"), tickets_opened=1,
            tickets_resolved=1),
        row(customer, "2024-03", total_payments=Decimal("1.00"), successful_payments=Decimal("1.00"),
            active_subscriptions_count=2, subscription_cost_total=Decimal("2003.50"), tickets_opened=1),
        row(quiet, "2024-02"),
        row(quiet, "2024-03"),
    ]  # fmt: skip
    assert mart_rows(USER_MART) == {(r["user_id"], r["month"].strftime("%Y-%m")): r for r in expected}
    assert run.months_recomputed == ["2024-01", "2024-02", "2024-03"]
    assert run.data_as_of == DATA_AS_OF
