"""Start-up work a web worker does once, before it takes requests, so that no customer pays it.

A process's first ClickHouse read starts the engine (embedded chDB loads and opens its data
directory, about 0.25 s more than later reads) and its first PDF loads pango, fontconfig and the
fonts (about 0.1 s more). ``warm_up`` does both: one trivial ClickHouse query and one PDF of a
made-up report through the real template. gunicorn calls it in each worker after the fork
(``post_worker_init`` in ``deploy/gunicorn.conf.py``); never in the master, since chDB must not
be started before a fork.

Nothing here may stop a worker: a ClickHouse that is busy (the ETL holds embedded chDB) or down
is logged and left for the first request to handle as usual.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings

from portal.clickhouse.client import clickhouse
from portal.reports.contract import MonthReportSerializer

logger = logging.getLogger(__name__)

# How long a starting worker waits for embedded chDB held by another process.
CLICKHOUSE_WAIT_SECONDS = 2.0


def warm_up() -> dict[str, float | None]:
    """Seconds spent on each part, or None when that part could not be done now."""
    return {"clickhouse": _timed(_warm_clickhouse), "pdf": _timed(_warm_pdf)}


def _timed(step: Callable[[], object]) -> float | None:
    started = time.perf_counter()
    try:
        step()
    except Exception as exc:  # a warm-up failure must never stop the worker
        logger.warning("Worker warm-up: %s skipped (%s: %s)", step.__name__, type(exc).__name__, exc)
        return None
    return time.perf_counter() - started


def _warm_clickhouse() -> None:
    with clickhouse(timeout=CLICKHOUSE_WAIT_SECONDS) as client:
        client.query("SELECT 1")


def _warm_pdf() -> None:
    from portal.reports.pdf.render import render_month_pdf  # WeasyPrint: loaded here, in the worker

    render_month_pdf(sample_report(), language=settings.LANGUAGE_CODE)


def sample_report() -> dict:
    """A made-up one-prosthesis report in the API's shape (nobody's data; used only to warm up)."""
    month = dt.date(2000, 1, 1)
    data_as_of = dt.datetime(2000, 2, 1, tzinfo=dt.UTC)
    metrics = {
        "month": month,
        "total_payments": Decimal("4990.00"),
        "successful_payments": Decimal("4990.00"),
        "failed_payments_count": 0,
        "active_subscriptions_count": 1,
        "subscription_cost_total": Decimal("4990.00"),
        "tickets_opened": 1,
        "tickets_resolved": 1,
        "data_as_of": data_as_of,
    }
    prosthetic = {
        "prosthetic_id": 0,
        "serial_number": "BP-WARM-UP",
        "model": "BionicPRO X2",
        "limb": "left_arm",
        "power_on_count": 31,
        "total_active_hours": Decimal("120.50"),
        "avg_discharge_rate_active": Decimal("450.00"),
        "avg_charge_rate": None,
        "avg_battery_temperature_c": Decimal("31.5"),
        "charge_cycles": 30,
        "error_count": 0,
        "critical_error_count": 0,
        "downtime_minutes": Decimal("0.0"),
        "uptime_pct": Decimal("100.00"),
        "health_status": "healthy",
    }
    report = {
        "user_id": 0,
        "month": month,
        "data_as_of": data_as_of,
        "metrics": metrics,
        "prosthetics": [prosthetic],
        "payment_history": [metrics],
    }
    return MonthReportSerializer(report).data
