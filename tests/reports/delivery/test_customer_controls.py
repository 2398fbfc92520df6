"""The customer's side: the settings page changes only their own settings, and the PDF link in an
e-mail (used when the PDF is too large to attach) still goes through sign-in and the access gate."""

import re

import pytest

from portal.reports.delivery.models import DeliveryPreference
from portal.reports.delivery.preferences import preference_for
from portal.reports.delivery.tokens import pdf_link_token
from portal.reports.models import ReportAccessLog
from portal.reports.tasks import deliver_closed_month
from tests.support.delivery import MARCH

db = pytest.mark.django_db(databases="__all__")


@db
def test_delivery_is_on_in_russian_until_the_customer_changes_it(delivery_world, client):
    client.force_login(delivery_world.anna_user)

    page = client.get("/mail/settings/")

    assert page.status_code == 200
    assert page.context["form"].initial == {"enabled": True, "language": "ru"}
    assert not DeliveryPreference.objects.filter(crm_user_id=delivery_world.anna.pk).exists()


@db
def test_a_customer_changes_only_their_own_settings(delivery_world, client):
    client.force_login(delivery_world.anna_user)

    response = client.post(
        "/mail/settings/", {"language": "en", "crm_user_id": delivery_world.john.pk, "customer": "john"}
    )

    assert response.status_code == 302
    anna = preference_for(delivery_world.anna.pk)
    assert (anna.enabled, anna.language) == (False, "en")
    john = preference_for(delivery_world.john.pk)
    assert (john.enabled, john.language) == (True, "en")


@db
def test_the_settings_page_needs_a_signed_in_customer(delivery_world, client):
    assert client.get("/mail/settings/")["Location"].startswith("/accounts/login/")
    assert client.post("/mail/settings/", {"language": "en"}).status_code == 302
    client.force_login(delivery_world.staff)
    assert client.post("/mail/settings/", {"language": "en"}).status_code == 404
    assert DeliveryPreference.objects.filter(enabled=False).count() == 0


@db
def test_an_invalid_language_is_a_clear_400(delivery_world, client):
    client.force_login(delivery_world.anna_user)

    response = client.post("/mail/settings/", {"enabled": "on", "language": "xx"})

    assert response.status_code == 400
    assert preference_for(delivery_world.anna.pk).language == "ru"


@db
def test_a_pdf_over_the_size_limit_is_linked_and_the_link_respects_the_gate(
    delivery_world, smtp_server, client, settings
):
    settings.REPORT_DELIVERY_MAX_ATTACHMENT_BYTES = 1000
    deliver_closed_month(delivery_world.run.pk)
    [mail] = smtp_server.mail_to("anna@example.com")
    assert mail.attachments() == []
    link = re.search(r"http://127\.0\.0\.1:8000(/mail/pdf/[^/\s]+/)", mail.text)[1]

    assert client.get(link)["Location"].startswith("/accounts/login/")
    client.force_login(delivery_world.john_user)
    assert client.get(link).status_code == 404
    client.force_login(delivery_world.anna_user)
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF")
    assert not ReportAccessLog.objects.exists()
    client.force_login(delivery_world.staff)
    assert client.get(link).status_code == 200
    audit = ReportAccessLog.objects.get()
    assert (audit.crm_user_id, audit.month, audit.resource) == (delivery_world.anna.pk, MARCH, "pdf")


@db
def test_an_altered_pdf_link_is_not_found(delivery_world, client):
    token = pdf_link_token(delivery_world.anna.pk, MARCH)
    other = pdf_link_token(delivery_world.john.pk, MARCH)
    client.force_login(delivery_world.john_user)

    assert client.get(f"/mail/pdf/{token[:-2]}xx/").status_code == 404
    assert client.get(f"/mail/pdf/{other.split(':')[0]}:{token.split(':', 1)[1]}/").status_code == 404
