"""Report pages. ``ReportPageAccessMixin`` (the shared gate) has resolved whose reports these are
before a handler runs; handlers only call report building and pick a template."""

from __future__ import annotations

from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.dateparse import parse_date
from django.views import View

from portal.accounts.selectors import is_support_staff, linked_crm_user_id
from portal.core.months import parse_optional_month
from portal.reports.access.audit import Resource
from portal.reports.access.gate import ME
from portal.reports.access.mixins import ReportPageAccessMixin
from portal.reports.errors import InvalidUserRef
from portal.reports.pdf.download import month_pdf_response
from portal.reports.presentation import month_page_context
from portal.reports.selectors import month_list, month_report


class MonthListPage(ReportPageAccessMixin, View):
    resource = Resource.MONTH_LIST

    def get(self, request, user_ref):
        month_from, month_to = request.GET.get("from") or None, request.GET.get("to") or None
        data = month_list(
            crm_user_id=self.grant.crm_user_id,
            month_from=parse_optional_month(month_from),
            month_to=parse_optional_month(month_to),
        )
        context = {
            "user_ref": user_ref,
            "listing": data,
            "processed_through": parse_date(data["processed_through"] or ""),
            "months": list(reversed(data["months"])),
            "month_from": month_from or "",
            "month_to": month_to or "",
            "viewing_other": self.grant.audited,
        }
        return TemplateResponse(request, "reports/month_list.html", context)


class ReportsHome(MonthListPage):
    """/reports/: a customer's own months; staff without a customer link get a lookup form."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and is_support_staff(user) and linked_crm_user_id(user) is None:
            customer = request.GET.get("customer", "").strip()
            if customer.isascii() and customer.isdigit():
                return redirect("reports:months", user_ref=customer)
            if customer:
                return self.error_page(request, InvalidUserRef(customer))
            return TemplateResponse(request, "reports/staff_home.html")
        return super().dispatch(request, *args, user_ref=ME, **kwargs)


class MonthPage(ReportPageAccessMixin, View):
    resource = Resource.MONTH

    def get(self, request, user_ref, month):
        report = month_report(crm_user_id=self.grant.crm_user_id, month=self.requested_month)
        context = {**month_page_context(report), "user_ref": user_ref, "viewing_other": self.grant.audited}
        return TemplateResponse(request, "reports/month_detail.html", context)


class MonthPdfPage(ReportPageAccessMixin, View):
    resource = Resource.PDF

    def get(self, request, user_ref, month):
        return month_pdf_response(
            crm_user_id=self.grant.crm_user_id,
            month=self.requested_month,
            language=translation.get_language(),
        )
