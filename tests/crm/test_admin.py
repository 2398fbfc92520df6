"""The CRM admin for support staff: every list and detail page opens, search by email and serial
number, filters, date hierarchy, inlines; customers cannot get in."""

import pytest
from django.urls import reverse

from portal.crm.models import Payment
from tests.support.factories import (
    CrmUserFactory,
    PaymentFactory,
    PortalUserFactory,
    ProstheticFactory,
    SubscriptionFactory,
    SupportTicketFactory,
    utc,
)

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def crm_rows():
    anna = CrmUserFactory(email="anna@example.com", full_name="Анна Иванова")
    boris = CrmUserFactory(email="boris@example.com")
    arm = ProstheticFactory(user=anna, serial_number="BP-X2-000111")
    ProstheticFactory(user=boris, serial_number="BP-L1-000222", limb="left_leg", status="maintenance")
    subscription = SubscriptionFactory(user=anna, prosthetic=arm, plan="premium")
    PaymentFactory(user=anna, subscription=subscription, status="failed", paid_at=utc(2024, 3, 1, 10))
    PaymentFactory(user=boris, status="success", paid_at=utc(2025, 3, 1, 10))
    SupportTicketFactory(user=anna, prosthetic=arm, priority="critical", subject="Хват не работает")
    SupportTicketFactory(user=boris, priority="low", subject="Billing question", category="billing")
    return {"anna": anna, "boris": boris, "arm": arm, "subscription": subscription}


def changelist(model: str) -> str:
    return reverse(f"admin:crm_{model}_changelist")


def shown(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("model", ["user", "prosthetic", "subscription", "payment", "supportticket"])
def test_support_staff_open_every_crm_list_and_detail_page(support_client, crm_rows, model):
    rows = shown(support_client.get(changelist(model)))
    assert rows
    detail = support_client.get(reverse(f"admin:crm_{model}_change", args=[rows[0].pk]))
    assert detail.status_code == 200


def test_customers_are_found_by_email(support_client, crm_rows):
    assert shown(support_client.get(changelist("user"), {"q": "anna@example"})) == [crm_rows["anna"]]


def test_prostheses_are_found_by_serial_number(support_client, crm_rows):
    assert shown(support_client.get(changelist("prosthetic"), {"q": "BP-X2-000111"})) == [crm_rows["arm"]]


def test_payments_are_found_by_customer_email_and_filtered_by_status(support_client, crm_rows):
    found = shown(support_client.get(changelist("payment"), {"q": "boris@"}))
    assert [payment.user for payment in found] == [crm_rows["boris"]]
    failed = shown(support_client.get(changelist("payment"), {"status__exact": "failed"}))
    assert [payment.status for payment in failed] == ["failed"]


def test_payments_have_a_date_hierarchy_by_paid_at(support_client, crm_rows):
    response = support_client.get(changelist("payment"), {"paid_at__year": "2024"})
    assert [payment.paid_at.year for payment in shown(response)] == [2024]


def test_tickets_filter_by_priority_and_have_a_date_hierarchy(support_client, crm_rows):
    critical = shown(support_client.get(changelist("supportticket"), {"priority__exact": "critical"}))
    assert [ticket.subject for ticket in critical] == ["Хват не работает"]
    by_year = shown(support_client.get(changelist("supportticket"), {"created_at__year": "2024"}))
    assert len(by_year) == 2


def test_prostheses_filter_by_status_and_limb(support_client, crm_rows):
    found = shown(support_client.get(changelist("prosthetic"), {"status__exact": "maintenance"}))
    assert [device.serial_number for device in found] == ["BP-L1-000222"]
    legs = shown(support_client.get(changelist("prosthetic"), {"limb__exact": "left_leg"}))
    assert [device.serial_number for device in legs] == ["BP-L1-000222"]


def test_subscriptions_filter_by_plan_and_search_by_serial(support_client, crm_rows):
    premium = shown(support_client.get(changelist("subscription"), {"plan__exact": "premium"}))
    assert premium == [crm_rows["subscription"]]
    assert shown(support_client.get(changelist("subscription"), {"q": "BP-X2-000111"})) == premium


def test_a_customer_page_lists_their_prostheses_and_subscriptions(support_client, crm_rows):
    response = support_client.get(reverse("admin:crm_user_change", args=[crm_rows["anna"].pk]))
    page = response.content.decode()
    assert "BP-X2-000111" in page
    assert "BP-L1-000222" not in page
    assert reverse("admin:crm_subscription_change", args=[crm_rows["subscription"].pk]) in page


def test_customer_foreign_keys_use_autocomplete(support_client, crm_rows):
    payment = Payment.objects.filter(user=crm_rows["anna"]).get()
    response = support_client.get(reverse("admin:crm_payment_change", args=[payment.pk]))
    assert "admin-autocomplete" in response.content.decode()


def test_a_customer_without_staff_rights_cannot_open_the_admin(client, crm_rows):
    client.force_login(PortalUserFactory(username="anna@example.com", is_staff=False))
    for url in (reverse("admin:index"), changelist("user"), changelist("payment")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
