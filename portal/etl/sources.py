"""How ClickHouse reads a source database itself: ``sqlite()`` for a SQLite file (the embedded
default and the tests), ``postgresql()`` for PostgreSQL (production), or the change feed's mirrors
of it inside ClickHouse (a refresh tick on a PostgreSQL source with logical replication).

Connection details come from Django's ``DATABASES`` (``crm``, ``telemetry``); ``ETL_SOURCE_HOST``,
``ETL_SOURCE_USER`` and ``ETL_SOURCE_PASSWORD`` override what a ClickHouse server uses to reach
PostgreSQL. Every connection detail is a bound query parameter (``{crm_password:String}``), never
text in the SQL, so no password appears in a query, a log line or an error message; ``mask()``
still scrubs it from any text that might echo it back.

Each source column is read through ``column(name, kind)``, which gives a ClickHouse expression of
the right type for either engine (SQLite returns text for dates, decimals and booleans).
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import connections

from portal.etl.errors import SourceUnavailable

UTC = dt.UTC
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# Django's SQLite format for datetimes; text in this format sorts like the instants it holds, so a
# watermark comparison on the raw text is pushed down to SQLite and uses its index.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"

_SQLITE_COLUMN = {
    "int": "toInt64({c})",
    "string": "toString({c})",
    "datetime": "parseDateTime64BestEffortOrNull({c}, 6, 'UTC')",
    "date": "toDateOrNull({c})",
    "decimal": "toDecimal64OrNull(toString({c}), 2)",
    "decimal1": "toDecimal64OrNull(toString({c}), 1)",
    "bool": "toUInt8OrNull(toString({c}))",
}
_POSTGRES_COLUMN = {
    "int": "toInt64({c})",
    "string": "toString({c})",
    "datetime": "toDateTime64({c}, 6, 'UTC')",
    "date": "toDate({c})",
    "decimal": "toDecimal64({c}, 2)",
    "decimal1": "toDecimal64({c}, 1)",
    "bool": "toUInt8({c})",
}


class SourceDatabase:
    """One Django database alias as ClickHouse sees it."""

    def __init__(self, alias: str, *, mirrors: bool = False):
        self.alias = alias
        self._db = connections[alias].settings_dict
        engine = self._db["ENGINE"]
        if mirrors:
            # The mirrors hold the source's own column types (portal/etl/feed/mirrors.py).
            self.kind = "mirror"
        elif engine.endswith("sqlite3"):
            self.kind = "sqlite"
        elif "postgresql" in engine:
            self.kind = "postgresql"
        else:
            raise ValueError(f"The ETL reads SQLite or PostgreSQL sources, not {engine} ({alias}).")

    def table(self, name: str) -> str:
        """``FROM`` text for a source table; the table name is a constant of this package."""
        if not _IDENTIFIER.match(name):
            raise ValueError(f"not a table name: {name!r}")
        p = self.alias
        if self.kind == "mirror":
            # The last version of each row; a deleted row's last version is its deletion.
            return f"(SELECT * FROM {{db:Identifier}}.mirror_{name} FINAL WHERE _is_deleted = 0)"
        if self.kind == "sqlite":
            return f"sqlite({{{p}_path:String}}, '{name}')"
        return (
            f"postgresql({{{p}_host:String}}, {{{p}_database:String}}, '{name}', "
            f"{{{p}_user:String}}, {{{p}_password:String}})"
        )

    def parameters(self) -> dict[str, str]:
        p = self.alias
        if self.kind == "mirror":
            return {}
        if self.kind == "sqlite":
            return {f"{p}_path": str(self._db["NAME"])}
        host = (
            settings.ETL_SOURCE_HOST
            or f"{self._db.get('HOST') or '127.0.0.1'}:{self._db.get('PORT') or 5432}"
        )
        return {
            f"{p}_host": host,
            f"{p}_database": self._db["NAME"],
            f"{p}_user": settings.ETL_SOURCE_USER or self._db.get("USER") or "postgres",
            f"{p}_password": settings.ETL_SOURCE_PASSWORD or self._db.get("PASSWORD") or "",
        }

    def column(self, name: str, kind: str) -> str:
        template = (_SQLITE_COLUMN if self.kind == "sqlite" else _POSTGRES_COLUMN)[kind]
        return template.format(c=name)

    def changed_since(self, column: str, param: str) -> str:
        """A ``WHERE`` condition ``column > {param}`` that the source evaluates (index, pushdown)."""
        if self.kind == "sqlite":
            return f"{column} > {{{param}:String}}"
        return f"{column} > {{{param}:DateTime64(6, 'UTC')}}"

    def timestamp_parameter(self, value: dt.datetime) -> str:
        # Django writes "YYYY-MM-DD HH:MM:SS" to SQLite when microseconds are 0: that text sorts
        # before any ".ffffff" of the same second, so the full form compares correctly with both.
        # PostgreSQL gets the same text as a DateTime64 parameter in UTC.
        return value.astimezone(UTC).replace(tzinfo=None).strftime(_SQLITE_DATETIME)

    def make_visible(self) -> None:
        """Make every committed row visible to ClickHouse's own SQLite reader.

        chDB's sqlite() keeps its SQLite connection for the life of the process and does not see
        pages committed to the write-ahead log after it first opened the file (seen with chDB 4.4:
        a long-lived worker would read stale rows). A TRUNCATE checkpoint moves every committed page
        into the database file, which it does see. Nothing to do for PostgreSQL."""
        if self.kind != "sqlite":
            return
        with connections[self.alias].cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log, _done = cursor.fetchone()
        if busy:
            raise SourceUnavailable(f"SQLite database {self.alias!r} is busy: could not checkpoint its log.")

    def mask(self, text: str) -> str:
        secret = self.parameters().get(f"{self.alias}_password")
        return text.replace(secret, "***") if secret else text


def crm(*, mirrors: bool = False) -> SourceDatabase:
    return SourceDatabase("crm", mirrors=mirrors)


def telemetry(*, mirrors: bool = False) -> SourceDatabase:
    return SourceDatabase("telemetry", mirrors=mirrors)


def mask_secrets(text: str) -> str:
    """Text (an error message) with every source password replaced by ``***``."""
    for source in (crm(), telemetry()):
        text = source.mask(text)
    return text
