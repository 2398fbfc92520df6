"""A closed month for the delivery tests: customers with report rows for February and March 2025
(different figures, so every change against February is visible), linked portal accounts, and a
successful ETL run whose data_as_of (2025-04-01) closes March."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from portal.accounts.models import ROLE_SUPPORT
from portal.clickhouse.client import clickhouse
from portal.etl.models import EtlRun
from tests.factories import AccountFactory, CrmUserFactory, PortalUserFactory

CLOSING_AS_OF = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
FEBRUARY, MARCH = dt.date(2025, 2, 1), dt.date(2025, 3, 1)


def user_row(user_id: int, month: dt.date, **values) -> dict:
    return {
        "user_id": user_id,
        "month": month,
        "total_payments": Decimal("12980.00"),
        "successful_payments": Decimal("7990.00"),
        "failed_payments_count": 1,
        "active_subscriptions_count": 2,
        "subscription_cost_total": Decimal("12980.00"),
        "tickets_opened": 3,
        "tickets_resolved": 2,
        "data_as_of": CLOSING_AS_OF,
        **values,
    }


def prosthetic_row(user_id: int, prosthetic_id: int, month: dt.date, **values) -> dict:
    return {
        "user_id": user_id,
        "prosthetic_id": prosthetic_id,
        "month": month,
        "serial_number": f"BP-X2-{prosthetic_id:06d}",
        "model": "BionicPRO X2",
        "limb": "left_arm",
        "power_on_count": 62,
        "total_active_hours": Decimal("341.75"),
        "avg_discharge_rate_active": Decimal("452.38"),
        "avg_charge_rate": Decimal("1210.50"),
        "avg_battery_temperature_c": Decimal("31.7"),
        "charge_cycles": 29,
        "error_count": 2,
        "critical_error_count": 0,
        "downtime_minutes": Decimal("89.3"),
        "uptime_pct": Decimal("99.80"),
        "health_status": "healthy",
        "data_as_of": CLOSING_AS_OF,
        **values,
    }


def insert_mart_rows(table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    with clickhouse() as client:
        client.insert(
            f"{settings.CLICKHOUSE_DATABASE}.{table}",
            [[row[column] for column in columns] for row in rows],
            column_names=columns,
        )


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
        rows.append(user_row(customer.pk, FEBRUARY, successful_payments=Decimal("6990.00"), tickets_opened=1))
        rows.append(user_row(customer.pk, MARCH))
    insert_mart_rows("report_user_monthly_metrics", rows)
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
    insert_mart_rows(
        "report_user_monthly_metrics",
        [
            user_row(anna.pk, FEBRUARY, successful_payments=Decimal("6990.00"), tickets_opened=1),
            user_row(anna.pk, MARCH),
            user_row(
                john.pk, MARCH, successful_payments=Decimal("4990.00"), total_payments=Decimal("4990.00")
            ),
        ],
    )
    insert_mart_rows(
        "report_prosthetic_monthly_metrics",
        [
            prosthetic_row(anna.pk, 11, FEBRUARY, total_active_hours=Decimal("300.25")),
            prosthetic_row(anna.pk, 11, MARCH),
            prosthetic_row(john.pk, 21, MARCH, limb="right_leg", model="BionicPRO L1"),
        ],
    )
    save_preference(crm_user_id=john.pk, enabled=True, language="en")
    staff = PortalUserFactory(username="support-mail", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=ROLE_SUPPORT)[0])
    return DeliveryWorld(
        anna=anna,
        john=john,
        anna_user=AccountFactory(crm_user_id=anna.pk, user__username="anna").user,
        john_user=AccountFactory(crm_user_id=john.pk, user__username="john").user,
        staff=staff,
        run=closing_run(),
    )
