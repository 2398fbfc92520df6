"""Paging over telemetry tables with millions of rows without counting them on every page."""

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet

# A filtered list is counted up to this many rows; pages past it are not offered.
COUNT_CAP = 10_000


def estimated_row_count(model: type[Model], alias: str) -> int:
    """The table's size without scanning it: PostgreSQL's planner estimate (pg_class.reltuples,
    kept by ANALYZE/autovacuum), else the highest id (ids are dense in these append-only tables)."""
    connection = connections[alias]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table])
            row = cursor.fetchone()
            if row and row[0] is not None and row[0] >= 0:
                return int(row[0])
        highest = model._default_manager.using(alias).order_by("-pk").values_list("pk", flat=True).first()
    return highest or 0


class EstimatedCountPaginator(Paginator):
    """An unfiltered list takes the estimate above instead of COUNT(*) over the whole table; a
    filtered one counts at most COUNT_CAP rows (COUNT over a LIMITed subquery)."""

    object_list: QuerySet[Any]  # the admin's change lists page querysets, never plain lists

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.has_filters():
            return estimated_row_count(queryset.model, queryset.db)
        return queryset[:COUNT_CAP].count()
