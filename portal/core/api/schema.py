"""The error body in the OpenAPI schema: one component, ``Error``, that every operation's error
responses refer to."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every API error. Some codes add fields next to these two; the response that can carry
    them says which (OpenAPI objects allow extra properties)."""

    detail = serializers.CharField(help_text="What went wrong, in the reader's language.")
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid_month`.")


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)
