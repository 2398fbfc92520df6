"""With DEBUG on, Django's error page lists the settings, the request's environment and the
traceback's variables. No password of a connection URL may appear there."""

import secrets
import sys

import pytest
from django.test import RequestFactory, override_settings
from django.views.debug import technical_500_response

# Made up at run time: the page also shows source lines around the raise, which must not count.
PASSWORDS = [f"pw-{secrets.token_hex(8)}" for _ in range(6)]
BROKER = f"redis://:{PASSWORDS[0]}@redis:6379/0"
RESULTS = f"redis://:{PASSWORDS[1]}@redis:6379/1"
CACHE = f"redis://:{PASSWORDS[2]}@redis:6379/2"
CLICKHOUSE = f"http://portal_reader:{PASSWORDS[3]}@clickhouse:8123/reports"
SOURCE_DSN = f"portal:{PASSWORDS[4]}@postgres:5432/crm_db"
DATABASE_PASSWORD = PASSWORDS[5]


def error_page(request) -> str:
    try:
        connection_url = CLICKHOUSE  # noqa: F841 (a local variable the traceback shows)
        raise RuntimeError("boom")
    except RuntimeError:
        return technical_500_response(request, *sys.exc_info()).content.decode()


@override_settings(
    DEBUG=True,
    CELERY_BROKER_URL=BROKER,
    CELERY_RESULT_BACKEND=RESULTS,
    CLICKHOUSE_URL=CLICKHOUSE,
    CRM_SOURCE_DSN=SOURCE_DSN,
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": CACHE}},
)
@pytest.mark.parametrize("password", PASSWORDS[:5], ids=["broker", "results", "cache", "clickhouse", "dsn"])
def test_the_debug_error_page_shows_no_password_of_a_connection_url(password):
    request = RequestFactory().get("/reports/", CELERY_BROKER_URL=BROKER)

    page = error_page(request)

    assert "RuntimeError" in page  # it is the debug page
    assert password not in page


@override_settings(DEBUG=True, CLICKHOUSE_URL=CLICKHOUSE)
def test_the_debug_error_page_still_shows_where_a_url_points():
    page = error_page(RequestFactory().get("/reports/"))

    assert "http://********************@clickhouse:8123/reports" in page


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_database_passwords_stay_hidden_on_the_debug_error_page(settings):
    databases = {
        alias: {**database, "PASSWORD": DATABASE_PASSWORD} for alias, database in settings.DATABASES.items()
    }
    with override_settings(DEBUG=True, DATABASES=databases):  # the open connections keep their own
        page = error_page(RequestFactory().get("/reports/"))

    assert DATABASE_PASSWORD not in page
