"""The marts' columns are declared once (portal/clickhouse/marts.py); the applied ClickHouse
schema, the SQL migrations, the report serializers, the portal's reads and the query book all
agree with it. (Every other query of the book runs against the applied schema in
tests/deploy/test_clickhouse_queries.py, which inserts its rows by the declared columns.)"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rest_framework import serializers

from portal.clickhouse.client import clickhouse
from portal.clickhouse.marts import MARTS, PROSTHETIC_MONTHLY, USER_MONTHLY, Mart
from portal.clickhouse.schema import MIGRATIONS_DIR
from portal.reports import contract
from portal.reports import marts as report_reads

QUERY_BOOK = Path(__file__).resolve().parents[2] / "sql" / "clickhouse_queries.sql"
STAGING = {
    USER_MONTHLY.table: "etl_stage_user_monthly_metrics",
    PROSTHETIC_MONTHLY.table: "etl_stage_prosthetic_monthly_metrics",
}


def declared(mart: Mart) -> list[tuple[str, str]]:
    return [(column.name, column.type) for column in mart.columns]


def applied_columns(database: str, table: str) -> list[tuple[str, str]]:
    with clickhouse() as client:
        rows = client.query(
            "SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String} "
            # load_id (portal/clickhouse/publication.py) is MATERIALIZED: not a column readers see.
            "AND default_kind != 'MATERIALIZED' ORDER BY position",
            parameters={"db": database, "t": table},
        ).result_rows
    return [(name, type_) for name, type_ in rows]


@pytest.mark.parametrize("mart", MARTS, ids=lambda mart: mart.table)
def test_the_applied_marts_and_their_staging_copies_have_the_declared_columns_and_types(
    clickhouse_marts, mart
):
    assert applied_columns(clickhouse_marts, mart.table) == declared(mart)
    assert applied_columns(clickhouse_marts, STAGING[mart.table]) == declared(mart)


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def migration_columns(table: str) -> list[tuple[str, str]]:
    """The column list of the migration that creates ``table``."""
    header = re.compile(r"CREATE TABLE IF NOT EXISTS \{database\}\." + table + r"\b[^(]*\(")
    for path in sorted(MIGRATIONS_DIR.glob("[0-9]*.sql")):
        text = path.read_text()
        match = header.search(text)
        if match:
            depth, end = 1, match.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            body = text[match.end() : end - 1]
            return [tuple(item.split(None, 1)) for item in map(str.strip, _split_top_level(body))]
    raise AssertionError(f"no migration creates {table}")


@pytest.mark.parametrize("mart", MARTS, ids=lambda mart: mart.table)
def test_the_sql_migration_creates_the_declared_columns_and_types(mart):
    assert migration_columns(mart.table) == declared(mart)


DECIMAL = re.compile(r"^(?:Nullable\()?Decimal\((\d+), (\d+)\)\)?$")


def field_matches(field: serializers.Field, clickhouse_type: str) -> bool:
    """Whether a serializer field renders a ClickHouse value of this type faithfully."""
    nullable = clickhouse_type.startswith("Nullable(")
    if field.allow_null != nullable:
        return False
    if isinstance(field, serializers.DecimalField):
        match = DECIMAL.match(clickhouse_type)
        return bool(match) and (field.max_digits, field.decimal_places) == (int(match[1]), int(match[2]))
    if isinstance(field, serializers.IntegerField):
        return re.fullmatch(r"U?Int\d+", clickhouse_type) is not None
    if isinstance(field, serializers.DateTimeField):
        return clickhouse_type.startswith("DateTime")
    if isinstance(field, contract.MonthField):
        return clickhouse_type == "Date"
    if isinstance(field, serializers.CharField | serializers.ChoiceField):
        return clickhouse_type in ("String", "LowCardinality(String)")
    return False


# The mart columns each serializer leaves out, because the report carries them once at its top
# level (user_id, month, data_as_of of MonthReportSerializer).
SERIALIZERS = [
    (contract.UserMonthSerializer, USER_MONTHLY, {"user_id"}),
    (contract.ProstheticMonthSerializer, PROSTHETIC_MONTHLY, {"user_id", "month", "data_as_of"}),
    (
        contract.PaymentPointSerializer,
        USER_MONTHLY,
        {
            "user_id", "active_subscriptions_count", "subscription_cost_total", "tickets_opened",
            "tickets_resolved", "data_as_of",
        },
    ),
]  # fmt: skip


@pytest.mark.parametrize("serializer, mart, left_out", SERIALIZERS, ids=lambda s: getattr(s, "__name__", ""))
def test_the_report_serializers_show_declared_columns_with_their_types(serializer, mart, left_out):
    fields = serializer().fields
    assert list(fields) == [name for name in mart.column_names if name not in left_out]
    mismatched = {
        name: mart.column(name).type
        for name, field in fields.items()
        if not field_matches(field, mart.column(name).type)
    }
    assert mismatched == {}


def test_a_decimal_column_keeps_its_declared_decimals_in_the_api():
    field = contract.ProstheticMonthSerializer().fields["avg_battery_temperature_c"]
    assert field.to_representation(Decimal("31.7")) == "31.7"
    assert PROSTHETIC_MONTHLY.column("health_status").values == contract.HEALTH_STATUSES


def query_book() -> dict[str, str]:
    text = QUERY_BOOK.read_text()
    names = re.findall(r"^-- name: (\w+)\s*$", text, re.MULTILINE)
    bodies = re.split(r"^-- name: \w+\s*$", text, flags=re.MULTILINE)[1:]
    return dict(zip(names, bodies, strict=True))


def selected_columns(sql: str) -> list[str]:
    code = " ".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    select = re.search(r"SELECT (.*?) FROM", code, re.DOTALL)[1]
    return [column.strip() for column in select.split(",")]


@pytest.mark.parametrize(
    "name, mart, api_sql",
    [
        ("user_months", USER_MONTHLY, report_reads.USER_MONTHS_SQL),
        ("prosthetic_month", PROSTHETIC_MONTHLY, report_reads.PROSTHETIC_MONTH_SQL),
    ],
)
def test_the_portals_reads_and_the_query_book_select_every_declared_column_in_order(name, mart, api_sql):
    assert selected_columns(query_book()[name]) == list(mart.column_names)
    assert selected_columns(api_sql) == list(mart.column_names)
    assert f"reports.{mart.table}" in query_book()[name]
