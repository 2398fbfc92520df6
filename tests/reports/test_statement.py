"""How a statement reads (DESIGN.md): on the crafted ``statement_world`` the month page, the API,
the CSV and the PDF say what changed, what a red status means and what to do about it."""

import csv
import io
import re
import subprocess

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from portal.core.error_pages import server_error
from portal.crm.models import SupportTicket
from portal.reports.models import ReportAccessLog
from tests.support.statement_world import CUSTOMER_NAME

pytestmark = pytest.mark.django_db(databases="__all__")

MARCH = "2025-03"


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ").replace("&nbsp;", " "))


def signed_in(user, language: str = "ru", zone: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    if zone:
        client.cookies["tz"] = zone
    return client


def card(page_text: str, serial: str) -> str:
    """The text of one prosthesis card: from its serial number to the next card's heading."""
    start = page_text.index(serial)
    rest = page_text[start:]
    end = rest.find("BionicPRO", len(serial))
    return rest if end < 0 else rest[:end]


def test_a_month_without_telemetry_says_no_data_and_the_crm_status_never_healthy(statement_world):
    """Bug 3: a retired prosthesis with no events and no readings read "исправен, время работы 100,00 %"."""
    page = text_of(signed_in(statement_world.customer).get(f"/reports/me/{MARCH}/"))
    leg = card(page, statement_world.retired_leg.serial_number)
    assert "Нет данных за месяц · списан" in leg
    assert "исправен" not in leg and "100,00" not in leg
    api = signed_in(statement_world.customer).get(f"/api/reports/me/{MARCH}/").json()
    leg_block = next(p for p in api["prosthetics"] if p["prosthetic_id"] == statement_world.retired_leg.pk)
    assert leg_block["has_telemetry"] is False and leg_block["device_status"] == "retired"
    assert leg_block["health_status"] == "healthy"  # the mart keeps its definition


def test_money_leads_with_what_was_charged_and_explains_the_failed_attempts(statement_world):
    """Bug 4: "Платежи 8 970 ₽" added a failed attempt to the 5 980 ₽ charged, unexplained and unitless."""
    page = text_of(signed_in(statement_world.customer).get(f"/reports/me/{MARCH}/"))
    finance = page[page.index("Платежи и подписки") :]
    lead = "Стрелки — сравнение с месяцем: февраль 2025."  # noqa: RUF001 (Russian text)
    first_figure = re.search(re.escape(lead) + r" (\S+) ([\d ]+,\d\d ₽)", finance)
    assert first_figure and first_figure.groups() == ("Списано", "5 980,00 ₽")
    assert "Попытки списания 8 970,00 ₽" in finance
    assert "Списанное плюс 1 неуспешная попытка на 2 990,00 ₽; неуспешная попытка не списывается." in finance
    assert "Неуспешные платежи 1 попытка" in finance


def test_russian_statement_reads_naturally_with_units(statement_world):
    """Bug 9 (customer side): month names mid-sentence, one word for uptime, units everywhere."""
    customer = signed_in(statement_world.customer)
    page = text_of(customer.get(f"/reports/me/{MARCH}/"))
    assert "Отчёт за март 2025" in page and "Отчёт за Март" not in page
    assert "время работы" not in page
    assert "критическое состояние, доступность 99,87 %" in page
    assert "Часы использования 112,00 ч" in page
    assert "Стоимость подписок 5 980,00 ₽/мес" in page
    months = text_of(customer.get("/reports/"))
    assert "По месяц" not in months
    assert "по (месяц включительно)" in months
    assert "5 980,00 ₽/мес" in months


def test_each_figure_is_compared_with_last_month_and_summed_up(statement_world):
    customer = signed_in(statement_world.customer)
    api = customer.get(f"/api/reports/me/{MARCH}/").json()
    assert api["previous_metrics"]["month"] == "2025-02"
    assert api["year_to_date"] == {
        "from_month": "2025-01",
        "to_month": "2025-03",
        "months": 3,
        "total_payments": "17940.00",
        "successful_payments": "14950.00",
        "failed_payments_count": 1,
        "tickets_opened": 3,
        "tickets_resolved": 0,
    }
    arm = next(p for p in api["prosthetics"] if p["prosthetic_id"] == statement_world.arm.pk)
    assert arm["previous"]["total_active_hours"] == "100.00"
    page = text_of(customer.get(f"/reports/me/{MARCH}/"))
    assert "Списано 5 980,00 ₽ ▲ +2 990,00 ₽" in page
    assert "Часы использования 112,00 ч ▲ +12,00 ч" in page
    assert "Критические ошибки 1 шт. ▲ +1 шт." in page
    assert (
        "Коротко: Списано 5 980,00 ₽, на 2 990,00 ₽ больше, чем в прошлом месяце, "
        "1 неуспешная попытка оплаты; левая рука использовалась на 12 % больше; "
        "1 критическая ошибка 17 марта; нет данных от протеза (правая нога)."
    ) in page
    assert "С начала 2025 года Списано 14 950,00 ₽" in page  # noqa: RUF001 (Russian text)


def test_a_critical_status_lists_its_events_in_local_time_with_plain_explanations(statement_world):
    page = text_of(signed_in(statement_world.customer).get(f"/reports/me/{MARCH}/"))
    arm = card(page, statement_world.arm.serial_number)
    assert "Что произошло" in arm
    # 10:00 UTC is 13:00 in Moscow, the default zone in Russian.
    assert "17 марта, 13:00 · критическая ошибка C901 — Сбой драйвера мотора." in arm
    assert "Простой 60,0 мин, перезапуск 17 марта, 14:00." in arm
    assert "5 марта, 12:00 · ошибка E101 — Долгий отклик датчика хвата." in arm
    assert "ошибка E999 — Неизвестный код ошибки E999. Этого кода ещё нет в нашем справочнике" in arm


def test_times_follow_the_browsers_zone_and_say_which(statement_world):
    """Bug 8: times were UTC only."""
    moscow = text_of(signed_in(statement_world.customer).get(f"/reports/me/{MARCH}/"))
    assert "Данные на 1 апреля 2025, 03:00 (время Europe/Moscow)." in moscow
    vladivostok = text_of(
        signed_in(statement_world.customer, zone="Asia/Vladivostok").get(f"/reports/me/{MARCH}/")
    )
    assert "Данные на 1 апреля 2025, 10:00 (время Asia/Vladivostok)." in vladivostok
    english = text_of(signed_in(statement_world.customer, "en").get(f"/reports/me/{MARCH}/"))
    assert "Data as of 1 April 2025, 00:00 (UTC time)." in english
    bogus = text_of(signed_in(statement_world.customer, zone="Mars/Olympus").get(f"/reports/me/{MARCH}/"))
    assert "(время Europe/Moscow)" in bogus
    api = signed_in(statement_world.customer, zone="Asia/Vladivostok").get(f"/api/reports/me/{MARCH}/").json()
    assert api["data_as_of"] == "2025-04-01T00:00:00Z"  # the API stays in UTC


def test_error_pages_write_dates_out_in_the_readers_language(statement_world):
    """Bug 8: the "not ready" page said "2025-03-31" where the rest writes "31 марта 2025"."""
    response = signed_in(statement_world.customer).get("/reports/me/2025-05/")
    assert response.status_code == 409
    page = text_of(response)
    assert "данные обработаны по 31 марта 2025" in page
    assert "2025-03-31" not in page and "2025-05" not in page
    english = text_of(signed_in(statement_world.customer, "en").get("/reports/me/2025-05/"))
    assert "processed through 31 March 2025" in english


@pytest.mark.parametrize(("language", "title"), [("ru", "Страница не найдена"), ("en", "Page not found")])
def test_unknown_address_gets_a_page_in_the_sites_look_and_language(statement_world, language, title):
    """Bug 6: Django's bare English "Not Found"."""
    for client in (Client(), signed_in(statement_world.customer, language)):
        client.cookies["django_language"] = language
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        html = response.content.decode()
        assert 'class="site-header"' in html and "portal.css" in html
        assert f"<h1>{title}</h1>" in html
        assert f'lang="{language}"' in html


def test_forbidden_and_server_error_pages_are_styled_and_translated(statement_world):
    """Bug 6: 403 and 500 were unstyled."""
    csrf_checked = Client(enforce_csrf_checks=True)
    csrf_checked.force_login(statement_world.customer)
    response = csrf_checked.post(f"/reports/me/{MARCH}/support", {"prosthetic_id": statement_world.arm.pk})
    assert response.status_code == 403
    assert 'class="site-header"' in response.content.decode() and "Форма устарела" in text_of(response)
    request = RequestFactory().get("/anything/")
    with translation.override("ru"):
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert 'class="site-header"' in html and "Что-то пошло не так" in html


def test_wrong_password_message_names_the_email_the_form_asks_for(statement_world):
    """Bug 7: "имя пользователя" while the field is labelled e-mail."""
    client = Client()
    client.cookies["django_language"] = "ru"
    response = client.post("/accounts/login/", {"username": "nobody@example.com", "password": "wrong"})
    page = text_of(response)
    assert "Неверный адрес электронной почты или пароль" in page
    assert "имя пользователя" not in page
    assert 'type="email"' in response.content.decode()


def test_customer_opens_a_support_ticket_about_their_prosthesis_and_month(statement_world):
    customer = signed_in(statement_world.customer)
    response = customer.post(f"/reports/me/{MARCH}/support", {"prosthetic_id": statement_world.arm.pk})
    assert response.status_code == 302 and response["Location"].endswith(f"/reports/me/{MARCH}/")
    ticket = SupportTicket.objects.get(user_id=statement_world.crm_id)
    assert ticket.prosthetic_id == statement_world.arm.pk
    assert ticket.status == "open" and ticket.priority == "high"
    assert "март 2025" in ticket.subject and statement_world.arm.serial_number in ticket.subject
    assert "BP-" in ticket.description and "C901" in ticket.description
    # Asking again while it is open does not open a second one.
    customer.post(f"/reports/me/{MARCH}/support", {"prosthetic_id": statement_world.arm.pk})
    assert SupportTicket.objects.filter(user_id=statement_world.crm_id).count() == 1
    # The customer sees it and its state.
    tickets = text_of(customer.get("/reports/me/tickets/"))
    assert f"#{ticket.pk}" in tickets and "Открыт" in tickets


def test_support_ticket_only_for_the_customers_own_prosthesis_and_only_by_post(statement_world):
    customer = signed_in(statement_world.customer)
    other = customer.post(f"/reports/me/{MARCH}/support", {"prosthetic_id": statement_world.other_arm.pk})
    assert other.status_code == 404
    foreign_report = customer.post(
        f"/reports/{statement_world.other_crm_id}/{MARCH}/support",
        {"prosthetic_id": statement_world.other_arm.pk},
    )
    assert foreign_report.status_code == 404
    assert customer.get(f"/reports/me/{MARCH}/support").status_code == 405
    staff = signed_in(statement_world.staff)
    by_staff = staff.post(
        f"/reports/{statement_world.crm_id}/{MARCH}/support", {"prosthetic_id": statement_world.arm.pk}
    )
    assert by_staff.status_code == 403
    assert not SupportTicket.objects.exists()


def test_month_navigation_and_the_month_list_by_year_with_status_and_period_totals(statement_world):
    customer = signed_in(statement_world.customer)
    feb = customer.get("/reports/me/2025-02/").content.decode()
    assert 'rel="prev" href="/reports/me/2025-01/"' in feb and 'rel="next" href="/reports/me/2025-03/"' in feb
    march = customer.get(f"/reports/me/{MARCH}/").content.decode()
    assert 'rel="next"' not in march  # April is not processed
    listing = customer.get("/reports/").content.decode()
    assert '<h2 class="year-heading">2025</h2>' in listing
    assert "status--critical" in listing and "Итоги за все месяцы" in listing
    period = customer.get("/reports/me/?from=2025-02&to=2025-03")
    page = text_of(period)
    assert "Итоги за период Списано 8 970,00 ₽ Попытки списания 11 960,00 ₽" in page
    assert 'href="/reports/me/">Сбросить' in period.content.decode().replace(
        'class="button button--quiet" ', ""
    )
    api = customer.get("/api/reports/me/?from=2025-02&to=2025-03").json()
    assert api["totals"]["successful_payments"] == "8970.00" and api["totals"]["months"] == 2
    assert [m["health_status"] for m in api["months"]] == ["healthy", "critical"]


def test_charts_have_titles_units_legends_and_separate_current_scales(statement_world):
    html = signed_in(statement_world.customer).get(f"/reports/me/{MARCH}/").content.decode()
    for chart_id in ("discharge", "charge", "usage", "payments"):
        assert f'id="chart-{chart_id}-title"' in html
    assert "Средний ток разряда при работе, мА" in html and "Ток зарядки, мА" in html
    # Drawn narrow with large text, so a phone shows it near 1:1 (bug 2).
    for view_box, font in re.findall(r'<svg[^>]*viewBox="0 0 (\d+) \d+"[^>]*font-size="(\d+)"', html):
        assert int(view_box) <= 320 and int(font) >= 13
    assert 'id="chart-grips-' in html and 'id="chart-errors-' in html


def test_csv_of_the_month_list_and_of_one_month_match_the_api(statement_world):
    customer = signed_in(statement_world.customer)
    for url in ("/api/reports/me/?format=csv", "/reports/me/csv"):
        response = customer.get(url)
        assert response["Content-Type"].startswith("text/csv")
        assert f'filename="bionicpro-{statement_world.crm_id}-months.csv"' in response["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert [r["month"] for r in rows] == ["2025-01", "2025-02", "2025-03"]
        assert rows[-1]["successful_payments"] == "5980.00" and rows[-1]["health_status"] == "critical"
    for url in (f"/api/reports/me/{MARCH}/?format=csv", f"/reports/me/{MARCH}/csv"):
        response = customer.get(url)
        assert f'filename="bionicpro-{statement_world.crm_id}-{MARCH}.csv"' in response["Content-Disposition"]
        body = response.content.decode()
        assert "BP-" in body and statement_world.retired_leg.serial_number in body
    assert customer.get(f"/reports/{statement_world.other_crm_id}/csv").status_code == 404
    assert customer.get(f"/api/reports/{statement_world.other_crm_id}/{MARCH}/?format=csv").status_code == 404


def test_staff_csv_reads_are_audited_like_the_pdf(statement_world):
    staff = signed_in(statement_world.staff)
    assert staff.get(f"/reports/{statement_world.crm_id}/{MARCH}/csv").status_code == 200
    assert staff.get(f"/api/reports/{statement_world.crm_id}/?format=csv").status_code == 200
    logged = list(ReportAccessLog.objects.order_by("id").values_list("resource", "channel", "crm_user_id"))
    assert logged == [("csv", "page", statement_world.crm_id), ("csv", "api", statement_world.crm_id)]


def pdf_tool(tool: str, content: bytes) -> str:
    args = [tool, "-", "-"] if tool == "pdftotext" else [tool, "-"]
    return subprocess.run(args, input=content, capture_output=True, check=True).stdout.decode()


def test_pdf_names_the_customer_is_tagged_fits_one_page_and_shows_every_api_figure(statement_world):
    customer = signed_in(statement_world.customer)
    response = customer.get(f"/reports/me/{MARCH}/pdf")
    assert response.status_code == 200
    assert (
        f'filename="bionicpro-statement-{statement_world.crm_id}-{MARCH}.pdf"'
        in response["Content-Disposition"]
    )
    content = b"".join(response.streaming_content) if response.streaming else response.content
    info = pdf_tool("pdfinfo", content)
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    text = re.sub(r"\s+", " ", pdf_tool("pdftotext", content).replace("\u00a0", " "))
    api = customer.get(f"/api/reports/me/{MARCH}/").json()
    assert CUSTOMER_NAME in text and api["statement_number"] in text
    with translation.override("ru"):
        from portal.reports.formatting import figure

        figures = [v for k, v in api["metrics"].items() if k not in ("month", "data_as_of")]
        for block in api["prosthetics"]:
            if block["has_telemetry"]:
                figures += [
                    block[k] for k in ("power_on_count", "total_active_hours", "avg_discharge_rate_active")
                ]
                figures += [
                    block[k] for k in ("avg_charge_rate", "avg_battery_temperature_c", "charge_cycles")
                ]
                figures += [
                    block[k]
                    for k in ("error_count", "critical_error_count", "downtime_minutes", "uptime_pct")
                ]
        for value in figures:
            assert figure(value).replace("\u00a0", " ") in text, value
