"""Cached reports: a second download is served from storage without ClickHouse or WeasyPrint;
a new ETL run that recomputed the month changes the key; the ETL holding embedded chDB does not
break a cached download, and an uncached one answers 503 with Retry-After.

"No ClickHouse" is shown for real: another process holds the embedded chDB lock during the
cached download, so any ClickHouse read would fail. "No WeasyPrint" is shown by WeasyPrint's own
progress log, which it writes for every rendering.
"""

import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from portal.clickhouse.client import clickhouse
from portal.etl.models import EtlRun
from portal.reports.cache import PDF_LAYOUT_VERSION
from tests.support.reports import (
    DATA_AS_OF,
    chdb_held_by_another_process,
    insert_rows,
    record_etl_run,
    user_month_row,
)

pytestmark = pytest.mark.django_db(databases="__all__")

PDF_URL = "/api/reports/me/2025-03/pdf"
JSON_URL = "/api/reports/me/2025-03/"


@pytest.fixture
def weasyprint_log(caplog):
    caplog.set_level(logging.INFO, logger="weasyprint.progress")
    return caplog


def renderings(caplog) -> int:
    return sum(1 for r in caplog.records if r.name == "weasyprint.progress" and "Step 1" in r.getMessage())


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def replace_march_total(crm_user_id: int, total: str) -> None:
    """What an ETL run does to a month: the mart row changes (here in place, for the test)."""
    with clickhouse() as client:
        client.command(
            "ALTER TABLE {db:Identifier}.report_user_monthly_metrics DELETE "
            "WHERE user_id = {uid:UInt64} AND month = {m:Date} SETTINGS mutations_sync = 1",
            parameters={"db": settings.CLICKHOUSE_DATABASE, "uid": crm_user_id, "m": dt.date(2025, 3, 1)},
        )
    insert_rows(
        "report_user_monthly_metrics",
        [user_month_row(crm_user_id, dt.date(2025, 3, 1), total_payments=Decimal(total))],
    )


@override_settings(REPORTS_CLICKHOUSE_WAIT=0.2)
def test_second_pdf_download_uses_neither_clickhouse_nor_weasyprint(client, reports_world, weasyprint_log):
    client.force_login(reports_world.customer_a)
    first = client.get(PDF_URL)
    assert first.status_code == 200
    assert renderings(weasyprint_log) == 1
    with chdb_held_by_another_process():
        second = client.get(PDF_URL)
    assert second.status_code == 200
    assert renderings(weasyprint_log) == 1
    assert body(second) == body(first)
    assert second["Content-Disposition"] == 'attachment; filename="bionicpro-report-2025-03.pdf"'


@override_settings(REPORTS_CLICKHOUSE_WAIT=0.2)
def test_json_month_report_is_served_from_cache_while_chdb_is_busy(client, reports_world):
    client.force_login(reports_world.customer_a)
    first = client.get(JSON_URL)
    with chdb_held_by_another_process():
        second = client.get(JSON_URL)
    assert second.status_code == 200
    assert second.json() == first.json()


@override_settings(REPORTS_CLICKHOUSE_WAIT=0.2)
@pytest.mark.parametrize("url", [JSON_URL, PDF_URL, "/api/reports/me/"])
def test_uncached_report_while_chdb_is_busy_is_a_503_with_retry_after(client, reports_world, url):
    client.force_login(reports_world.customer_a)
    with chdb_held_by_another_process():
        response = client.get(url)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "reports_busy"


@override_settings(REPORTS_CLICKHOUSE_WAIT=0.2)
def test_uncached_month_page_while_chdb_is_busy_is_a_friendly_503(client, reports_world):
    client.force_login(reports_world.customer_a)
    with chdb_held_by_another_process():
        response = client.get("/reports/me/2025-03/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Отчёты сейчас обновляются" in response.content.decode()


def test_a_new_etl_run_that_recomputed_the_month_serves_the_new_figures(
    client, reports_world, weasyprint_log
):
    client.force_login(reports_world.customer_a)
    assert client.get(JSON_URL).json()["metrics"]["total_payments"] == "12980.00"
    client.get(PDF_URL)
    replace_march_total(reports_world.crm_a.pk, "20000.00")
    # Same data version: the cached answers stand.
    assert client.get(JSON_URL).json()["metrics"]["total_payments"] == "12980.00"
    record_etl_run(data_as_of=DATA_AS_OF + dt.timedelta(days=1), months=["2025-03"])
    assert client.get(JSON_URL).json()["metrics"]["total_payments"] == "20000.00"
    client.get(PDF_URL)
    assert renderings(weasyprint_log) == 2


def test_a_run_that_did_not_recompute_the_month_keeps_its_cached_pdf(client, reports_world, weasyprint_log):
    client.force_login(reports_world.customer_a)
    client.get(PDF_URL)
    record_etl_run(data_as_of=DATA_AS_OF + dt.timedelta(days=1), months=["2025-02"])
    assert client.get(PDF_URL).status_code == 200
    assert renderings(weasyprint_log) == 1


def test_pdf_cache_key_has_customer_month_version_language_and_layout(client, reports_world):
    client.force_login(reports_world.customer_a)
    client.get(PDF_URL)
    client.get(PDF_URL, HTTP_ACCEPT_LANGUAGE="en")
    stored = sorted(p.name for p in (settings.REPORTS_STORAGE_ROOT / "reports").rglob("*.pdf"))
    run_id = EtlRun.objects.get().pk
    layout = PDF_LAYOUT_VERSION
    assert stored == [f"etl{run_id}-en-layout{layout}.pdf", f"etl{run_id}-ru-layout{layout}.pdf"]


def test_x_accel_redirect_hands_the_stored_file_to_nginx(client, reports_world, settings):
    settings.REPORTS_X_ACCEL_REDIRECT_PREFIX = "/protected-reports/"
    client.force_login(reports_world.customer_a)
    for _attempt in ("first (rendered)", "second (cached)"):
        response = client.get(PDF_URL)
        assert response.status_code == 200
        assert response.content == b""
        target = response["X-Accel-Redirect"]
        assert target.startswith("/protected-reports/reports/")
        stored = Path(settings.REPORTS_STORAGE_ROOT) / target.removeprefix("/protected-reports/")
        assert stored.read_bytes().startswith(b"%PDF")
        assert response["Content-Type"] == "application/pdf"
        assert "bionicpro-report-2025-03.pdf" in response["Content-Disposition"]


def test_x_accel_redirect_is_not_sent_to_someone_the_gate_refuses(client, reports_world, settings):
    settings.REPORTS_X_ACCEL_REDIRECT_PREFIX = "/protected-reports/"
    client.force_login(reports_world.customer_b)
    response = client.get(f"/api/reports/{reports_world.crm_a.pk}/2025-03/pdf")
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
