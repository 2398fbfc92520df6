"""DRF's ``EXCEPTION_HANDLER``: every API error, the portal's domain errors and DRF's own, answers
``{"detail": <message>, "code": <stable code>, ...extra}``.

- A ``DomainError`` answers its status, ``body()`` and ``headers()`` (e.g. ``Retry-After``).
- DRF's errors (401, 403, 404, 405, 406, 415, 429, parse errors, the bearer-token 503) keep DRF's
  status, message and headers (``WWW-Authenticate``, ``Retry-After``) and gain their ``code``.
  A validation error, whose detail is per field, answers ``detail``/``code`` for the whole input
  and lists the field errors under ``errors``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from portal.core.exceptions import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(exc.body(), status=exc.status, headers=exc.headers())
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = _body(exc)
    return response


def _as_api_exception(exc: Exception) -> Exception:
    """Django's own 404 and 403, as DRF turns them into its exceptions (so they carry a code)."""
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    return exc


def _body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc.detail, list | dict):
        return {"detail": exc.default_detail, "code": exc.default_code, "errors": exc.detail}
    return {"detail": exc.detail, "code": exc.detail.code}
