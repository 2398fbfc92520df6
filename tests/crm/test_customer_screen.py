"""One customer screen in the admin, on the seeded demo data: prostheses, subscriptions, latest
payments and tickets, a link to their reports and their recent critical events (read from the
telemetry database by the customer's prosthesis ids), in bounded queries."""

import datetime as dt

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.crm.customer_screen import LATEST_PAYMENTS
from portal.crm.models import Payment, Prosthetic, Subscription, SupportTicket, User
from portal.demo.config import DEMO_PASSWORD, SUPPORT_LOGIN
from portal.telemetry.models import Event

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def staff(client, seeded_demo):
    assert client.login(username=SUPPORT_LOGIN, password=DEMO_PASSWORD)
    return client


@pytest.fixture
def critical_customer(seeded_demo) -> User:
    """A customer one of whose prostheses had a critical error in the seeded data."""
    event = Event.objects.filter(event_type="critical_error").order_by("-occurred_at").first()
    assert event is not None
    return Prosthetic.objects.get(pk=event.prosthetic_id).user


def screen(client, customer: User, freeze, **headers) -> str:
    freeze(dt.datetime(2025, 7, 1, 9, tzinfo=dt.UTC))
    response = client.get(reverse("admin:crm_user_change", args=[customer.pk]), **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def freeze(monkeypatch):
    """The screen's "recent" window counts back from now; the seeded data ends on 2025-06-30."""
    from django.utils import timezone

    def to(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return to


def test_the_screen_shows_prostheses_subscriptions_payments_and_tickets(staff, critical_customer, freeze):
    page = screen(staff, critical_customer, freeze)
    for prosthesis in Prosthetic.objects.filter(user=critical_customer):
        assert prosthesis.serial_number in page
    for subscription in Subscription.objects.filter(user=critical_customer):
        assert reverse("admin:crm_subscription_change", args=[subscription.pk]) in page
    newest = Payment.objects.filter(user=critical_customer).order_by("-paid_at", "-id")
    for payment in newest[:LATEST_PAYMENTS]:
        assert reverse("admin:crm_payment_change", args=[payment.pk]) in page
    for ticket in SupportTicket.objects.filter(user=critical_customer)[:5]:
        assert reverse("admin:crm_supportticket_change", args=[ticket.pk]) in page
    assert f"{reverse('admin:crm_payment_changelist')}?user__id__exact={critical_customer.pk}" in page


def test_the_screen_links_to_the_customers_reports(staff, critical_customer, freeze):
    page = screen(staff, critical_customer, freeze)
    assert f'href="/reports/{critical_customer.pk}/"' in page


def test_the_screen_lists_recent_critical_events_with_serial_and_code(staff, critical_customer, freeze):
    page = screen(staff, critical_customer, freeze)
    ids = list(Prosthetic.objects.filter(user=critical_customer).values_list("id", flat=True))
    events = Event.objects.filter(prosthetic_id__in=ids, event_type="critical_error").order_by("-occurred_at")
    assert events
    for event in events[:3]:
        assert reverse("admin:telemetry_event_change", args=[event.pk]) in page
        assert event.error_code in page


def test_telemetry_is_read_in_one_bounded_query_without_a_join(staff, critical_customer, freeze):
    with CaptureQueriesContext(connections["telemetry"]) as captured:
        screen(staff, critical_customer, freeze)
    # On PostgreSQL the admin's statement timeout is set (and reset) on the connection as well.
    reads = [q for q in captured.captured_queries if "statement_timeout" not in q["sql"]]
    (query,) = reads
    assert "LIMIT 10" in query["sql"]
    assert "users" not in query["sql"] and "prosthetics" not in query["sql"]


def test_the_screen_is_in_russian_for_russian_staff(staff, critical_customer, freeze):
    page = screen(staff, critical_customer, freeze, HTTP_ACCEPT_LANGUAGE="ru")
    for heading in ("Последние платежи", "Последние обращения", "Недавние критические события"):
        assert heading in page
