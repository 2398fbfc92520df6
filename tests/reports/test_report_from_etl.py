"""From source rows to the customer's PDF through the real ETL: the API shows what the ETL
computed, the PDF shows the API's figures, and a later run that recomputes the month replaces
the cached PDF."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from portal.crm.models import Payment, Prosthetic
from portal.telemetry.models import Event
from tests.support.etl import run_etl
from tests.support.factories import (
    AccountFactory,
    BatteryMetricFactory,
    CrmUserFactory,
    EventFactory,
    PaymentFactory,
    ProstheticFactory,
    SubscriptionFactory,
    utc,
)

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

FEBRUARY = "2025-02"


@pytest.fixture
def seeded_customer(etl_clickhouse) -> User:
    customer = CrmUserFactory(created_at=utc(2025, 1, 10, 9, 0))
    arm = ProstheticFactory(user=customer, activated_at=utc(2025, 1, 15, 12, 0))
    ProstheticFactory(
        user=customer, model="BionicPRO L1", limb=Prosthetic.Limb.RIGHT_LEG, activated_at=utc(2025, 1, 20)
    )
    SubscriptionFactory(user=customer, started_on=dt.date(2025, 1, 15), monthly_cost=Decimal("4990.00"))
    PaymentFactory(user=customer, paid_at=utc(2025, 2, 1, 10, 0))
    PaymentFactory(user=customer, paid_at=utc(2025, 2, 2, 10, 0), status=Payment.Status.FAILED)
    EventFactory(prosthetic_id=arm.pk, event_type=Event.Type.POWER_ON, occurred_at=utc(2025, 2, 3, 8, 0))
    EventFactory(prosthetic_id=arm.pk, event_type=Event.Type.POWER_OFF, occurred_at=utc(2025, 2, 3, 10, 30))
    BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=utc(2025, 2, 3, 9, 0), current_ma=450)
    BatteryMetricFactory(
        prosthetic_id=arm.pk, measured_at=utc(2025, 2, 3, 20, 0), current_ma=1200, is_charging=True
    )
    run_etl(data_as_of=utc(2025, 3, 1))
    return AccountFactory(crm_user_id=customer.pk).user


def pdf_text(content: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return " ".join(out.stdout.decode().replace("\u00a0", " ").split())


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_api_month_shows_what_the_etl_computed(client, seeded_customer):
    client.force_login(seeded_customer)
    report = client.get(f"/api/reports/me/{FEBRUARY}/").json()
    assert report["metrics"]["total_payments"] == "9980.00"
    assert report["metrics"]["successful_payments"] == "4990.00"
    assert report["metrics"]["failed_payments_count"] == 1
    assert report["metrics"]["active_subscriptions_count"] == 1
    arm, leg = report["prosthetics"]
    assert arm["total_active_hours"] == "2.50"
    assert arm["avg_discharge_rate_active"] == "450.00"
    assert arm["avg_charge_rate"] == "1200.00"
    assert leg["avg_discharge_rate_active"] is None
    assert client.get("/api/reports/me/2025-03/").json()["processed_through"] == "2025-02-28"


def test_pdf_shows_the_etl_figures_and_a_new_run_replaces_the_cached_pdf(client, seeded_customer):
    client.force_login(seeded_customer)
    text = pdf_text(download(client, f"/api/reports/me/{FEBRUARY}/pdf"))
    assert "9 980,00 ₽" in text
    assert "2,50 ч" in text and "450,00 мА" in text and "1 200,00 мА" in text
    # A late payment for February arrives; the next nightly run recomputes February.
    PaymentFactory(user_id=seeded_customer.account.crm_user_id, paid_at=utc(2025, 2, 20, 10, 0))
    run = run_etl(data_as_of=utc(2025, 3, 2))
    assert FEBRUARY in run.months_recomputed
    text = pdf_text(download(client, f"/api/reports/me/{FEBRUARY}/pdf"))
    assert "14 970,00 ₽" in text
