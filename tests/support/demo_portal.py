"""A portal on the demo data for browser work outside pytest (``make screenshots``), and the page
opener the browser checks share: sign in through the password form once per login, set the
language cookie, open a ``Screen`` at a viewport size."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from portal.demo.config import ADMIN_LOGIN, DEMO_PASSWORD, SUPPORT_LOGIN
from tests.support.chromium import CHROMIUM, CHROMIUM_FLAGS
from tests.support.processes import free_port, start
from tests.support.screens import DemoFacts, Screen

BASE_DIR = Path(__file__).resolve().parents[2]
LANGUAGE_COOKIE = "django_language"
TIMEOUT_MS = 90_000  # a busy machine: a sign-in or a first PDF can take long

FACTS_SCRIPT = """
import datetime as dt
import json
from portal.demo.logins import demo_customers
print(json.dumps([[c.id, c.email, c.full_name.split()[-1]] for c in demo_customers()]))
"""


def _environment(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "DJANGO_SETTINGS"))}
    for variable in ("DATABASE_URL", "CRM_DATABASE_URL", "TELEMETRY_DATABASE_URL", "CLICKHOUSE_URL"):
        env.pop(variable, None)
    env.update(
        DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_DEBUG="false",
        PORTAL_LOCAL_DEVELOPMENT="true",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        CELERY_TASK_ALWAYS_EAGER="true",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(data_dir: Path, *args: str) -> str:
    command = [sys.executable, "manage.py", *args]
    done = subprocess.run(
        command, cwd=BASE_DIR, env=_environment(data_dir), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def demo_until(today: dt.date | None = None) -> dt.date:
    """The last day of demo data: the end of last month (of the month before when today is the
    1st), so the newest processed month has no telemetry and shows the no-data state."""
    today = today or dt.datetime.now(dt.UTC).date()
    first = today.replace(day=1)
    if today.day == 1:
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first - dt.timedelta(days=1)


def prepare(data_dir: Path) -> None:
    """Databases, demo data (once), the marts and the demo logins in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for database in ("default", "crm", "telemetry"):
        _manage(data_dir, "migrate", "--noinput", "--database", database)
    _manage(data_dir, "migrate_clickhouse")
    _manage(data_dir, "seed_demo", "--if-empty", "--years", "1.5", "--until", demo_until().isoformat())
    _manage(data_dir, "run_etl")
    _manage(data_dir, "collectstatic", "--noinput", "--verbosity", "0")
    _manage(data_dir, "demo_logins")


@contextmanager
def running(data_dir: Path, *, log_dir: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"]
    service = start(
        "screens-portal",
        command,
        env=_environment(data_dir),
        log_dir=log_dir,
        ready_url=f"{url}/accounts/login/",
        url=url,
    )
    try:
        yield url
    finally:
        service.stop()


@contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(context, portal_url: str, login: str, password: str) -> None:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{portal_url}/accounts/login/")
    page.fill("#id_username", login)
    page.fill("#id_password", password)
    page.click("form.sign-in button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.close()


def demo_customers(data_dir: Path) -> list[tuple[int, str, str]]:
    """(CRM id, e-mail, surname) of each demo customer."""
    return json.loads(_manage(data_dir, "shell", "-c", FACTS_SCRIPT).strip().splitlines()[-1])


def demo_facts(browser, portal_url: str, customers: list[tuple[int, str, str]]) -> DemoFacts:
    """The demo customer with the most months needing attention, that month and their latest."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    sign_in(context, portal_url, SUPPORT_LOGIN, DEMO_PASSWORD)
    best = None
    for customer_id, email, surname in customers:
        months = context.request.get(f"{portal_url}/api/reports/{customer_id}/").json()["months"]
        flagged = [m["month"] for m in months if m.get("health_status") in ("warning", "critical")]
        if months and (best is None or len(flagged) > len(best[3])):
            best = (customer_id, email, surname, flagged, months[-1]["month"])
    context.close()
    assert best is not None, "the demo data has no customer with reports"
    customer_id, email, surname, flagged, latest = best
    return DemoFacts(
        customer_id=customer_id,
        customer_login=email,
        surname=surname,
        month=flagged[-1] if flagged else latest,
        quiet_month=latest,
    )


def login_credentials(login: str, facts: DemoFacts) -> tuple[str, str]:
    if login == "customer":
        return facts.customer_login, DEMO_PASSWORD
    if login == "support":
        return SUPPORT_LOGIN, DEMO_PASSWORD
    if login == "administrator":
        return ADMIN_LOGIN, DEMO_PASSWORD
    raise KeyError(f"no demo login named {login!r}")


# Signed-in sessions by (portal, login): a password sign-in hashes on purpose slowly, so each login
# signs in once and later pages start from its cookies.
_SESSIONS: dict[tuple[str, str], dict] = {}


def _session_state(browser, portal_url: str, login: str, facts) -> dict:
    key = (portal_url, login)
    if key not in _SESSIONS:
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        sign_in(context, portal_url, *login_credentials(login, facts))
        _SESSIONS[key] = context.storage_state()
        context.close()
    return _SESSIONS[key]


def open_page(
    browser, portal_url: str, screen: Screen, language: str, viewport: tuple[int, int], facts, *, checks=False
):
    """A fresh browser context at ``viewport`` in ``language``, signed in as ``screen.login``,
    showing the screen; the caller closes ``page.context``. With ``checks`` the page's CSP lets
    the test inject axe-core."""
    width, height = viewport
    state = _session_state(browser, portal_url, screen.login, facts) if screen.login else None
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale=language,
        # A reader in Moscow: the page shows local time once the browser has told its zone.
        timezone_id="Europe/Moscow",
        bypass_csp=checks,
        storage_state=state,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": portal_url}])
    page = context.new_page()
    response = page.goto(portal_url + facts.fill(screen.path))
    if response is None or response.status != screen.status:
        got = response.status if response else None
        raise AssertionError(f"{screen.name}: expected HTTP {screen.status}, got {got}")
    return page
