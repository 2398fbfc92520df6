"""CRM rows that break DESIGN's rules are rejected and counted per reason, like telemetry, instead
of counting as 0.00 or as 1970 (issue 14, item 9). The CRM's own constraints forbid such rows, so
the test writes them into SQLite with its CHECK constraints switched off, as a tool writing to
the database directly could."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connections

from tests.support.etl import USER_MART, etl_db, mart_rows, run_etl
from tests.support.factories import (
    CrmUserFactory,
    PaymentFactory,
    SubscriptionFactory,
    SupportTicketFactory,
    utc,
)

DATA_AS_OF = utc(2024, 3, 1)


def write_bypassing_constraints(sql: str, params: list) -> None:
    with connections["crm"].cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")


def break_row(table: str, row_id: int, **values) -> None:
    assignments = ", ".join(f"{column} = %s" for column in values)
    sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608 (the test's own names)
    write_bypassing_constraints(sql, [*values.values(), row_id])


@pytest.fixture
def sqlite_crm():
    if connections["crm"].vendor != "sqlite":
        pytest.skip("PostgreSQL enforces the column types and constraints this test bypasses on SQLite")


@etl_db
def test_crm_rows_breaking_the_rules_are_rejected_per_reason_and_count_nowhere(etl_clickhouse, sqlite_crm):
    owner = CrmUserFactory(created_at=utc(2024, 1, 1))
    PaymentFactory(user=owner, paid_at=utc(2024, 2, 3), amount=Decimal("100.00"), status="success")
    SubscriptionFactory(
        user=owner, started_on=dt.date(2024, 1, 1), ended_on=None, monthly_cost=Decimal("50.00")
    )
    # Each of these would change a February figure of the owner if it were counted.
    broken = {
        "negative_amount": {"amount": "-40.00"},
        "unreadable_amount": {"amount": "12,5 RUB", "status": "failed"},
        "unknown_status": {"status": "chargeback"},
    }
    for values in broken.values():
        payment = PaymentFactory(
            user=owner, paid_at=utc(2024, 2, 5), amount=Decimal("1.00"), status="success"
        )
        break_row("payments", payment.pk, **values)
    undated = PaymentFactory(user=owner, paid_at=utc(2024, 2, 5), amount=Decimal("7.00"), status="failed")
    break_row("payments", undated.pk, paid_at="last Tuesday")
    costly = SubscriptionFactory(user=owner, started_on=dt.date(2024, 2, 1), ended_on=None)
    break_row("subscriptions", costly.pk, monthly_cost="-10.00")
    undated_subscription = SubscriptionFactory(user=owner, started_on=dt.date(2024, 2, 1), ended_on=None)
    break_row("subscriptions", undated_subscription.pk, started_on="someday")
    ticket = SupportTicketFactory(user=owner, created_at=utc(2024, 2, 7), resolved_at=None)
    break_row("support_tickets", ticket.pk, created_at="not a date")
    ghost = CrmUserFactory(created_at=utc(2024, 1, 1))
    break_row("users", ghost.pk, created_at="the dawn of time")

    run = run_etl(data_as_of=DATA_AS_OF)

    assert run.status == "success", run.error
    assert run.steps["extract_crm"]["rejected"] == {
        "payments.negative_amount": 1,
        "payments.unknown_status": 1,
        "payments.unreadable_amount": 1,
        "payments.unreadable_paid_at": 1,
        "subscriptions.negative_monthly_cost": 1,
        "subscriptions.unreadable_started_on": 1,
        "support_tickets.unreadable_created_at": 1,
        "users.unreadable_created_at": 1,
    }
    assert run.rows_rejected == 8
    rows = mart_rows(USER_MART)
    assert set(rows) == {(owner.pk, "2024-01"), (owner.pk, "2024-02")}
    february = rows[(owner.pk, "2024-02")]
    assert february["total_payments"] == Decimal("100.00")
    assert february["successful_payments"] == Decimal("100.00")
    assert february["failed_payments_count"] == 0
    assert february["active_subscriptions_count"] == 1
    assert february["subscription_cost_total"] == Decimal("50.00")
    assert february["tickets_opened"] == 0


@etl_db
def test_a_row_that_becomes_invalid_leaves_the_marts_at_the_next_nightly_run(etl_clickhouse, sqlite_crm):
    owner = CrmUserFactory(created_at=utc(2024, 1, 1))
    payment = PaymentFactory(user=owner, paid_at=utc(2024, 2, 3), amount=Decimal("100.00"), status="success")
    assert run_etl(data_as_of=DATA_AS_OF).status == "success"

    break_row("payments", payment.pk, amount="-100.00")  # updated_at stays recent: read again
    nightly = run_etl(data_as_of=DATA_AS_OF + dt.timedelta(days=1))

    assert nightly.status == "success", nightly.error
    assert nightly.steps["extract_crm"]["rejected"] == {"payments.negative_amount": 1}
    assert "2024-02" in nightly.months_recomputed
    assert mart_rows(USER_MART)[(owner.pk, "2024-02")]["total_payments"] == Decimal("0.00")
