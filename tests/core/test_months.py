"""portal/core/months.py: the one module that does calendar-month arithmetic."""

import datetime as dt

import pytest

from portal.core import months
from portal.core.months import InvalidMonth, MonthOutOfRange


def test_a_month_parses_to_its_first_day_and_formats_back():
    assert months.parse_month("2025-03") == dt.date(2025, 3, 1)
    assert months.format_month(dt.date(2025, 3, 1)) == "2025-03"


@pytest.mark.parametrize(
    "value",
    [
        "2025-03\n",  # `$` in a regular expression accepts a trailing newline
        "\u0662\u0660\u0662\u0665-03",  # Arabic-Indic digits match `\d`
        "\uff12\uff10\uff12\uff15-03",  # fullwidth digits
        "2025-\u0660\u0663",
        " 2025-03",
        "2025-13",
        "2025-00",
        "0000-01",
        "",
    ],
)
def test_anything_but_ascii_yyyy_mm_is_an_invalid_month(value):
    with pytest.raises(InvalidMonth) as raised:
        months.parse_month(value)
    assert raised.value.code == "invalid_month"
    assert raised.value.status == 400


@pytest.mark.parametrize("value", ["0001-01", "0001-11", "0001-12", "1969-12", "2149-06", "9999-12"])
def test_a_month_the_marts_cannot_hold_is_out_of_range(value):
    with pytest.raises(MonthOutOfRange) as raised:
        months.parse_month(value)
    assert raised.value.code == "month_out_of_range"
    assert raised.value.status == 400
    assert value in raised.value.message()


def test_the_first_and_last_months_parse_and_a_year_of_history_around_them_is_computable():
    first, last = months.parse_month("1970-01"), months.parse_month("2149-05")
    assert (first, last) == (months.FIRST_MONTH, months.LAST_MONTH)
    assert months.add_months(first, -11) == dt.date(1969, 2, 1)
    assert months.next_month(last) == dt.date(2149, 6, 1)


def test_add_months_crosses_years_both_ways():
    assert months.add_months(dt.date(2024, 11, 1), 3) == dt.date(2025, 2, 1)
    assert months.add_months(dt.date(2025, 2, 1), -14) == dt.date(2023, 12, 1)


def test_a_month_range_includes_both_ends_and_is_empty_when_reversed():
    assert list(months.month_range(dt.date(2024, 11, 1), dt.date(2025, 2, 1))) == [
        dt.date(2024, 11, 1),
        dt.date(2024, 12, 1),
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 1),
    ]
    assert list(months.month_range(dt.date(2025, 2, 1), dt.date(2025, 1, 1))) == []


def test_the_last_month_before_an_exclusive_bound():
    midnight = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    assert months.last_month_before(midnight) == dt.date(2025, 3, 1)
    assert months.last_month_before(midnight + dt.timedelta(microseconds=1)) == dt.date(2025, 4, 1)
    moscow = dt.timezone(dt.timedelta(hours=3))
    assert months.last_month_before(dt.datetime(2025, 4, 1, 2, tzinfo=moscow)) == dt.date(2025, 3, 1)


def test_the_last_day_of_a_month():
    assert months.last_day(dt.date(2024, 2, 1)) == dt.date(2024, 2, 29)
    assert months.last_day(dt.date(2025, 12, 1)) == dt.date(2025, 12, 31)


def test_years_before_1000_keep_four_digits():
    assert months.format_month(dt.date(1, 12, 1)) == "0001-12"
