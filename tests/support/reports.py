"""A small, hand-made reports world: two customers with crafted mart rows, a staff member, an
ETL run that processed data through 2025-03-31. Rows go straight into the marts (the ETL is
tested on its own in tests/reports/etl)."""

import datetime as dt
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache

from portal.accounts.models import ROLE_SUPPORT
from portal.clickhouse.client import chdb_path, clickhouse
from portal.clickhouse.keeper import not_kept
from portal.etl.models import EtlRun
from tests.support.factories import AccountFactory, CrmUserFactory, PortalUserFactory

DATA_AS_OF = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
PROCESSED_MONTHS = ["2025-01", "2025-02", "2025-03"]
NOT_PROCESSED_MONTH = "2025-04"
UNKNOWN_CRM_ID = 987654


def user_month_row(user_id: int, month: dt.date, **values) -> dict:
    row = {
        "user_id": user_id,
        "month": month,
        "total_payments": Decimal("12980.00"),
        "successful_payments": Decimal("7990.00"),
        "failed_payments_count": 1,
        "active_subscriptions_count": 2,
        "subscription_cost_total": Decimal("12980.00"),
        "tickets_opened": 3,
        "tickets_resolved": 2,
        "data_as_of": DATA_AS_OF,
    }
    return {**row, **values}


def prosthetic_month_row(user_id: int, prosthetic_id: int, month: dt.date, **values) -> dict:
    row = {
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
        "data_as_of": DATA_AS_OF,
    }
    return {**row, **values}


def insert_rows(table: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    with clickhouse() as client:
        client.insert(
            f"{settings.CLICKHOUSE_DATABASE}.{table}",
            [[row[c] for c in columns] for row in rows],
            column_names=columns,
        )


def record_etl_run(*, data_as_of=DATA_AS_OF, months=PROCESSED_MONTHS, mode=EtlRun.Mode.INCREMENTAL) -> EtlRun:
    return EtlRun.objects.create(
        trigger=EtlRun.Trigger.COMMAND,
        mode=mode,
        status=EtlRun.Status.SUCCESS,
        data_as_of=data_as_of,
        started_at=data_as_of,
        finished_at=data_as_of + dt.timedelta(minutes=5),
        months_recomputed=list(months),
    )


@pytest.fixture
def fresh_report_caches():
    """Ids restart in every test's database, so cached reports from another test must not linger."""
    cache.clear()
    shutil.rmtree(settings.REPORTS_STORAGE_ROOT / "reports", ignore_errors=True)


@dataclass
class ReportsWorld:
    customer_a: object  # portal user linked to crm_a
    customer_b: object
    staff: object
    unlinked: object
    crm_a: object
    crm_b: object


def make_staff(username: str):
    staff = PortalUserFactory(username=username, is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=ROLE_SUPPORT)[0])
    return staff


@pytest.fixture
def reports_world(clickhouse_marts) -> ReportsWorld:
    crm_a, crm_b = CrmUserFactory(), CrmUserFactory()
    account_a = AccountFactory(crm_user_id=crm_a.pk, user__username="customer-a")
    account_b = AccountFactory(crm_user_id=crm_b.pk, user__username="customer-b")
    march = dt.date(2025, 3, 1)
    insert_rows(
        "report_user_monthly_metrics",
        [user_month_row(crm_a.pk, dt.date(2025, m, 1)) for m in (1, 2, 3)]
        + [user_month_row(crm_b.pk, march, total_payments=Decimal("555.55"))],
    )
    insert_rows(
        "report_prosthetic_monthly_metrics",
        [
            prosthetic_month_row(crm_a.pk, 11, march),
            # The second prosthesis sent no battery readings: its averages are NULL.
            prosthetic_month_row(
                crm_a.pk,
                12,
                march,
                model="BionicPRO L1",
                limb="right_leg",
                power_on_count=0,
                total_active_hours=Decimal("0.00"),
                avg_discharge_rate_active=None,
                avg_charge_rate=None,
                avg_battery_temperature_c=None,
                charge_cycles=0,
                error_count=6,
                uptime_pct=Decimal("99.10"),
                health_status="warning",
            ),
            prosthetic_month_row(crm_b.pk, 21, march),
        ],
    )
    record_etl_run()
    return ReportsWorld(
        customer_a=account_a.user,
        customer_b=account_b.user,
        staff=make_staff("support-1"),
        unlinked=PortalUserFactory(username="not-linked"),
        crm_a=crm_a,
        crm_b=crm_b,
    )


HOLD_LOCK = (
    "import sys; from filelock import FileLock; lock = FileLock(sys.argv[1]); lock.acquire(); "
    "print('held', flush=True); sys.stdin.read()"
)


@contextmanager
def chdb_held_by_another_process():
    """Like an ETL run in the worker process: the embedded chDB lock is taken elsewhere."""
    lock_file = str(chdb_path()) + ".lock"
    # The holder takes the lock without leaving a waiting marker: the engine must be let go first.
    with not_kept():
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, lock_file],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout.readline().strip() == "held"
            yield
        finally:
            holder.stdin.close()
            holder.wait(timeout=10)
