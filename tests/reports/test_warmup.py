"""A gunicorn worker's warm-up starts ClickHouse and WeasyPrint before the first customer, and never
stops the worker: a busy embedded chDB is skipped, and the request that needs it waits as usual."""

import pytest

from portal.reports import warmup
from tests.support.reports import chdb_held_by_another_process

pytestmark = pytest.mark.django_db(databases="__all__")


def test_warm_up_reads_clickhouse_and_renders_a_pdf(clickhouse_marts):
    timings = warmup.warm_up()
    assert set(timings) == {"clickhouse", "pdf"}
    assert timings["clickhouse"] is not None
    assert timings["pdf"] is not None


def test_the_sample_report_renders_as_a_pdf():
    from portal.reports.pdf.render import render_month_pdf

    assert render_month_pdf(warmup.sample_report(), language="en").startswith(b"%PDF")


def test_warm_up_skips_a_chdb_held_by_another_process(clickhouse_marts, monkeypatch, caplog):
    monkeypatch.setattr(warmup, "CLICKHOUSE_WAIT_SECONDS", 0.2)
    with chdb_held_by_another_process():
        timings = warmup.warm_up()
    assert timings["clickhouse"] is None
    assert timings["pdf"] is not None
    assert "warm-up: _warm_clickhouse skipped (ClickHouseBusy" in caplog.text
