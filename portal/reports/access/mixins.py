"""The gate plugged into the two ways in: DRF API views and HTML page views.

Both resolve the grant (and parse the month) before the handler runs, so a handler only ever
sees ``self.grant.crm_user_id`` and ``self.report_month``; both write the audit row after a
successful staff read. On the API a domain error is answered by the global exception handler
(``portal.core.api.exception_handler``); on the pages by a friendly page with the same message,
status and headers. Every answer, data or error, is marked ``Cache-Control: private, no-store``:
it belongs to one signed-in person, and neither a shared cache nor the browser's disk may keep it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.views import View
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.core.exceptions import DomainError
from portal.core.months import parse_month
from portal.reports.access.audit import Channel, record_read
from portal.reports.access.gate import resolve_report_owner

_Response = TypeVar("_Response", bound=HttpResponseBase)


class _ReportAccess:
    resource: str  # an ``audit.Resource`` value
    channel: str

    def resolve_access(self, request: HttpRequest | Request, kwargs: dict[str, Any]) -> None:
        self.grant = resolve_report_owner(request.user, kwargs["user_ref"])
        self.report_month = parse_month(kwargs["month"]) if "month" in kwargs else None

    @property
    def requested_month(self) -> dt.date:
        """The month in a month view's URL, parsed by ``resolve_access`` before the handler runs."""
        assert self.report_month is not None
        return self.report_month

    def record_if_read(self, request: HttpRequest | Request, response: HttpResponseBase) -> None:
        grant = getattr(self, "grant", None)
        # A grant is only ever resolved for a signed-in user; the check tells the type checker so.
        if grant is not None and response.status_code < 400 and request.user.is_authenticated:
            record_read(
                grant=grant,
                reader=request.user,
                resource=self.resource,
                channel=self.channel,
                month=self.report_month,
            )


def _private_to_reader(response: _Response) -> _Response:
    patch_cache_control(response, private=True, no_store=True)
    return response


class ReportAPIAccessMixin(_ReportAccess, APIView):
    """For DRF ``APIView`` subclasses: authentication (401), then the gate, then the handler."""

    channel = Channel.API

    def get_authenticate_header(self, request: Request) -> str:
        # Session authentication names no scheme, and DRF then turns "not signed in" into 403.
        return super().get_authenticate_header(request) or 'Session realm="BionicPRO reports"'

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.resolve_access(request, kwargs)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        self.record_if_read(request, response)
        return _private_to_reader(response)


class ReportPageAccessMixin(_ReportAccess, View):
    """For Django views: sign-in redirect, then the gate, then the handler."""

    channel = Channel.PAGE
    error_template = "reports/error.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            self.resolve_access(request, kwargs)
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, TemplateResponse):
                response.render()
        except DomainError as exc:
            return _private_to_reader(self.error_page(request, exc))
        self.record_if_read(request, response)
        return _private_to_reader(response)

    def error_page(self, request: HttpRequest, exc: DomainError) -> TemplateResponse:
        context = {"error": exc, "message": exc.message(), "status": exc.status}
        return TemplateResponse(
            request, self.error_template, context, status=exc.status, headers=exc.headers()
        )
