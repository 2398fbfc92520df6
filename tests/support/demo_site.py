"""``demo_site``: the seeded demo data (a few months), the marts built by the real ETL and the
portal server on a free port with the password sign-in, for the browser checks of every page.

Module scope: seeding and the ETL run once per test module. The rows are committed to this run's
test databases, so the fixture empties them (and the marts) when the module is done.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections

from portal.clickhouse.client import clickhouse
from tests.support import demo_portal
from tests.support.clickhouse import MART_TABLES as MARTS_AND_LOADS
from tests.support.processes import database_url, free_port, start
from tests.support.screens import DemoFacts

DEMO_YEARS = "0.34"  # about four months: enough for comparisons, critical errors and a no-data month
MART_TABLES = MARTS_AND_LOADS


@dataclass
class DemoSite:
    url: str
    facts: DemoFacts
    browser: object


def _missing() -> list[str]:
    missing = []
    if not Path(demo_portal.CHROMIUM).exists():
        missing.append(f"Chromium at {demo_portal.CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright")
    from tests.support.browser_checks import AXE_JS

    if not AXE_JS.exists():
        missing.append("axe-core (`npm ci --prefix tests/e2e`)")
    return missing


def _server_environment() -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OIDC_") and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DATA_DIR=str(settings.DATA_DIR),
        CLICKHOUSE_URL=settings.CLICKHOUSE_URL,
        REPORTS_STORAGE_ROOT=str(settings.REPORTS_STORAGE_ROOT),
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_DEBUG="false",
        PORTAL_LOCAL_DEVELOPMENT="true",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        CELERY_TASK_ALWAYS_EAGER="true",
        PYTHONUNBUFFERED="1",
    )
    for alias, variable in (
        ("default", "DATABASE_URL"),
        ("crm", "CRM_DATABASE_URL"),
        ("telemetry", "TELEMETRY_DATABASE_URL"),
    ):
        env[variable] = database_url(connections[alias].settings_dict)
    return env


def _seed() -> list[tuple[int, str]]:
    from portal.clickhouse.schema import apply_migrations
    from portal.demo.logins import demo_customers, ensure_demo_logins

    with clickhouse() as client:
        apply_migrations(client)
        for table in MART_TABLES:
            client.command(f"TRUNCATE TABLE IF EXISTS {settings.CLICKHOUSE_DATABASE}.{table}")
    cache.clear()  # run ids restart in every test database, and report caches are keyed by them
    call_command("seed_demo", years=float(DEMO_YEARS), until=demo_portal.demo_until(), verbosity=0)
    call_command("run_etl", verbosity=0)
    ensure_demo_logins()
    # The tests hash with MD5 for speed; the server runs the production settings (PBKDF2 only).
    hasher = PBKDF2PasswordHasher()
    get_user_model().objects.update(password=hasher.encode(demo_portal.DEMO_PASSWORD, hasher.salt()))
    # The server runs without DEBUG: WhiteNoise serves the collected files (STATIC_ROOT under DATA_DIR).
    call_command("collectstatic", interactive=False, verbosity=0)
    return [(customer.id, customer.email, customer.full_name.split()[-1]) for customer in demo_customers()]


def _empty() -> None:
    for alias in ("default", "crm", "telemetry"):
        call_command("flush", database=alias, interactive=False, verbosity=0)
    with clickhouse() as client:
        for table in MART_TABLES:
            client.command(f"TRUNCATE TABLE IF EXISTS {settings.CLICKHOUSE_DATABASE}.{table}")
    cache.clear()
    shutil.rmtree(settings.REPORTS_STORAGE_ROOT / "reports", ignore_errors=True)


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker, tmp_path_factory):
    missing = _missing()
    if missing:
        reason = "the browser checks need " + "; ".join(missing)
        if os.environ.get("REQUIRE_E2E"):
            pytest.fail(f"{reason}. REQUIRE_E2E is set, so they must run here.", pytrace=False)
        pytest.skip(reason)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # Playwright's sync API keeps an asyncio loop in this thread; the ORM calls here are plain sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with django_db_blocker.unblock():
        try:
            customers = _seed()
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            command = [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                "--skip-checks",
                f"127.0.0.1:{port}",
            ]
            server = start(
                "demo-site",
                command,
                env=_server_environment(),
                log_dir=tmp_path_factory.mktemp("demo-site"),
                ready_url=f"{url}/accounts/login/",
                url=url,
            )
            try:
                with demo_portal.chromium() as browser:
                    facts = demo_portal.demo_facts(browser, url, customers)
                    yield DemoSite(url=url, facts=facts, browser=browser)
            finally:
                server.stop()
        finally:
            _empty()
            if previous is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
