"""nginx in front of gunicorn, as in docker-compose: a signed-in customer downloads a PDF that nginx
sends from its internal location after Django's X-Accel-Redirect; the protected path itself and
another customer's PDF are refused; static files come from nginx, not from Django.

Real processes: the project's WSGI app under gunicorn (deploy/gunicorn.conf.py) and Debian's nginx
with the project's server block, on the test's databases and embedded ClickHouse."""

import datetime as dt
import os
import shutil
import subprocess

import pytest
import requests
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from tests.support import servers
from tests.support.deploy import require_program
from tests.support.factories import AccountFactory, CrmUserFactory
from tests.support.portal_server import PROTECTED_PREFIX, server_environment
from tests.support.reports import insert_rows, prosthetic_month_row, record_etl_run, user_month_row

MARCH = dt.date(2025, 3, 1)


@pytest.fixture
def two_customers(clickhouse_marts):
    """Two customers with a processed March; customer A is signed in (a session in the database)."""
    cache.clear()
    shutil.rmtree(settings.REPORTS_STORAGE_ROOT / "reports", ignore_errors=True)
    crm_a, crm_b = CrmUserFactory(), CrmUserFactory()
    account_a = AccountFactory(crm_user_id=crm_a.pk)
    AccountFactory(crm_user_id=crm_b.pk)
    insert_rows(
        "report_user_monthly_metrics", [user_month_row(crm_a.pk, MARCH), user_month_row(crm_b.pk, MARCH)]
    )
    insert_rows(
        "report_prosthetic_monthly_metrics",
        [prosthetic_month_row(crm_a.pk, 11, MARCH), prosthetic_month_row(crm_b.pk, 21, MARCH)],
    )
    record_etl_run()
    client = Client()
    client.force_login(account_a.user)
    session_cookie = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    return {"crm_a": crm_a.pk, "crm_b": crm_b.pk, "cookies_a": session_cookie}


@pytest.fixture
def stack(two_customers, tmp_path):
    """gunicorn and nginx running; yields (nginx URL, gunicorn URL, static root)."""
    nginx_program = require_program("nginx")
    static_root = tmp_path / "static"
    static_root.mkdir()
    gunicorn_port, nginx_port = servers.free_port(), servers.free_port()
    config = servers.nginx_config(
        workdir=tmp_path / "nginx",
        port=nginx_port,
        upstream=f"127.0.0.1:{gunicorn_port}",
        static_root=static_root,
        reports_root=settings.REPORTS_STORAGE_ROOT,
    )
    env = server_environment(static_root)
    with (
        servers.gunicorn(port=gunicorn_port, env=env, log=tmp_path / "gunicorn.log") as gunicorn_url,
        servers.nginx(
            program=nginx_program, config=config, port=nginx_port, log=tmp_path / "nginx.log"
        ) as nginx_url,
    ):
        yield nginx_url, gunicorn_url, static_root


pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def pdf_path(crm_user_id: int) -> str:
    return f"/reports/{crm_user_id}/2025-03/pdf"


def test_a_customer_downloads_their_pdf_through_nginx_after_djangos_check(stack, two_customers):
    nginx_url, gunicorn_url, _ = stack
    cookies = two_customers["cookies_a"]
    path = pdf_path(two_customers["crm_a"])

    through_nginx = requests.get(nginx_url + path, cookies=cookies, timeout=60, allow_redirects=False)
    assert through_nginx.status_code == 200
    assert through_nginx.content.startswith(b"%PDF-")
    assert through_nginx.headers["Content-Type"] == "application/pdf"
    assert through_nginx.headers["Content-Disposition"].startswith("attachment;")
    assert "X-Accel-Redirect" not in through_nginx.headers

    from_django = requests.get(gunicorn_url + path, cookies=cookies, timeout=60, allow_redirects=False)
    assert from_django.status_code == 200
    assert from_django.content == b""
    assert from_django.headers["X-Accel-Redirect"].startswith(PROTECTED_PREFIX)


def test_the_protected_pdf_path_is_refused_when_asked_for_directly(stack, two_customers):
    nginx_url, gunicorn_url, _ = stack
    cookies = two_customers["cookies_a"]
    from_django = requests.get(
        gunicorn_url + pdf_path(two_customers["crm_a"]), cookies=cookies, timeout=60, allow_redirects=False
    )
    protected = from_django.headers["X-Accel-Redirect"]
    assert (settings.REPORTS_STORAGE_ROOT / protected.removeprefix(PROTECTED_PREFIX)).is_file()

    for who in (cookies, {}):
        direct = requests.get(nginx_url + protected, cookies=who, timeout=10, allow_redirects=False)
        assert direct.status_code == 404
        assert not direct.content.startswith(b"%PDF-")


def test_another_customers_pdf_url_answers_404_through_nginx(stack, two_customers):
    nginx_url, _, _ = stack
    response = requests.get(
        nginx_url + pdf_path(two_customers["crm_b"]),
        cookies=two_customers["cookies_a"],
        timeout=60,
        allow_redirects=False,
    )
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response.headers
    assert not response.content.startswith(b"%PDF-")


def test_an_anonymous_visitor_gets_no_pdf_through_nginx(stack, two_customers):
    nginx_url, _, _ = stack
    response = requests.get(nginx_url + pdf_path(two_customers["crm_a"]), timeout=60, allow_redirects=False)
    assert response.status_code in {302, 401, 403}
    assert not response.content.startswith(b"%PDF-")


def test_nginx_serves_static_files_itself(stack):
    nginx_url, gunicorn_url, static_root = stack
    # Written after gunicorn started: WhiteNoise (which scans at start-up) does not know it.
    (static_root / "served-by-nginx.txt").write_text("from the static volume\n")
    assert (
        requests.get(nginx_url + "/static/served-by-nginx.txt", timeout=10).text == "from the static volume\n"
    )
    assert requests.get(gunicorn_url + "/static/served-by-nginx.txt", timeout=10).status_code == 404


def test_the_web_containers_health_check_passes_against_gunicorn_and_fails_without_it(stack):
    _, gunicorn_url, _ = stack
    port = gunicorn_url.rsplit(":", 1)[1]
    check = [str(servers.ROOT / ".venv" / "bin" / "python"), "deploy/healthcheck.py", "web"]
    env = {**os.environ, "PORT": port, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    assert subprocess.run(check, cwd=servers.ROOT, env=env, timeout=30, check=False).returncode == 0
    env["PORT"] = str(servers.free_port())
    assert subprocess.run(check, cwd=servers.ROOT, env=env, timeout=30, check=False).returncode == 1
