"""The database column of a model field, for the few hand-written SQL queries on hot paths."""

from django.db.models import Field, Model


def column_name(model: type[Model], field_name: str) -> str:
    """The column of a concrete field; a relation's reverse side or a column-less field has none."""
    field = model._meta.get_field(field_name)
    if not isinstance(field, Field) or field.column is None:
        raise LookupError(f"{model.__name__}.{field_name} has no database column")
    return field.column
