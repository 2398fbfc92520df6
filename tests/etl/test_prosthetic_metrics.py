"""Every cell of report_prosthetic_monthly_metrics for crafted telemetry, computed by hand.

data_as_of is 2024-03-15 00:00 UTC, so March is month-to-date (14 days) and 2024 is a leap year
(February has 29 days = 41,760 minutes)."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.support.etl import PROSTHETIC_MART, etl_db, mart_rows, run_etl
from tests.support.factories import BatteryMetricFactory, CrmUserFactory, EventFactory, ProstheticFactory, utc

DATA_AS_OF = utc(2024, 3, 15)
AS_OF_IN_MART = dt.datetime(2024, 3, 15)


def events(prosthetic, *items):
    for event_type, occurred_at in items:
        EventFactory(prosthetic_id=prosthetic.pk, event_type=event_type, occurred_at=occurred_at)


def readings(prosthetic, *items):
    for measured_at, current_ma, temperature_c, is_charging in items:
        BatteryMetricFactory(
            prosthetic_id=prosthetic.pk,
            measured_at=measured_at,
            current_ma=current_ma,
            temperature_c=Decimal(temperature_c),
            is_charging=is_charging,
        )


def row(prosthetic, month, **values):
    base = {
        "user_id": prosthetic.user_id,
        "prosthetic_id": prosthetic.pk,
        "month": dt.date.fromisoformat(month + "-01"),
        "serial_number": prosthetic.serial_number,
        "model": prosthetic.model,
        "limb": prosthetic.limb,
        "power_on_count": 0,
        "total_active_hours": Decimal("0.00"),
        "avg_discharge_rate_active": None,
        "avg_charge_rate": None,
        "avg_battery_temperature_c": None,
        "charge_cycles": 0,
        "error_count": 0,
        "critical_error_count": 0,
        "downtime_minutes": Decimal("0.0"),
        "uptime_pct": Decimal("100.00"),
        "health_status": "healthy",
        "data_as_of": AS_OF_IN_MART,
    }
    return {**base, **values}


@pytest.fixture
def crafted(etl_clickhouse):
    owner = CrmUserFactory(created_at=utc(2024, 1, 5))
    arm = ProstheticFactory(
        user=owner, activated_at=utc(2024, 1, 20, 9), limb="right_arm", model="BionicPRO X3"
    )
    leg = ProstheticFactory(user=owner, activated_at=utc(2024, 1, 2), limb="left_leg")
    late = ProstheticFactory(user=owner, activated_at=utc(2024, 3, 3, 12))
    ProstheticFactory(user=owner, activated_at=DATA_AS_OF)  # activated at data_as_of: no rows yet
    ProstheticFactory(user=owner, activated_at=utc(2024, 3, 20))  # after data_as_of: no rows

    events(
        arm,
        # January: a session that starts on the 31st and ends in February counts in January (2.5 h).
        ("power_on", utc(2024, 1, 31, 23)),
        ("power_off", utc(2024, 2, 1, 1, 30)),
        *[("error", utc(2024, 1, 25, h)) for h in range(5)],  # five errors: warning
        ("grip", utc(2024, 1, 31, 23, 10)),
        # February. An unpaired power_off, then two power_ons in a row: only the second pairs (1.25 h).
        ("power_off", utc(2024, 2, 5, 10)),
        ("power_on", utc(2024, 2, 6, 8)),
        ("power_on", utc(2024, 2, 6, 9)),
        ("power_off", utc(2024, 2, 6, 10, 15)),
        # A tie at 12:00 is ordered by id: the power_off (created first) comes before the power_on,
        # so the power_on pairs with the 14:00 power_off (2 h), not with the tied power_off.
        ("power_off", utc(2024, 2, 10, 12)),
        ("power_on", utc(2024, 2, 10, 12)),
        ("power_off", utc(2024, 2, 10, 14)),
        # Overlapping outages merge: 10:00 to the 13:00 power_on is 180 minutes, not 180 + 60.
        ("critical_error", utc(2024, 2, 20, 10)),
        ("critical_error", utc(2024, 2, 20, 12)),
        ("power_on", utc(2024, 2, 20, 13)),
        ("power_off", utc(2024, 2, 20, 15)),  # 2 h session
        ("charge_start", utc(2024, 2, 21, 8)),
        ("charge_end", utc(2024, 2, 21, 9)),
        ("charge_end", utc(2024, 2, 22, 9)),
        # An outage across months: Feb 28 22:00 to Mar 1 04:00 = 1,560 min in Feb + 240 min in March.
        ("critical_error", utc(2024, 2, 28, 22)),
        ("power_on", utc(2024, 3, 1, 4)),
        ("power_off", utc(2024, 3, 1, 5)),  # 1 h session in March
        # Open at data_as_of: 23:00 to data_as_of = 60 min; the power_on and power_off after
        # data_as_of count nowhere, so the outage stays open and the 22:00 session has no end.
        ("power_on", utc(2024, 3, 14, 22)),
        ("critical_error", utc(2024, 3, 14, 23)),
        ("power_on", utc(2024, 3, 15, 1)),
        ("power_off", utc(2024, 3, 15, 2)),
    )
    readings(
        arm,
        # January: only charging readings; 30.55 rounds half away from zero to 30.6.
        (utc(2024, 1, 21, 8), 1000, "30.0", True),
        (utc(2024, 1, 22, 8), 1501, "31.1", True),
        # February: only discharging readings; 302 / 3 = 100.666... -> 100.67.
        (utc(2024, 2, 2, 8), 100, "20.0", False),
        (utc(2024, 2, 3, 8), 101, "21.0", False),
        (utc(2024, 2, 4, 8), 101, "22.0", False),
        # At data_as_of: not counted, so March has no readings.
        (DATA_AS_OF, 5000, "99.9", False),
    )
    events(
        leg,
        # Open from Jan 31 20:00 until the Feb 1 12:00 restart: 240 min in January, 720 in
        # February, where there is no critical error but uptime 98.28 % < 99.5 %: warning.
        ("critical_error", utc(2024, 1, 31, 20)),
        ("power_on", utc(2024, 2, 1, 12)),
    )
    readings(
        leg,
        # Negative temperatures: -3.1 / 2 = -1.55 rounds away from zero to -1.6.
        (utc(2024, 2, 2, 8), 450, "-1.5", False),
        (utc(2024, 2, 2, 9), 900, "-1.6", True),
    )
    return {"arm": arm, "leg": leg, "late": late}


@etl_db
def test_every_cell_of_the_prosthetic_mart_matches_the_hand_computed_values(crafted):
    arm, leg, late = crafted["arm"], crafted["leg"], crafted["late"]

    run = run_etl(data_as_of=DATA_AS_OF)

    assert run.status == "success", run.error
    expected = [
        row(arm, "2024-01", power_on_count=1, total_active_hours=Decimal("2.50"), error_count=5,
            avg_charge_rate=Decimal("1250.50"), avg_battery_temperature_c=Decimal("30.6"),
            health_status="warning"),
        row(arm, "2024-02", power_on_count=4, total_active_hours=Decimal("5.25"),
            avg_discharge_rate_active=Decimal("100.67"), avg_battery_temperature_c=Decimal("21.0"),
            charge_cycles=2, critical_error_count=3, downtime_minutes=Decimal("1740.0"),
            uptime_pct=Decimal("95.83"), health_status="critical"),
        row(arm, "2024-03", power_on_count=2, total_active_hours=Decimal("1.00"), critical_error_count=1,
            downtime_minutes=Decimal("300.0"), uptime_pct=Decimal("98.51"), health_status="critical"),
        row(leg, "2024-01", critical_error_count=1, downtime_minutes=Decimal("240.0"),
            uptime_pct=Decimal("99.46"), health_status="critical"),
        row(leg, "2024-02", power_on_count=1, avg_discharge_rate_active=Decimal("450.00"),
            avg_charge_rate=Decimal("900.00"), avg_battery_temperature_c=Decimal("-1.6"),
            downtime_minutes=Decimal("720.0"), uptime_pct=Decimal("98.28"), health_status="warning"),
        row(leg, "2024-03"),
        row(late, "2024-03"),
    ]  # fmt: skip
    actual = mart_rows(PROSTHETIC_MART)
    assert actual == {(r["prosthetic_id"], r["month"].strftime("%Y-%m")): r for r in expected}
