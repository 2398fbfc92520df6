"""Bulk loaders for the generated rows: PostgreSQL COPY, batched inserts on SQLite.

Rows are named tuples whose field names are the table's columns (``portal.demo.rows``). The
loaders write explicit ids, so after loading the PostgreSQL sequences are moved past them.
"""

import datetime as dt
import typing
from collections.abc import Sequence
from itertools import islice
from typing import Any, NamedTuple

import psycopg
from django.core.management.color import no_style
from django.db import connections
from psycopg import postgres, pq, sql
from psycopg.adapt import Dumper

SQLITE_BATCH_ROWS = 5_000


class BulkLoader:
    """Loads rows into empty tables inside the caller's transaction: ``prepare``, ``load``
    (any number of times), ``finish``."""

    def __init__(self, alias: str):
        self.alias = alias
        self.connection = connections[alias]
        self.dropped_indexes: list[tuple] = []

    def prepare(self, models: list) -> None:
        """Drops the models' secondary indexes: building them once after the load costs far less
        than updating them row by row. Inside the seeding transaction, so a failure restores them."""
        editor = self._sql_renderer()
        self._execute(
            [str(index.remove_sql(model, editor)) for model in models for index in model._meta.indexes]
        )
        self.dropped_indexes += [(model, index) for model in models for index in model._meta.indexes]

    def load(self, table: str, rows: Sequence[NamedTuple]) -> None:
        raise NotImplementedError

    def wipe(self, models: list) -> None:
        raise NotImplementedError

    def finish(self, models: list) -> None:
        """Rebuilds the indexes ``prepare`` dropped and moves id sequences past the explicit ids."""
        editor = self._sql_renderer()
        self._execute([str(index.create_sql(model, editor)) for model, index in self.dropped_indexes])
        self.dropped_indexes.clear()
        self._execute(self.connection.ops.sequence_reset_sql(no_style(), models))

    def _sql_renderer(self):
        """A schema editor used only to render index SQL. It is not entered: SQLite refuses to
        enter one inside a transaction, and the statements run in the seeding transaction."""
        editor = self.connection.schema_editor()
        editor.deferred_sql = []
        return editor

    def _execute(self, statements: list[str]) -> None:
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


class _JsonTextBinaryDumper(Dumper):
    """Payloads are generated as JSON text already; jsonb's binary input is a version byte (1)
    followed by that text, so nothing is parsed and re-serialised on the way."""

    format = pq.Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj: str) -> bytes:
        return b"\x01" + obj.encode()


class _JsonText:
    """Marker type the jsonb dumper is registered under; COPY picks dumpers by column type."""


class PostgresCopyLoader(BulkLoader):
    """Binary COPY: psycopg formats each row in C, several times faster than text COPY here."""

    def load(self, table: str, rows: Sequence[NamedTuple]) -> None:
        if not rows:
            return
        columns = rows[0]._fields
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self.connection.cursor() as cursor:
            raw = cursor.cursor
            types = self._column_types(raw, table, columns)
            raw.adapters.register_dumper(_JsonText, _JsonTextBinaryDumper)
            with raw.copy(statement) as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)

    @staticmethod
    def _column_types(raw_cursor: psycopg.Cursor[Any], table: str, columns: Sequence[str]) -> list[int]:
        raw_cursor.execute(
            "SELECT attname, atttypid::int FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        oids = dict(raw_cursor.fetchall())
        return [oids[column] for column in columns]

    def prepare(self, models: list) -> None:
        self._run_deferred_checks()
        super().prepare(models)

    def finish(self, models: list) -> None:
        """Also refreshes the planner's statistics (and so the admin's row estimates)."""
        self._run_deferred_checks()
        super().finish(models)
        with self.connection.cursor() as cursor:
            for model in models:
                cursor.cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(model._meta.db_table)))

    def _run_deferred_checks(self) -> None:
        """Django's foreign keys are deferred; checks pending from earlier writes in the same
        transaction block TRUNCATE and index DDL, so run them now."""
        with self.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def wipe(self, models: list) -> None:
        tables = sql.SQL(", ").join(sql.Identifier(model._meta.db_table) for model in models)
        self._run_deferred_checks()
        with self.connection.cursor() as cursor:
            cursor.cursor.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(tables))


class SqliteBatchLoader(BulkLoader):
    def load(self, table: str, rows: Sequence[NamedTuple]) -> None:
        if not rows:
            return
        columns = rows[0]._fields
        quote = self.connection.ops.quote_name
        statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names are our own columns
            quote(table), ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
        )
        datetime_positions = _datetime_positions(type(rows[0]))
        iterator = iter(rows)
        with self.connection.cursor() as cursor:
            while batch := list(islice(iterator, SQLITE_BATCH_ROWS)):
                cursor.executemany(statement, [_naive_utc(row, datetime_positions) for row in batch])

    def wipe(self, models: list) -> None:
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            for model in reversed(models):
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608 - model table name
            cursor.execute(
                "DELETE FROM sqlite_sequence WHERE name IN ({})".format(", ".join(["%s"] * len(models))),  # noqa: S608
                [model._meta.db_table for model in models],
            )


def _datetime_positions(row_type: type[NamedTuple]) -> list[int]:
    hints = typing.get_type_hints(row_type)
    return [
        index
        for index, name in enumerate(row_type._fields)
        if hints[name] is dt.datetime or dt.datetime in typing.get_args(hints[name])
    ]


def _naive_utc(row: tuple, positions: list[int]) -> tuple:
    """Django stores SQLite datetimes as naive UTC text ("YYYY-MM-DD HH:MM:SS")."""
    values = list(row)
    for index in positions:
        value = values[index]
        if value is not None and value.tzinfo is not None:
            values[index] = str(value.replace(tzinfo=None))
    return tuple(values)


def loader_for(alias: str) -> BulkLoader:
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        return PostgresCopyLoader(alias)
    if vendor == "sqlite":
        return SqliteBatchLoader(alias)
    raise ValueError(f"seed_demo supports PostgreSQL and SQLite, not {vendor} (database {alias!r})")
