"""Every customer page in a real Chromium on the seeded demo data (``demo_site``): at phone and
desktop size, in Russian and English, nothing overflows, no primary action is cut off and axe-core
finds no serious or critical violation; then the promises a customer sees on real data."""

import re

import pytest
from django.utils import translation

from portal.reports import comparison
from tests.support.browser_checks import chart_text_sizes, overflow, serious_axe_violations
from tests.support.demo_portal import DEMO_PASSWORD, open_page, sign_in
from tests.support.screens import CUSTOMER_SCREENS, LANGUAGES, VIEWPORTS, Screen

pytestmark = pytest.mark.e2e

PHONE, DESKTOP = VIEWPORTS["phone"], VIEWPORTS["desktop"]
MIN_CHART_TEXT_PX = 11


# Marked for every database so that pytest-django creates them all even when this module runs
# alone; read-only, so its rolled-back transaction leaves the seeded demo data alone.
@pytest.mark.django_db(databases="__all__")
def test_the_demo_site_serves_seeded_customers_with_a_month_needing_attention(demo_site):
    from portal.demo.logins import demo_customers

    assert demo_site.facts.customer_id in {c.id for c in demo_customers()}
    page = _page(demo_site, Screen("months", "/reports/", "customer"), "en", DESKTOP)
    try:
        months = page.request.get(f"{demo_site.url}/api/reports/me/").json()["months"]
        flagged = {m["month"]: m["health_status"] for m in months}
        assert flagged[demo_site.facts.month] in ("warning", "critical")
        assert flagged[demo_site.facts.quiet_month] == "no_data"
    finally:
        page.context.close()


def _page(demo_site, screen: Screen, language: str, viewport):
    return open_page(
        demo_site.browser, demo_site.url, screen, language, viewport, demo_site.facts, checks=True
    )


@pytest.mark.parametrize("viewport_name", list(VIEWPORTS))
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", CUSTOMER_SCREENS, ids=lambda s: s.name)
def test_customer_page_fits_the_screen_and_passes_axe(demo_site, screen, language, viewport_name):
    page = _page(demo_site, screen, language, VIEWPORTS[viewport_name])
    try:
        measured = overflow(page)
        assert measured["page"] <= measured["width"], f"the page scrolls sideways: {measured}"
        assert measured["cut"] == [], f"primary actions cut off: {measured['cut']}"
        assert serious_axe_violations(page) == []
    finally:
        page.context.close()


def test_pdf_button_of_the_russian_month_list_is_not_cut_off_on_a_desktop(demo_site):
    """Bug 1: the Russian table was wider than its box and hid "Скачать PDF" behind a scrollbar."""
    page = _page(demo_site, Screen("months", "/reports/", "customer"), "ru", DESKTOP)
    try:
        pdf_links = page.locator("a[href$='/pdf']")
        assert pdf_links.count() > 0
        assert overflow(page)["cut"] == []
    finally:
        page.context.close()


def test_chart_text_is_at_least_11_css_px_on_a_phone(demo_site):
    """Bug 2: a 640-unit chart scaled down to a phone drew its labels at about 6 px."""
    for month in (demo_site.facts.month, demo_site.facts.quiet_month):
        page = _page(demo_site, Screen("month", f"/reports/me/{month}/", "customer"), "ru", PHONE)
        try:
            sizes = chart_text_sizes(page)
            assert sizes, "the month page has charts"
            small = [s for s in sizes if s["px"] < MIN_CHART_TEXT_PX]
            assert small == [], small[:5]
        finally:
            page.context.close()


def test_sign_in_form_is_sized_for_fingers_and_eyes(demo_site):
    """Bug 7: 21 px inputs, a 53x21 px button and 13 px text."""
    for viewport in (PHONE, DESKTOP):
        page = _page(demo_site, Screen("sign-in", "/accounts/login/", None), "ru", viewport)
        try:
            for selector in ("#id_username", "#id_password"):
                box = page.locator(selector).bounding_box()
                assert box["height"] >= 40, (selector, box)
                font = page.locator(selector).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
                assert font >= 16, (selector, font)
            button = page.locator("form.sign-in button[type=submit]").bounding_box()
            assert button["height"] >= 44 and button["width"] >= 200, button
            label = page.locator("label[for=id_username]")
            assert label.inner_text() == "Электронная почта"
            assert label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16
        finally:
            page.context.close()


def test_the_newest_month_without_telemetry_says_no_data(demo_site):
    """Bug 3 on the seeded data: the demo ends last month, so this month's prostheses sent nothing."""
    page = _page(demo_site, Screen("latest", "/reports/me/{quiet_month}/", "customer"), "ru", DESKTOP)
    try:
        report = page.request.get(f"{demo_site.url}/api/reports/me/{demo_site.facts.quiet_month}/").json()
        assert report["prosthetics"] and not any(p["has_telemetry"] for p in report["prosthetics"])
        cards = page.locator("section.prosthesis")
        assert cards.count() == len(report["prosthetics"])
        for index in range(cards.count()):
            text = cards.nth(index).inner_text()
            assert "Нет данных за месяц" in text
            assert "исправен" not in text
    finally:
        page.context.close()


def test_month_page_compares_each_figure_with_last_month_on_seeded_data(demo_site):
    page = _page(demo_site, Screen("month", "/reports/me/{month}/", "customer"), "ru", DESKTOP)
    try:
        report = page.request.get(f"{demo_site.url}/api/reports/me/{demo_site.facts.month}/").json()
        assert report["previous_metrics"] is not None
        with translation.override("ru"):
            expected = comparison.finance_figures(report) + [
                f
                for p in report["prosthetics"]
                if p["has_telemetry"]
                for f in comparison.prosthesis_figures(p)["usage"]
            ]
            summary = comparison.summary_line(report)
        body = re.sub(r"\s+", " ", page.locator("main").inner_text().replace("\u00a0", " "))
        for figure in expected:
            assert figure.value.replace("\u00a0", " ") in body, figure
            if figure.delta:
                assert figure.delta.replace("\u00a0", " ") in body, figure
        assert summary.replace("\u00a0", " ") in body
    finally:
        page.context.close()


def test_customer_contacts_support_from_a_month_with_a_problem(demo_site):
    """The ticket row itself is checked against the database in tests/reports/test_statement.py;
    here the customer's side: the button, the confirmation and the ticket in their list."""
    page = _page(demo_site, Screen("month", "/reports/me/{month}/", "customer"), "ru", PHONE)
    try:
        page.locator("form.contact-support button").first.click()
        page.wait_for_load_state()
        message = page.locator(".messages").inner_text()
        number = re.search(r"№(\d+)", message)
        assert number, message
        page.goto(f"{demo_site.url}/reports/me/tickets/")
        listed = page.locator("li.ticket", has_text=f"#{number[1]}")
        assert listed.count() == 1
        text = listed.inner_text()
        assert "Открыто" in text
    finally:
        page.context.close()


def test_sign_in_with_a_wrong_password_names_the_email_field(demo_site):
    """Bug 7: the error said "имя пользователя" while the field is labelled e-mail."""
    context = demo_site.browser.new_context()
    try:
        context.add_cookies([{"name": "django_language", "value": "ru", "url": demo_site.url}])
        page = context.new_page()
        page.goto(f"{demo_site.url}/accounts/login/")
        page.fill("#id_username", demo_site.facts.customer_login)
        page.fill("#id_password", DEMO_PASSWORD + "-wrong")
        page.click("form.sign-in button[type=submit]")
        alert = page.locator("[role=alert]").inner_text()
        assert "электронной почты" in alert and "имя пользователя" not in alert
        sign_in(context, demo_site.url, demo_site.facts.customer_login, DEMO_PASSWORD)
    finally:
        context.close()
