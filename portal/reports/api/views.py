"""REST endpoints. The access gate (``ReportAPIAccessMixin``) has resolved whose reports these
are before a handler runs; handlers only call report building and shape the response."""

from __future__ import annotations

from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.core.api.schema import error_response
from portal.core.months import parse_optional_month
from portal.reports.access.audit import Resource
from portal.reports.access.mixins import ReportAPIAccessMixin
from portal.reports.contract import MonthListSerializer, MonthReportSerializer
from portal.reports.pdf.download import month_pdf_response
from portal.reports.selectors import month_list, month_report

USER_REF = OpenApiParameter(
    "user_ref", OpenApiTypes.STR, OpenApiParameter.PATH, description="CRM customer id, or `me` (the caller)."
)
MONTH = OpenApiParameter("month", OpenApiTypes.STR, OpenApiParameter.PATH, description="`YYYY-MM`.")
ERRORS = {
    400: error_response(
        "Malformed id, month or range (`invalid_user_id`, `invalid_month`, `month_out_of_range`, "
        "`invalid_month_range`)."
    ),
    401: error_response("Not signed in, or the token was refused; see WWW-Authenticate."),
    404: error_response(
        "No such report (`not_found`): the same answer for an unknown id and for another customer's id; "
        "`account_not_linked`; `no_report_for_month` adds `first_month` (YYYY-MM or null)."
    ),
    503: error_response(
        "Reports are being updated (`reports_busy`, see Retry-After), or the identity provider cannot "
        "check a bearer token (`provider_unavailable`)."
    ),
}
MONTH_ERRORS = {
    **ERRORS,
    409: error_response(
        "The month is not processed yet (`month_not_processed`); adds `processed_through` (the last day "
        "included, or null) and `data_as_of` (or null)."
    ),
}


class MonthListView(ReportAPIAccessMixin, APIView):
    resource = Resource.MONTH_LIST

    @extend_schema(
        operation_id="reports_months",
        parameters=[
            USER_REF,
            OpenApiParameter("from", OpenApiTypes.STR, description="First month, `YYYY-MM`."),
            OpenApiParameter("to", OpenApiTypes.STR, description="Last month, `YYYY-MM`."),
        ],
        responses={200: MonthListSerializer, **ERRORS},
    )
    def get(self, request, user_ref):
        data = month_list(
            crm_user_id=self.grant.crm_user_id,
            month_from=parse_optional_month(request.query_params.get("from")),
            month_to=parse_optional_month(request.query_params.get("to")),
        )
        return Response(data)


class MonthReportView(ReportAPIAccessMixin, APIView):
    resource = Resource.MONTH

    @extend_schema(
        operation_id="reports_month",
        parameters=[USER_REF, MONTH],
        responses={200: MonthReportSerializer, **MONTH_ERRORS},
    )
    def get(self, request, user_ref, month):
        return Response(month_report(crm_user_id=self.grant.crm_user_id, month=self.requested_month))


class MonthPdfView(ReportAPIAccessMixin, APIView):
    resource = Resource.PDF

    def perform_content_negotiation(self, request, force=False):
        # The PDF itself bypasses renderers; errors are always JSON, whatever the Accept header.
        return (JSONRenderer(), JSONRenderer.media_type)

    @extend_schema(
        operation_id="reports_month_pdf",
        parameters=[USER_REF, MONTH],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            **MONTH_ERRORS,
        },
    )
    def get(self, request, user_ref, month):
        return month_pdf_response(
            crm_user_id=self.grant.crm_user_id,
            month=self.requested_month,
            language=translation.get_language(),
        )
