"""A closed month for the delivery tests: customers with report rows for February and March 2025
(different figures, so every change against February is visible), linked portal accounts, and a
successful ETL run whose data_as_of (2025-04-01) closes March."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from portal.etl.models import EtlRun
from tests.support.factories import AccountFactory, CrmUserFactory
from tests.support.reports import DATA_AS_OF, insert_rows, make_staff, prosthetic_month_row, user_month_row

CLOSING_AS_OF = DATA_AS_OF  # 2025-04-01, the data_as_of of the hand-made report rows
FEBRUARY, MARCH = dt.date(2025, 2, 1), dt.date(2025, 3, 1)


def closing_run(*, data_as_of: dt.datetime = CLOSING_AS_OF, months=("2025-02", "2025-03")) -> EtlRun:
    return EtlRun.objects.create(
        trigger=EtlRun.Trigger.SCHEDULE,
        status=EtlRun.Status.SUCCESS,
        data_as_of=data_as_of,
        started_at=data_as_of,
        finished_at=data_as_of + dt.timedelta(minutes=5),
        months_recomputed=list(months),
    )


def add_customers(count: int, *, start: int = 0) -> list:
    """CRM customers with February and March rows; the first of them has one prosthesis."""
    customers = [
        CrmUserFactory(email=f"customer{start + n}@example.com", full_name=f"Customer {start + n}")
        for n in range(count)
    ]
    rows = []
    for customer in customers:
        february = {"successful_payments": Decimal("6990.00"), "tickets_opened": 1}
        rows.append(user_month_row(customer.pk, FEBRUARY, **february))
        rows.append(user_month_row(customer.pk, MARCH))
    insert_rows("report_user_monthly_metrics", rows)
    return customers


@dataclass
class DeliveryWorld:
    anna: object  # CRM customer; Russian (the default)
    john: object  # CRM customer; English in his delivery settings
    anna_user: object  # portal users linked to them
    john_user: object
    staff: object
    run: EtlRun


@pytest.fixture
def delivery_world(clickhouse_marts, settings) -> DeliveryWorld:
    from portal.reports.delivery.preferences import save_preference

    settings.REPORT_DELIVERY_ENABLED = True
    anna = CrmUserFactory(email="anna@example.com", full_name="Анна Петрова")
    john = CrmUserFactory(email="john@example.com", full_name="John Smith")
    insert_rows(
        "report_user_monthly_metrics",
        [
            user_month_row(anna.pk, FEBRUARY, successful_payments=Decimal("6990.00"), tickets_opened=1),
            user_month_row(anna.pk, MARCH),
            user_month_row(
                john.pk, MARCH, successful_payments=Decimal("4990.00"), total_payments=Decimal("4990.00")
            ),
        ],
    )
    insert_rows(
        "report_prosthetic_monthly_metrics",
        [
            prosthetic_month_row(anna.pk, 11, FEBRUARY, total_active_hours=Decimal("300.25")),
            prosthetic_month_row(anna.pk, 11, MARCH),
            prosthetic_month_row(john.pk, 21, MARCH, limb="right_leg", model="BionicPRO L1"),
        ],
    )
    save_preference(crm_user_id=john.pk, enabled=True, language="en")
    staff = make_staff("support-mail")
    return DeliveryWorld(
        anna=anna,
        john=john,
        anna_user=AccountFactory(crm_user_id=anna.pk, user__username="anna").user,
        john_user=AccountFactory(crm_user_id=john.pk, user__username="john").user,
        staff=staff,
        run=closing_run(),
    )
