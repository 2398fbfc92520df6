"""What a report says: the API's month, the month page and the PDF show the same figures,
NULL averages read as a dash, Russian by default and English on request."""

import re
import subprocess

import pytest
from django.utils import translation

from portal.reports import formatting

pytestmark = pytest.mark.django_db(databases="__all__")

MONTH = "2025-03"
DASH = "—"


def pdf_text(content: bytes) -> str:
    text = subprocess.run(
        # Reading order, not -layout: the prosthesis blocks stand side by side on the page.
        ["pdftotext", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout
    return normalise(text.decode())


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def api_month(client, user):
    client.force_login(user)
    response = client.get(f"/api/reports/me/{MONTH}/")
    assert response.status_code == 200
    return response.json()


def every_figure(report: dict) -> list:
    figures = [value for key, value in report["metrics"].items() if key not in ("month", "data_as_of")]
    for prosthesis in report["prosthetics"]:
        figures += [
            value for key, value in prosthesis.items() if key not in ("serial_number", "model", "limb")
        ]
    return [value for value in figures if isinstance(value, int | str) and not str(value).isalpha()]


def download(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_api_month_has_user_metrics_and_one_block_per_prosthesis(client, reports_world):
    report = api_month(client, reports_world.customer_a)
    assert report["month"] == MONTH
    assert report["user_id"] == reports_world.crm_a.pk
    assert report["data_as_of"] == "2025-04-01T00:00:00Z"
    assert report["metrics"]["total_payments"] == "12980.00"
    assert report["metrics"]["failed_payments_count"] == 1
    assert [p["prosthetic_id"] for p in report["prosthetics"]] == [11, 12]
    with_readings, without = report["prosthetics"]
    assert with_readings["avg_discharge_rate_active"] == "452.38"
    assert with_readings["avg_battery_temperature_c"] == "31.7"
    assert without["avg_discharge_rate_active"] is None
    assert without["avg_charge_rate"] is None
    assert without["avg_battery_temperature_c"] is None
    assert [p["month"] for p in report["payment_history"]] == ["2025-01", "2025-02", "2025-03"]


def test_pdf_text_has_the_same_figures_as_the_api(client, reports_world):
    report = api_month(client, reports_world.customer_a)
    text = pdf_text(download(client, f"/api/reports/me/{MONTH}/pdf"))
    with translation.override("ru"):
        expected = {normalise(formatting.figure(value)) for value in every_figure(report)}
        expected.add(normalise(formatting.health_summary(report["prosthetics"][0])))
    missing = sorted(figure for figure in expected if figure not in text)
    assert not missing, f"figures of the API missing from the PDF: {missing}"
    assert "12 980,00 ₽" in text
    assert "исправен, доступность 99,80 %" in text


def test_pdf_is_russian_by_default_with_page_numbers_and_data_as_of(client, reports_world):
    client.force_login(reports_world.customer_a)
    text = pdf_text(download(client, f"/api/reports/me/{MONTH}/pdf"))
    assert "Отчёт за март 2025" in text or "Отчёт за Март 2025" in text
    assert "Страница 1 из" in text
    assert "Данные на 1 апреля 2025, 03:00 (время Europe/Moscow)" in text
    assert "Период: 1 марта 2025 \u2013 31 марта 2025" in text


def test_pdf_embeds_dejavu_for_every_text_including_page_numbers(client, reports_world):
    client.force_login(reports_world.customer_a)
    content = download(client, f"/api/reports/me/{MONTH}/pdf")
    fonts = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True).stdout.decode()
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names
    assert all("DejaVu" in name for name in names), names


def test_pdf_has_a_block_per_prosthesis_with_model_limb_and_status(client, reports_world):
    client.force_login(reports_world.customer_a)
    text = pdf_text(download(client, f"/api/reports/me/{MONTH}/pdf"))
    assert "BionicPRO X2 · левая рука" in text
    assert "BionicPRO L1 · правая нога" in text
    assert "требует внимания, доступность 99,10 %" in text


def test_null_averages_read_as_a_dash_in_the_pdf(client, reports_world):
    client.force_login(reports_world.customer_a)
    text = pdf_text(download(client, f"/api/reports/me/{MONTH}/pdf"))
    # The two prostheses stand side by side, so their lines interleave in the text: count the whole
    # document's dashes instead (besides the comparison note's): the L1's three NULL averages in its
    # block and its two NULL currents in the discharge and charge charts.
    assert text.replace("Стрелки — сравнение", "").count(DASH) == 3 + 2
    assert "None" not in text


def test_null_averages_read_as_a_dash_on_the_month_page(client, reports_world):
    client.force_login(reports_world.customer_a)
    page = client.get(f"/reports/me/{MONTH}/").content.decode()
    block = page[page.index('id="prosthesis-12"') :]
    battery = block[: block.index("</section>")]
    assert battery.count(f'<span class="value">{DASH}</span>') == 3
    assert "None" not in page


def test_month_page_shows_the_report_with_inline_svg_charts_and_no_inline_script(client, reports_world):
    client.force_login(reports_world.customer_a)
    response = client.get(f"/reports/me/{MONTH}/")
    page = response.content.decode()
    assert response.status_code == 200
    # Payments, hours, discharge and charge current, then grips and errors by day per prosthesis.
    assert page.count("<svg") == 4 + 2 * 2
    scripts = re.findall(r"<script[^>]*>", page)
    assert (
        len(scripts) == 1 and "js/timezone" in scripts[0] and " src=" in scripts[0]
    )  # a file, nothing inline
    assert "12\u00a0980,00\u00a0₽" in page
    assert "Данные на 1 апреля 2025, 03:00 (время Europe/Moscow)" in page
    assert f'href="/reports/me/{MONTH}/pdf"' in page


def test_month_list_page_has_key_figures_and_a_pdf_button_per_month(client, reports_world):
    client.force_login(reports_world.customer_a)
    page = client.get("/reports/").content.decode()
    for month in ("2025-01", "2025-02", "2025-03"):
        assert f'href="/reports/me/{month}/pdf"' in page
    assert page.count("7\u00a0990,00\u00a0₽") == 3  # charged, 3 months
    assert page.count("12\u00a0980,00\u00a0₽/мес") == 3  # subscription cost, 3 months
    assert "Данные обработаны по 31 марта 2025." in page


def test_language_switch_gives_english_pages_and_pdf(client, reports_world):
    client.force_login(reports_world.customer_a)
    switched = client.post("/i18n/setlang/", {"language": "en", "next": f"/reports/me/{MONTH}/"})
    assert switched.status_code == 302
    page = client.get(f"/reports/me/{MONTH}/").content.decode()
    assert "Report for March 2025" in page
    assert "12,980.00\u00a0₽" in page
    text = pdf_text(download(client, f"/reports/me/{MONTH}/pdf"))
    assert "Page 1 of" in text
    assert "healthy, 99.80% uptime" in text
    assert "BionicPRO L1 · right leg" in text


def test_api_error_messages_follow_the_language(client, reports_world):
    client.force_login(reports_world.customer_a)
    russian = client.get("/api/reports/me/2025-13/").json()["detail"]
    english = client.get("/api/reports/me/2025-13/", HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert russian != english
    assert "YYYY-MM" in english and "is not a month" in english
