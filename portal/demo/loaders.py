"""Bulk loaders for the generated rows: PostgreSQL COPY, batched inserts on SQLite.

Rows are named tuples whose field names are the table's columns (``portal.demo.rows``). The
loaders write explicit ids, so after loading the PostgreSQL sequences are moved past them.
"""

import datetime as dt
import typing
from collections.abc import Sequence
from itertools import islice

from django.core.management.color import no_style
from django.db import connections
from psycopg import sql

SQLITE_BATCH_ROWS = 5_000


class BulkLoader:
    def __init__(self, alias: str):
        self.alias = alias
        self.connection = connections[alias]

    def load(self, table: str, rows: Sequence[tuple]) -> None:
        raise NotImplementedError

    def wipe(self, models: list) -> None:
        raise NotImplementedError

    def finish(self, models: list) -> None:
        """After loading explicit ids: move the id sequences past them."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), models)
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


class PostgresCopyLoader(BulkLoader):
    def load(self, table: str, rows: Sequence[tuple]) -> None:
        if not rows:
            return
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, rows[0]._fields))
        )
        with self.connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self, models: list) -> None:
        """Also refresh the planner's statistics (and the admin's row estimates) for the new rows."""
        super().finish(models)
        with self.connection.cursor() as cursor:
            for model in models:
                cursor.cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(model._meta.db_table)))

    def wipe(self, models: list) -> None:
        tables = sql.SQL(", ").join(sql.Identifier(model._meta.db_table) for model in models)
        with self.connection.cursor() as cursor:
            # Django's foreign keys are deferred; pending checks from earlier writes in the same
            # transaction would block TRUNCATE, so run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.cursor.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(tables))


class SqliteBatchLoader(BulkLoader):
    def load(self, table: str, rows: Sequence[tuple]) -> None:
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


def _datetime_positions(row_type) -> list[int]:
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
