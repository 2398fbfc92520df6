"""Rows that break the source rules are left out of every metric and counted per reason; the run
still succeeds."""

import datetime as dt
from decimal import Decimal

from tests.support.etl import PROSTHETIC_MART, etl_db, mart_rows, run_etl
from tests.support.factories import BatteryMetricFactory, CrmUserFactory, EventFactory, ProstheticFactory, utc

DATA_AS_OF = utc(2024, 3, 1)
UNKNOWN_PROSTHETIC = 424242


@etl_db
def test_bad_rows_are_counted_per_reason_and_left_out_of_every_metric(etl_clickhouse):
    owner = CrmUserFactory(created_at=utc(2024, 1, 1))
    arm = ProstheticFactory(user=owner, activated_at=utc(2024, 2, 1))
    EventFactory(prosthetic_id=arm.pk, event_type="error", occurred_at=utc(2024, 2, 3))
    BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=utc(2024, 2, 3), current_ma=300)
    # Each of these would change a February figure if it were counted.
    EventFactory(prosthetic_id=arm.pk, event_type="teleport", occurred_at=utc(2024, 2, 4))
    EventFactory(prosthetic_id=arm.pk, event_type="error", occurred_at=None, received_at=utc(2024, 2, 4))
    EventFactory(
        prosthetic_id=arm.pk,
        event_type="critical_error",
        occurred_at=utc(2099, 1, 1),
        received_at=utc(2024, 2, 4),
    )
    EventFactory(prosthetic_id=UNKNOWN_PROSTHETIC, event_type="critical_error", occurred_at=utc(2024, 2, 4))
    BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=utc(2024, 2, 4), current_ma=-50)
    BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=None, received_at=utc(2024, 2, 4), current_ma=900)
    BatteryMetricFactory(
        prosthetic_id=arm.pk, measured_at=utc(2030, 1, 1), received_at=utc(2024, 2, 4), current_ma=900
    )
    BatteryMetricFactory(prosthetic_id=UNKNOWN_PROSTHETIC, measured_at=utc(2024, 2, 4), current_ma=900)
    # At or after data_as_of is not a rejection: it just does not count yet.
    EventFactory(prosthetic_id=arm.pk, event_type="error", occurred_at=DATA_AS_OF + dt.timedelta(hours=1))

    run = run_etl(data_as_of=DATA_AS_OF)

    assert run.status == "success", run.error
    assert run.steps["extract_telemetry"]["rejected"] == {
        "battery_metrics.future_timestamp": 1,
        "battery_metrics.missing_timestamp": 1,
        "battery_metrics.negative_current": 1,
        "battery_metrics.unknown_prosthetic": 1,
        "events.future_timestamp": 1,
        "events.missing_timestamp": 1,
        "events.unknown_event_type": 1,
        "events.unknown_prosthetic": 1,
    }
    assert run.rows_rejected == 8
    rows = mart_rows(PROSTHETIC_MART)
    assert list(rows) == [(arm.pk, "2024-02")]
    february = rows[(arm.pk, "2024-02")]
    assert february["error_count"] == 1
    assert february["critical_error_count"] == 0
    assert february["avg_discharge_rate_active"] == Decimal("300.00")
    assert february["health_status"] == "healthy"


@etl_db
def test_a_rejected_row_is_counted_once_not_again_by_the_next_run(etl_clickhouse):
    owner = CrmUserFactory(created_at=utc(2024, 1, 1))
    arm = ProstheticFactory(user=owner, activated_at=utc(2024, 2, 1))
    EventFactory(prosthetic_id=arm.pk, event_type="teleport", occurred_at=utc(2024, 2, 4))

    first = run_etl(data_as_of=DATA_AS_OF)
    second = run_etl(data_as_of=DATA_AS_OF + dt.timedelta(days=1))

    assert first.rows_rejected == 1
    assert second.status == "success"
    assert second.rows_rejected == 0
