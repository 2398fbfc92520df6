"""A closed month reaches each customer once, through a real SMTP server (aiosmtpd), with the
API's figures in the body and in the attached PDF, in the customer's language."""

import re
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from portal.etl import runs
from portal.reports.delivery.models import MonthlyEmail
from portal.reports.delivery.preferences import preference_for, save_preference
from portal.reports.models import ReportAccessLog
from portal.reports.tasks import deliver_closed_month, send_month_email
from tests.support.delivery import MARCH, closing_run

db = pytest.mark.django_db(databases="__all__")


def api_month(client, user) -> dict:
    client.force_login(user)
    response = client.get("/api/reports/me/2025-03/")
    client.logout()
    assert response.status_code == 200
    return response.json()


def number(text: str) -> Decimal:
    """``7 990,00`` (Russian) or ``7,990.00`` (English) -> Decimal("7990.00")."""
    compact = re.sub(r"[\s\u00a0\u202f]", "", text)
    if "," in compact and "." not in compact:
        compact = compact.replace(",", ".")
    return Decimal(compact.replace(",", ""))


def figure_in(body: str, label: str) -> tuple[Decimal, str | None]:
    """The value and the change of ``label: value (change)`` in a plain-text body."""
    match = re.search(rf"^{re.escape(label)}: ([\d\s\u00a0.,]+)[^\n(]*(?:\((.+)\))?$", body, re.MULTILINE)
    assert match, f"{label!r} not in:\n{body}"
    return number(match[1]), match[2]


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


@db
def test_a_closed_month_arrives_in_russian_with_the_api_figures_and_the_pdf(
    delivery_world, smtp_server, client
):
    deliver_closed_month(delivery_world.run.pk)

    [mail] = smtp_server.mail_to("anna@example.com")
    api = api_month(client, delivery_world.anna_user)
    assert mail.recipients == ["anna@example.com"]
    assert mail.header("Subject") == "Ваш отчёт BionicPRO за март 2025"
    assert "Анна Петрова" in mail.text
    # The month compared with, inside a sentence: lower case in Russian (issue 12, bug 9).
    assert "отчётом за февраль 2025." in mail.text
    charged, change = figure_in(mail.text, "Оплачено успешно")
    assert charged == Decimal(api["metrics"]["successful_payments"])
    assert change == "+1\u00a0000,00\u00a0₽"
    assert figure_in(mail.text, "Открыто обращений в поддержку")[0] == api["metrics"]["tickets_opened"]
    [(filename, content_type, content)] = mail.attachments()
    assert (filename, content_type) == (
        f"bionicpro-statement-{delivery_world.anna.pk}-2025-03.pdf",
        "application/pdf",
    )
    text = pdf_text(content)
    assert "Март 2025" in text
    assert "7 990,00" in text.replace("\u00a0", " ")
    assert api["prosthetics"][0]["serial_number"] in text


@db
def test_a_customer_who_chose_english_gets_the_email_in_english(delivery_world, smtp_server, client):
    deliver_closed_month(delivery_world.run.pk)

    [mail] = smtp_server.mail_to("john@example.com")
    api = api_month(client, delivery_world.john_user)
    assert mail.header("Subject") == "Your BionicPRO report for March 2025"
    assert "John Smith" in mail.text
    assert figure_in(mail.text, "Paid successfully")[0] == Decimal(api["metrics"]["successful_payments"])
    # His first month: nothing to compare with.
    assert figure_in(mail.text, "Paid successfully")[1] is None
    [(_, _, content)] = mail.attachments()
    assert "March 2025" in pdf_text(content)
    assert "4,990.00" in pdf_text(content)


@db
def test_every_email_carries_one_click_unsubscribe_headers(delivery_world, smtp_server):
    deliver_closed_month(delivery_world.run.pk)

    for mail in smtp_server.received:
        assert re.fullmatch(
            r"<http://127\.0\.0\.1:8000/mail/unsubscribe/[^/>]+/>", mail.header("List-Unsubscribe")
        )
        assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"


@db
def test_the_one_click_post_unsubscribes_without_signing_in(delivery_world, smtp_server, client):
    deliver_closed_month(delivery_world.run.pk)
    [mail] = smtp_server.mail_to("anna@example.com")
    path = mail.header("List-Unsubscribe").strip("<>").removeprefix("http://127.0.0.1:8000")

    response = client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert preference_for(delivery_world.anna.pk).enabled is False
    assert preference_for(delivery_world.john.pk).enabled is True


@db
@pytest.mark.parametrize("tamper", ["altered", "foreign", "garbage"])
def test_a_forged_or_altered_unsubscribe_token_is_refused(delivery_world, client, settings, tamper):
    from django.core import signing

    from portal.reports.delivery.tokens import UNSUBSCRIBE_SALT, unsubscribe_token

    token = unsubscribe_token(delivery_world.anna.pk)
    forged = {
        "altered": signing.dumps({"customer": delivery_world.john.pk}, salt=UNSUBSCRIBE_SALT)[:-3]
        + token[-3:],
        "foreign": signing.dumps(
            {"customer": delivery_world.anna.pk}, salt=UNSUBSCRIBE_SALT, key="another-key"
        ),
        "garbage": "not-a-token",
    }[tamper]

    response = client.post(f"/mail/unsubscribe/{forged}/")

    assert response.status_code == 400
    assert preference_for(delivery_world.anna.pk).enabled is True
    assert preference_for(delivery_world.john.pk).enabled is True


@db
def test_an_opted_out_customer_gets_nothing(delivery_world, smtp_server):
    save_preference(crm_user_id=delivery_world.anna.pk, enabled=False, language="ru")

    deliver_closed_month(delivery_world.run.pk)

    assert smtp_server.mail_to("anna@example.com") == []
    assert smtp_server.rcpt_attempts("anna@example.com") == 0
    assert MonthlyEmail.objects.get(crm_user_id=delivery_world.anna.pk).status == MonthlyEmail.Status.SKIPPED
    assert len(smtp_server.mail_to("john@example.com")) == 1


@db
def test_a_temporary_smtp_refusal_is_retried_and_the_email_arrives_once(delivery_world, smtp_server):
    smtp_server.refuse("anna@example.com", "451 4.3.0 Mailbox busy, try again later", times=2)

    deliver_closed_month(delivery_world.run.pk)

    assert smtp_server.rcpt_attempts("anna@example.com") == 3
    assert len(smtp_server.mail_to("anna@example.com")) == 1
    email = MonthlyEmail.objects.get(crm_user_id=delivery_world.anna.pk)
    assert (email.status, email.attempts) == (MonthlyEmail.Status.SENT, 3)


@db
def test_a_permanent_smtp_refusal_is_recorded_and_not_retried(delivery_world, smtp_server):
    smtp_server.refuse("john@example.com", "550 5.1.1 No such user here", times=5)

    deliver_closed_month(delivery_world.run.pk)

    assert smtp_server.rcpt_attempts("john@example.com") == 1
    email = MonthlyEmail.objects.get(crm_user_id=delivery_world.john.pk)
    assert email.status == MonthlyEmail.Status.FAILED
    assert email.attempts == 1
    assert email.detail == "SMTP 550: 5.1.1 No such user here"
    assert len(smtp_server.mail_to("anna@example.com")) == 1


def test_retries_back_off_and_sending_is_rate_limited_from_settings():
    from django.conf import settings

    assert send_month_email.rate_limit == f"{settings.REPORT_DELIVERY_PER_MINUTE}/m"
    assert send_month_email.max_retries == settings.REPORT_DELIVERY_MAX_RETRIES


@db
def test_running_the_coordinator_again_or_a_later_rebuild_sends_nothing_twice(delivery_world, smtp_server):
    deliver_closed_month(delivery_world.run.pk)
    deliver_closed_month(delivery_world.run.pk)
    later = closing_run(
        data_as_of=delivery_world.run.data_as_of.replace(day=9), months=["2025-03", "2025-04"]
    )
    deliver_closed_month(later.pk)
    email = MonthlyEmail.objects.get(crm_user_id=delivery_world.anna.pk)
    send_month_email(email.pk)  # a redelivered task message

    assert len(smtp_server.mail_to("anna@example.com")) == 1
    assert len(smtp_server.mail_to("john@example.com")) == 1
    assert MonthlyEmail.objects.count() == 2


@db
def test_a_run_that_has_not_passed_the_month_end_sends_nothing(delivery_world, smtp_server):
    mid_march = closing_run(
        data_as_of=delivery_world.run.data_as_of.replace(month=3, day=20), months=["2025-03"]
    )
    delivery_world.run.delete()

    deliver_closed_month(mid_march.pk)

    assert smtp_server.received == []
    assert not MonthlyEmail.objects.exists()


@db
def test_support_re_sends_one_customers_month_from_the_admin_and_it_is_audited(
    delivery_world, smtp_server, client, django_capture_on_commit_callbacks
):
    deliver_closed_month(delivery_world.run.pk)
    email = MonthlyEmail.objects.get(crm_user_id=delivery_world.anna.pk)
    client.force_login(delivery_world.staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/reports/monthlyemail/", {"action": "resend_selected", "_selected_action": [email.pk]}
        )

    assert response.status_code == 302
    assert len(smtp_server.mail_to("anna@example.com")) == 2
    assert len(smtp_server.mail_to("john@example.com")) == 1
    email.refresh_from_db()
    assert (email.status, email.resends) == (MonthlyEmail.Status.SENT, 1)
    audit = ReportAccessLog.objects.get()
    assert (audit.accessed_by, audit.crm_user_id, audit.month, audit.resource, audit.channel) == (
        delivery_world.staff,
        delivery_world.anna.pk,
        MARCH,
        "email",
        "admin",
    )


@db
def test_the_admin_lists_what_was_sent_and_why_one_failed(delivery_world, smtp_server, client):
    smtp_server.refuse("john@example.com", "550 5.1.1 No such user here")
    deliver_closed_month(delivery_world.run.pk)
    client.force_login(delivery_world.staff)

    page = client.get("/admin/reports/monthlyemail/").content.decode()

    assert "anna@example.com" in page
    assert "SMTP 550: 5.1.1 No such user here" in page


@db
def test_the_etl_success_queues_the_delivery_once_committed(
    delivery_world, smtp_server, django_capture_on_commit_callbacks
):
    delivery_world.run.status = "running"
    delivery_world.run.save()

    with django_capture_on_commit_callbacks(execute=True):
        runs.finish(delivery_world.run.pk, months=["2025-02", "2025-03"], watermarks={})

    assert {mail.recipients[0] for mail in smtp_server.received} == {"anna@example.com", "john@example.com"}


@db
def test_delivery_turned_off_for_the_portal_sends_nothing(delivery_world, smtp_server, settings):
    settings.REPORT_DELIVERY_ENABLED = False

    deliver_closed_month(delivery_world.run.pk)

    assert smtp_server.received == []


@db
def test_the_resume_schedule_is_set_up():
    call_command("setup_periodic_tasks")

    task = PeriodicTask.objects.get(name="bionicpro_report_emails")
    assert task.task == "reports.deliver_closed_month"
    assert task.interval.every == 15 * 60
