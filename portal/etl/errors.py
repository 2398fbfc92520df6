"""Which failures are worth retrying: a source database or ClickHouse briefly out of reach."""

from __future__ import annotations

from clickhouse_connect.driver.exceptions import DatabaseError
from clickhouse_connect.driver.exceptions import OperationalError as ClickHouseOperationalError
from django.db import OperationalError as DjangoOperationalError

from portal.clickhouse.client import ClickHouseBusy

# ClickHouse error names that mean "could not reach it right now", not "the data or SQL is wrong".
_TRANSIENT_CLICKHOUSE_ERRORS = (
    "(POSTGRESQL_CONNECTION_FAILURE)",
    "(ALL_CONNECTION_TRIES_FAILED)",
    "(NETWORK_ERROR)",
    "(SOCKET_TIMEOUT)",
    "database is locked",
)


class SourceUnavailable(RuntimeError):
    """ClickHouse could not reach a source database (PostgreSQL down, SQLite file locked)."""


RETRYABLE_ERRORS = (DjangoOperationalError, ClickHouseOperationalError, ClickHouseBusy, SourceUnavailable)


def as_retryable(exc: BaseException) -> BaseException:
    """The exception to raise: a transient ClickHouse error becomes SourceUnavailable."""
    if isinstance(exc, DatabaseError) and any(name in str(exc) for name in _TRANSIENT_CLICKHOUSE_ERRORS):
        return SourceUnavailable(str(exc))
    return exc
