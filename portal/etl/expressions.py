"""ClickHouse SQL expressions shared by the ETL's statements: month ranges and exact rounding.

Rounding is done on integers, never on floats: every mart value is a ratio of integer sums
(microseconds, mA, tenths of a degree, cents) rounded half away from zero (Python's
``ROUND_HALF_UP``) to the column's decimals. Half away from zero is what a reader checking a
figure by hand expects; banker's rounding would surprise them.
"""


def months_between(first: str, last: str) -> str:
    """Array of month starts from ``first`` through ``last`` (both Dates); empty when last < first."""
    return (
        f"arrayMap(i -> addMonths({first}, i), "
        f"range(toUInt32(greatest(0, dateDiff('month', {first}, {last}) + 1))))"
    )


def rounded_ratio(numerator: str, denominator: str, *, decimals: int) -> str:
    """``numerator / denominator`` (integers, denominator > 0) as a Decimal with ``decimals`` places,
    rounded half away from zero."""
    scale = 10**decimals
    num = f"toInt128({numerator}) * {scale}"
    den = f"toInt128({denominator})"
    units = f"if({num} >= 0, intDiv(2 * {num} + {den}, 2 * {den}), -intDiv(-2 * {num} + {den}, 2 * {den}))"
    return f"(toDecimal128({units}, {decimals}) / {scale})"


def month_start_time(month: str) -> str:
    return f"toDateTime64({month}, 6, 'UTC')"


def month_end_capped(month: str, data_as_of: str) -> str:
    """End of a month's interval: the next month's start, or data_as_of when that is earlier."""
    return f"least(toDateTime64(addMonths({month}, 1), 6, 'UTC'), {data_as_of})"
