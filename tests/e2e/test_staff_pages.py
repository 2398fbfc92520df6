"""The support staff's pages in a real Chromium on the seeded demo data, at 390x844 and 1366x900,
in Russian and English: each answers as expected, nothing scrolls sideways, axe-core finds no
serious or critical violation. Plus, through the browser: a customer who opens /admin/ lands on a
403 page (no redirect loop), and the demo administrator reaches the ETL's "Run now" buttons.

The portal runs as its own process (password sign-in, no OpenID provider) on this run's test
databases, which ``seeded_demo`` fills and commits once for the module."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from portal.crm.models import Prosthetic, User
from portal.demo.config import ADMIN_LOGIN, DEMO_PASSWORD, SUPPORT_LOGIN
from portal.reports.attention import devices_needing_attention
from tests.support.e2e import portal_environment
from tests.support.page_checks import AXE_JS, blocking_axe_violations, horizontal_overflow
from tests.support.processes import BASE_DIR, free_port, start
from tests.support.screens import LANGUAGES, STAFF_SCREENS, VIEWPORTS, Screen

# The marker makes the run set up every test database; the tests themselves only read.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(databases="__all__")]

LANGUAGE_COOKIE = "django_language"


def _server_environment(static_root) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("OIDC_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(portal_environment())
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_DEBUG="false",
        PORTAL_LOCAL_DEVELOPMENT="true",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_ROOT=str(static_root),
        CELERY_TASK_ALWAYS_EAGER="true",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="module")
def staff_portal(e2e_tools, seeded_demo, tmp_path_factory) -> Iterator[str]:
    if not AXE_JS.exists():
        message = "axe-core is missing: `npm ci --prefix tests/e2e`"
        if os.environ.get("REQUIRE_E2E"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    work_dir = tmp_path_factory.mktemp("staff-pages")
    env = _server_environment(work_dir / "static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR, env=env, check=True,
    )  # fmt: skip
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    service = start(
        "staff-portal",
        [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        env=env,
        log_dir=work_dir,
        ready_url=f"{url}/accounts/login/",
        url=url,
    )
    yield url
    service.stop()


@pytest.fixture(scope="module")
def signed_in(browser, staff_portal, django_db_blocker) -> dict[str, dict]:
    """A browser storage state per login, signed in once through the portal's password form."""
    with django_db_blocker.unblock():
        customer = User.objects.order_by("id").first()
        logins = {"support": SUPPORT_LOGIN, "administrator": ADMIN_LOGIN, "customer": customer.email}
        # The tests' settings hash with MD5 for speed; the server's settings do not accept MD5.
        server_hash = PBKDF2PasswordHasher().encode(DEMO_PASSWORD, PBKDF2PasswordHasher().salt())
        get_user_model().objects.filter(username__in=logins.values()).update(password=server_hash)
    states = {}
    for name, login in logins.items():
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{staff_portal}/accounts/login/")
        page.fill("input[name=username]", login)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        states[name] = context.storage_state()
        context.close()
    return states


def _fill(path: str) -> str:
    customer = Prosthetic.objects.order_by("id").first().user
    return path.format(customer_id=customer.pk, surname=customer.full_name.split()[-1])


def _open(browser, staff_portal, signed_in, screen: Screen, language: str, viewport: tuple[int, int]):
    width, height = viewport
    context = browser.new_context(
        storage_state=signed_in[screen.login], viewport={"width": width, "height": height}
    )
    context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": staff_portal}])
    page = context.new_page()
    response = page.goto(f"{staff_portal}{_fill(screen.path)}")
    return context, page, response


@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", STAFF_SCREENS, ids=[screen.name for screen in STAFF_SCREENS])
def test_staff_pages_fit_the_screen_and_pass_axe(
    browser, staff_portal, signed_in, screen, language, viewport
):
    context, page, response = _open(browser, staff_portal, signed_in, screen, language, VIEWPORTS[viewport])
    try:
        assert response.status == screen.status, page.url
        assert page.locator("html").get_attribute("lang") == language
        assert horizontal_overflow(page) == {"page": 0, "actions": []}
        assert blocking_axe_violations(page) == []
    finally:
        context.close()


def test_a_customer_opening_the_admin_lands_on_a_403_page_that_leads_to_their_reports(
    browser, staff_portal, signed_in
):
    screen = Screen("admin", "/admin/", "customer", status=403)
    context, page, response = _open(browser, staff_portal, signed_in, screen, "en", VIEWPORTS["desktop"])
    try:
        assert response.status == 403
        page.get_by_role("link", name="Go to my reports").click()
        page.wait_for_url(f"{staff_portal}/reports/")
        assert page.get_by_role("heading", level=1).count() == 1
    finally:
        context.close()


def test_the_demo_administrator_reaches_the_run_now_buttons(browser, staff_portal, signed_in):
    screen = Screen("etl", "/admin/etl/etlrun/", "administrator")
    context, page, response = _open(browser, staff_portal, signed_in, screen, "ru", VIEWPORTS["desktop"])
    try:
        assert response.status == 200
        assert page.get_by_role("button", name="Запустить сейчас").is_visible()
    finally:
        context.close()


def test_staff_find_a_customer_and_open_their_screen(browser, staff_portal, signed_in):
    prosthesis = Prosthetic.objects.order_by("-id").first()
    screen = Screen("search", "/reports/", "support")
    context, page, _response = _open(browser, staff_portal, signed_in, screen, "en", VIEWPORTS["phone"])
    try:
        page.fill("input[name=q]", prosthesis.serial_number.lower())
        page.press("input[name=q]", "Enter")
        page.wait_for_url(lambda url: "q=" in url)
        page.get_by_role("link", name=f"Customer screen — {prosthesis.user.full_name}").click()
        page.wait_for_url(f"**/admin/crm/user/{prosthesis.user_id}/change/")
        assert page.get_by_text(prosthesis.serial_number).first.is_visible()
    finally:
        context.close()


def test_the_attention_page_lists_the_seeded_devices(browser, staff_portal, signed_in):
    devices = devices_needing_attention().devices
    screen = Screen("attention", "/admin/attention/", "support")
    context, page, _response = _open(browser, staff_portal, signed_in, screen, "en", VIEWPORTS["desktop"])
    try:
        rows = page.locator("#result_list tbody tr")
        assert rows.count() == len(devices) >= 2
        assert rows.first.locator("td").nth(1).inner_text().startswith(devices[0].serial_number)
    finally:
        context.close()
