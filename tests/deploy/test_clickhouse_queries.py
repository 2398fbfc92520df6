"""sql/clickhouse_queries.sql: every query in the book runs against seeded marts, and the ones the
support team relies on find exactly what the crafted rows hide (a duplicate, a gap, a critical
device, a wrong health status)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from clickhouse_connect.driver.exceptions import DatabaseError

from portal.clickhouse.client import clickhouse
from portal.clickhouse.marts import PROSTHETIC_MONTHLY, USER_MONTHLY
from tests.support.deploy import ROOT

QUERY_BOOK = ROOT / "sql" / "clickhouse_queries.sql"
NAME_LINE = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)
PARAMETER = re.compile(r"\{(\w+):\w+\}")
AS_OF = dt.datetime(2025, 4, 1)

# Values for every parameter a query of the book may take.
PARAMETERS = {
    "user_id": 1,
    "month": dt.date(2025, 3, 1),
    "month_from": dt.date(2025, 1, 1),
    "month_to": dt.date(2025, 3, 1),
    "limit": 10,
    "prosthetic_id": 10,
    "serial_number": "BP-X2-2500010",
}

USER_COLUMNS = list(USER_MONTHLY.column_names)
PROSTHETIC_COLUMNS = list(PROSTHETIC_MONTHLY.column_names)


def month(number: int) -> dt.date:
    return dt.date(2025, number, 1)


def user_row(user_id, month_number, paid, *, failed=0, failed_amount="0", cost="4990.00"):
    total = Decimal(paid) + Decimal(failed_amount)
    return [user_id, month(month_number), total, Decimal(paid), failed, 1, Decimal(cost), 1, 0, AS_OF]


def prosthetic_row(
    user_id, prosthetic_id, month_number, *, hours="40.00", errors=0, critical=0, uptime="100.00"
):
    status = (
        "critical"
        if critical
        else ("warning" if errors >= 5 or Decimal(uptime) < Decimal("99.5") else "healthy")
    )
    return [
        user_id, prosthetic_id, month(month_number), f"BP-X2-25{prosthetic_id:05d}", "BionicPRO X2",
        "right_arm", 30, Decimal(hours), Decimal("310.50"), Decimal("1450.00"), Decimal("31.2"), 20,
        errors, critical,
        Decimal("0.0") if Decimal(uptime) == 100 else Decimal("120.0"), Decimal(uptime), status, AS_OF,
    ]  # fmt: skip


USER_ROWS = [
    user_row(1, 1, "4990.00"),
    user_row(1, 2, "4990.00"),
    user_row(1, 3, "4990.00", failed=1, failed_amount="4990.00"),
    user_row(2, 2, "2990.00", cost="2990.00"),
    user_row(2, 3, "2990.00", cost="2990.00"),
    user_row(2, 3, "2990.00", cost="2990.00"),  # a duplicate key, as a botched load would leave
    user_row(3, 1, "7990.00", cost="7990.00"),
    user_row(3, 3, "7990.00", cost="7990.00"),  # February is missing: a coverage gap
]
PROSTHETIC_ROWS = [
    prosthetic_row(1, 10, 1, hours="50.00"),
    prosthetic_row(1, 10, 2, hours="60.00"),
    prosthetic_row(1, 10, 3, hours="45.50"),
    prosthetic_row(1, 11, 3, hours="4.50", critical=1, uptime="99.10"),
    prosthetic_row(2, 20, 2),
    prosthetic_row(2, 20, 3, errors=6),
]


def query_book() -> dict[str, str]:
    text = QUERY_BOOK.read_text()
    names = NAME_LINE.findall(text)
    bodies = NAME_LINE.split(text)[2::2]
    return {name: body.strip().rstrip(";") for name, body in zip(names, bodies, strict=True)}


@pytest.fixture(scope="module")
def queries():
    return query_book()


@pytest.fixture
def seeded_marts(clickhouse_marts):
    assert clickhouse_marts == "reports", "the query book names the database `reports`"
    with clickhouse() as client:
        client.insert("reports.report_user_monthly_metrics", USER_ROWS, column_names=USER_COLUMNS)
        client.insert(
            "reports.report_prosthetic_monthly_metrics", PROSTHETIC_ROWS, column_names=PROSTHETIC_COLUMNS
        )
    return clickhouse_marts


def run(name: str, queries: dict[str, str]) -> list[dict]:
    sql = queries[name]
    parameters = {key: PARAMETERS[key] for key in PARAMETER.findall(sql)}
    with clickhouse() as client:
        return list(client.query(sql, parameters=parameters).named_results())


def test_the_book_has_at_least_16_documented_queries_with_unique_names(queries):
    text = QUERY_BOOK.read_text()
    assert len(NAME_LINE.findall(text)) == len(queries) >= 16
    for name, body in queries.items():
        comment = [line for line in body.splitlines() if line.startswith("--")]
        assert comment, f"{name} has no description"


def test_every_query_in_the_book_runs_against_seeded_marts(seeded_marts, queries):
    failures = {}
    for name in queries:
        try:
            run(name, queries)
        except DatabaseError as error:  # collect every failing query, then report them all
            failures[name] = str(error).splitlines()[0]
    assert failures == {}


def test_the_apis_month_list_returns_the_customers_months_in_order(seeded_marts, queries):
    rows = run("user_months", queries)
    assert [(row["user_id"], row["month"]) for row in rows] == [(1, month(1)), (1, month(2)), (1, month(3))]


def test_the_apis_month_query_returns_one_block_per_prosthetic(seeded_marts, queries):
    rows = run("prosthetic_month", queries)
    assert [(row["prosthetic_id"], row["health_status"]) for row in rows] == [
        (10, "healthy"),
        (11, "critical"),
    ]


def test_the_year_summary_adds_up_the_customers_money(seeded_marts, queries):
    (row,) = run("user_year_summary", queries)
    assert row["months"] == 3
    assert row["paid_amount"] == Decimal("14970.00")
    assert row["failed_payments"] == 1
    assert row["successful_share_pct"] == 75.0


def test_devices_needing_attention_list_critical_before_warning(seeded_marts, queries):
    rows = run("prosthetics_needing_attention", queries)
    assert [(row["prosthetic_id"], row["health_status"]) for row in rows] == [
        (11, "critical"),
        (20, "warning"),
    ]


def test_the_usage_trend_shows_the_change_from_the_previous_month(seeded_marts, queries):
    rows = run("prosthetic_usage_trend", queries)
    assert [row["hours_change"] for row in rows] == [Decimal("0.00"), Decimal("10.00"), Decimal("-14.50")]


def test_the_overview_joins_the_customers_devices_into_each_month(seeded_marts, queries):
    rows = run("customer_month_overview", queries)
    assert [(row["month"], row["devices"], row["active_hours"], row["worst_health"]) for row in rows] == [
        (month(1), 1, Decimal("50.00"), "healthy"),
        (month(2), 1, Decimal("60.00"), "healthy"),
        (month(3), 2, Decimal("50.00"), "critical"),
    ]


def test_a_critical_device_and_a_failed_payment_in_one_month_are_found(seeded_marts, queries):
    rows = run("critical_devices_with_payment_trouble", queries)
    assert [(row["user_id"], row["month"], row["critical_devices"]) for row in rows] == [(1, month(3), 1)]


def test_the_duplicate_check_finds_the_key_loaded_twice(seeded_marts, queries):
    rows = run("duplicate_user_months", queries)
    assert [(row["user_id"], row["month"], row["copies"]) for row in rows] == [(2, month(3), 2)]
    assert run("duplicate_prosthetic_months", queries) == []


def test_the_coverage_check_finds_the_missing_month(seeded_marts, queries):
    rows = run("user_month_coverage_gaps", queries)
    assert [(row["user_id"], row["missing_months"]) for row in rows] == [(3, 1)]
    assert run("prosthetic_month_coverage_gaps", queries) == []


def test_the_partition_query_lists_one_partition_per_seeded_month(seeded_marts, queries):
    rows = run("partitions", queries)
    by_table = {}
    for row in rows:
        by_table.setdefault(row["table"], set()).add(row["partition"])
    assert by_table == {
        "report_user_monthly_metrics": {"202501", "202502", "202503"},
        "report_prosthetic_monthly_metrics": {"202501", "202502", "202503"},
    }
    assert sum(row["rows"] for row in rows if row["table"] == "report_user_monthly_metrics") == len(USER_ROWS)


def test_consistent_health_statuses_give_no_mismatch_and_a_wrong_one_is_found(seeded_marts, queries):
    assert run("health_status_mismatches", queries) == []
    wrong = prosthetic_row(2, 21, 3, errors=7)
    wrong[PROSTHETIC_COLUMNS.index("health_status")] = "healthy"
    with clickhouse() as client:
        client.insert("reports.report_prosthetic_monthly_metrics", [wrong], column_names=PROSTHETIC_COLUMNS)
    rows = run("health_status_mismatches", queries)
    assert [(row["prosthetic_id"], row["expected_status"]) for row in rows] == [(21, "warning")]


def test_the_books_api_queries_are_the_ones_the_api_runs(queries):
    from portal.reports import marts

    def normalised(sql: str) -> str:
        code = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
        return " ".join(code.replace("{db:Identifier}", "reports").split())

    for name, api_sql in (
        ("user_months", marts.USER_MONTHS_SQL),
        ("prosthetic_month", marts.PROSTHETIC_MONTH_SQL),
        ("user_first_month", marts.FIRST_MONTH_SQL),
        ("marts_data_as_of", marts.MARTS_DATA_AS_OF_SQL),
    ):
        assert normalised(queries[name]) == normalised(api_sql), name
