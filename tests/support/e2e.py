"""End-to-end fixtures: a real OpenID provider (npm oidc-provider), the real portal server and a
real headless Chromium driven by Playwright.

The portal server is another process using this run's test databases (rows are committed:
``transactional_db``) and this run's DATA_DIR, so it reads the marts the test fills in chDB. The
test process opens chDB only while filling them and then lets go of its lock.

Without Node, the provider's npm packages or Chromium these tests are skipped with the reason;
with REQUIRE_E2E set (CI, see .ci/run) they fail instead.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import connections

from tests.support.chromium import CHROMIUM, CHROMIUM_FLAGS
from tests.support.factories import CrmUserFactory
from tests.support.processes import (
    E2E_DIR,
    Client,
    Service,
    database_url,
    free_port,
    start_portal,
    start_provider,
)
from tests.support.reports import (
    insert_rows,
    prosthetic_month_row,
    record_etl_run,
    user_month_row,
)

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def missing_tools() -> list[str]:
    missing = []
    if shutil.which("node") is None:
        missing.append("Node.js (`node`) for the OpenID provider")
    elif not (E2E_DIR / "node_modules" / "oidc-provider").is_dir():
        missing.append("the provider's npm packages (`npm ci --prefix tests/e2e`)")
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium at {CHROMIUM} (`apt-get install -y chromium`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright (requirements-dev.txt)")
    return missing


@pytest.fixture(scope="session")
def e2e_tools():
    missing = missing_tools()
    if missing:
        reason = "end-to-end tests need " + "; ".join(missing)
        if os.environ.get("REQUIRE_E2E"):
            pytest.fail(f"{reason}. REQUIRE_E2E is set, so they must run here.", pytrace=False)
        pytest.skip(reason)


@dataclass
class Stack:
    provider: Service
    portal: Service
    accounts_file: Path
    client: Client

    def set_accounts(self, accounts: dict) -> None:
        """What the provider says about each login name (its subject), from now on."""
        self.accounts_file.write_text(json.dumps(accounts))


def portal_environment() -> dict:
    """The server process uses this run's test databases, DATA_DIR (chDB, caches, PDFs) and key."""
    env = {
        "DATA_DIR": str(settings.DATA_DIR),
        "CLICKHOUSE_URL": settings.CLICKHOUSE_URL,
        "REPORTS_STORAGE_ROOT": str(settings.REPORTS_STORAGE_ROOT),
        # The same key, so the test can read and edit the server's sessions.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
    }
    for alias, variable in (
        ("default", "DATABASE_URL"),
        ("crm", "CRM_DATABASE_URL"),
        ("telemetry", "TELEMETRY_DATABASE_URL"),
    ):
        env[variable] = database_url(connections[alias].settings_dict)
    return env


# Module scope: the processes, the browser and the asyncio-unsafe allowance end with the e2e modules
# instead of staying around for the rest of the run.
@pytest.fixture(scope="module")
def e2e_stack(e2e_tools, django_db_setup, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("e2e")
    accounts_file = work_dir / "accounts.json"
    accounts_file.write_text("{}")
    client = Client()
    provider_port, portal_port = free_port(), free_port()
    portal_url = f"http://127.0.0.1:{portal_port}"
    provider = start_provider(
        port=provider_port,
        portal_url=portal_url,
        accounts_file=accounts_file,
        client=client,
        log_dir=work_dir,
    )
    try:
        portal = start_portal(
            port=portal_port,
            provider_url=provider.url,
            client=client,
            env=portal_environment(),
            log_dir=work_dir,
        )
    except BaseException:
        provider.stop()
        raise
    yield Stack(provider, portal, accounts_file, client)
    portal.stop()
    provider.stop()


@pytest.fixture(scope="module")
def browser(e2e_tools):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread, which Django takes for async code
    # and refuses ORM calls in. The tests' ORM calls are plain synchronous ones, so allow them.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


def _local_only(route):
    # Nothing leaves the machine (the provider's dev pages import a web font).
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, locale="en-US")
    context.set_default_timeout(20_000)
    context.route("**/*", _local_only)
    yield context.new_page()
    context.close()


@dataclass
class World:
    crm_alice: object
    crm_bob: object


MONTHS = (dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1))


@pytest.fixture
def world(transactional_db, clickhouse_marts, e2e_stack) -> World:
    """Two customers with three processed months each, and the people the provider knows."""
    alice, bob = CrmUserFactory(), CrmUserFactory()
    insert_rows(
        "report_user_monthly_metrics",
        [user_month_row(crm.pk, month) for crm in (alice, bob) for month in MONTHS],
    )
    insert_rows(
        "report_prosthetic_monthly_metrics",
        [prosthetic_month_row(crm.pk, 100 + crm.pk, month) for crm in (alice, bob) for month in MONTHS],
    )
    record_etl_run()
    e2e_stack.set_accounts(
        {
            "alice": {"crm_user_id": alice.pk, "roles": ["prothetic_user"]},
            "bob": {"crm_user_id": bob.pk, "roles": ["prothetic_user"]},
            "sam": {"roles": ["support"]},
            "newcomer": {"roles": ["prothetic_user"]},
        }
    )
    return World(crm_alice=alice, crm_bob=bob)


def portal_session(page, stack: Stack) -> SessionBase:
    """The server-side session behind the browser's session cookie, through the server's own
    session engine (with ``cached_db`` a change written only to the database would go unseen)."""
    cookies = {c["name"]: c["value"] for c in page.context.cookies(stack.portal.url)}
    engine = importlib.import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=cookies["sessionid"])


def sign_in_at_provider(page, stack, login: str) -> None:
    """Fill the provider's sign-in form (it takes any password) and consent, if asked."""
    from playwright.sync_api import expect  # only where the browser tests run

    expect(page).to_have_url(re.compile(f"^{re.escape(stack.provider.url)}/"))
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any-password")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: url.startswith(stack.portal.url) or "/interaction/" in url)
    if not page.url.startswith(stack.portal.url):
        page.click("button:has-text('Continue')")
    page.wait_for_url(lambda url: url.startswith(stack.portal.url))


def sign_out(page, stack) -> None:
    page.click("form.sign-out button[type=submit]")
    page.wait_for_url(lambda url: url.startswith(f"{stack.provider.url}/session/end"))
    page.click("button[name=logout][value=yes]")
    page.wait_for_url(f"{stack.portal.url}/accounts/signed-out/")
