"""The database column of a model field, for the few hand-written SQL queries on hot paths."""

from __future__ import annotations

from typing import Any

from django.db.models import Field, ForeignObjectRel


def column_of(field: Field[Any, Any] | ForeignObjectRel) -> str:
    """The column of a concrete field; a relation's reverse side or a column-less field has none."""
    if not isinstance(field, Field) or field.column is None:
        raise LookupError(f"{field} has no database column")
    return field.column
