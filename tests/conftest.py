"""The suite's fixtures live in the importable package tests/support and are registered here once.

Databases are real: SQLite files locally, PostgreSQL in CI (see .ci/run); ClickHouse is embedded
chDB in a per-run folder (portal/settings_test.py)."""

pytest_plugins = [
    "tests.support.clickhouse",
    "tests.support.accounts",
    "tests.support.etl",
    "tests.support.reports",
    "tests.support.e2e",
    "tests.support.s3",
    "tests.support.smtp",
    "tests.support.delivery",
    "tests.support.demo_site",
    "tests.support.statement_world",
    "tests.support.seeded_demo",
    "tests.support.feed",
]
