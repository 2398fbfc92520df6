"""List filters whose choices are a fixed vocabulary: no DISTINCT over the table to build them, and
the values shown translated."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib import admin
from django.utils.functional import Promise


def labelled_values_filter(
    field: str, title: Promise, labels: Mapping[str, Promise]
) -> type[admin.SimpleListFilter]:
    """A filter on ``field`` offering the known values of a free-text column under their names."""

    class LabelledValuesFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            return list(labels.items())

        def queryset(self, request, queryset):
            value = self.value()
            return queryset if value is None else queryset.filter(**{field: value})

    LabelledValuesFilter.title = title  # type: ignore[assignment]  # the stubs want str; Django takes a lazy string
    return LabelledValuesFilter
