"""The admin in Russian reads correctly (issue 12, bug 9): counts are declined ("2 записи", not
"2 клиенты"), stored values are named (ticket categories, payment methods, access-log values, ETL
steps and rejection reasons), filters are titled without "По статус", and the header is
BionicPRO's, not "Администрирование Django"."""

import re

import pytest
from django.urls import reverse

from portal.etl.models import EtlRun
from portal.reports.models import ReportAccessLog
from tests.support.factories import (
    CrmUserFactory,
    PaymentFactory,
    PortalUserFactory,
    SupportTicketFactory,
)

pytestmark = pytest.mark.django_db(databases="__all__")
RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}


@pytest.fixture
def admin_client(client):
    client.force_login(PortalUserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def page(client, url: str, **params) -> str:
    response = client.get(url, params, **RU)
    assert response.status_code == 200
    return response.content.decode()


def test_the_header_and_title_are_bionicpros(admin_client):
    html = page(admin_client, reverse("admin:index"))
    assert "Django" not in re.sub(r"<script.*?</script>|<link[^>]*>", "", html, flags=re.S)
    assert "Администрирование BionicPRO" in html


def test_counts_are_declined_in_russian(admin_client):
    CrmUserFactory.create_batch(2)
    html = page(admin_client, reverse("admin:crm_user_changelist"))
    assert "2 клиенты" not in html
    assert re.search(r"\b2 записи\b", html)
    assert "Выберите клиент для изменения" not in html
    assert "<h1>Клиенты</h1>" in html
    CrmUserFactory.create_batch(3)
    assert re.search(r"\b5 записей\b", page(admin_client, reverse("admin:crm_user_changelist")))


def test_a_record_page_is_titled_by_the_model_not_a_broken_phrase(admin_client):
    customer = CrmUserFactory(full_name="Анна Иванова")
    html = page(admin_client, reverse("admin:crm_user_change", args=[customer.pk]))
    assert "Изменить клиент<" not in html and "Изменить клиент " not in html
    assert "<h1>Клиент</h1>" in html
    assert "Анна Иванова" in html


def test_select_all_across_pages_is_phrased_with_the_count(admin_client, settings):
    from portal.crm.admin import CustomerAdmin

    CrmUserFactory.create_batch(3)
    CustomerAdmin.list_per_page, previous = 2, CustomerAdmin.list_per_page
    try:
        html = page(admin_client, reverse("admin:crm_user_changelist"))
    finally:
        CustomerAdmin.list_per_page = previous
    assert "Выбрать все записи (3)" in html
    assert "клиенты" not in html.split("Выбрать все записи")[1][:40]


def test_filters_are_titled_without_a_broken_by_phrase(admin_client):
    html = page(admin_client, reverse("admin:crm_payment_changelist"))
    assert "По статус" not in html
    assert re.search(r"<summary>\s*Статус\s*</summary>", html)


def test_payment_methods_and_ticket_categories_are_named(admin_client):
    customer = CrmUserFactory()
    PaymentFactory(user=customer, method="sbp")
    SupportTicketFactory(user=customer, category="battery")
    payments = page(admin_client, reverse("admin:crm_payment_changelist"))
    assert "Система быстрых платежей (СБП)" in payments
    assert ">sbp<" not in payments
    tickets = page(admin_client, reverse("admin:crm_supportticket_changelist"))
    assert "аккумулятор" in tickets
    assert ">battery<" not in tickets


def test_access_log_values_are_named(admin_client):
    reader = PortalUserFactory(username="sam")
    ReportAccessLog.objects.create(accessed_by=reader, crm_user_id=3, resource="list", channel="page")
    html = page(admin_client, reverse("admin:reports_reportaccesslog_changelist"))
    assert "список месяцев" in html and "веб-страница" in html
    assert ">list<" not in html and ">page<" not in html


def test_etl_steps_and_rejections_are_named(admin_client):
    run = EtlRun.objects.create(
        trigger=EtlRun.Trigger.COMMAND,
        status=EtlRun.Status.SUCCESS,
        steps={
            "extract_crm": {"read": 10, "written": 10},
            "extract_telemetry": {"read": 5, "written": 4, "rejected": {"events.negative_current": 1}},
        },
    )
    html = page(admin_client, reverse("admin:etl_etlrun_change", args=[run.pk]))
    assert "Выгрузка из CRM" in html and "Выгрузка телеметрии" in html
    assert "события: отрицательный ток: 1" in html
    assert "Extract CRM" not in html
