"""Report pages. ``ReportPageAccessMixin`` (the shared gate) has resolved whose reports these are
before a handler runs; handlers only call report building and pick a template."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views import View

from portal.accounts.selectors import is_support_staff, linked_crm_user_id
from portal.core.months import parse_optional_month
from portal.crm.search import LONGEST_TERM, SHORTEST_TERM, SearchTermInvalid, find_customers
from portal.reports import export, support_requests
from portal.reports.access.audit import Resource
from portal.reports.access.gate import ME, ReportGrant
from portal.reports.access.mixins import ReportPageAccessMixin
from portal.reports.errors import ContactOnlyForOwnReport, InvalidUserRef, NotYourProsthesis
from portal.reports.pdf.download import month_pdf_response
from portal.reports.presentation import daily_charts, month_page_context
from portal.reports.selectors import month_list, month_report


def _list_data(request: HttpRequest, grant: ReportGrant) -> dict:
    return month_list(
        crm_user_id=grant.crm_user_id,
        month_from=parse_optional_month(request.GET.get("from") or None),
        month_to=parse_optional_month(request.GET.get("to") or None),
    )


class MonthListPage(ReportPageAccessMixin, View):
    resource = Resource.MONTH_LIST

    def get(self, request, user_ref):
        data = _list_data(request, self.grant)
        month_from, month_to = request.GET.get("from") or "", request.GET.get("to") or ""
        newest_first = list(reversed(data["months"]))
        context = {
            "user_ref": user_ref,
            "listing": data,
            "processed_through": parse_date(data["processed_through"] or ""),
            "months": newest_first,
            "years": [
                (year, list(rows)) for year, rows in groupby(newest_first, key=lambda m: m["month"][:4])
            ],
            "totals": data["totals"],
            "filtered": bool(month_from or month_to),
            "month_from": month_from,
            "month_to": month_to,
            "viewing_other": self.grant.audited,
            "tickets": support_requests.customer_tickets(self.grant.crm_user_id)[:5],
        }
        return TemplateResponse(request, "reports/month_list.html", context)


class ReportsHome(MonthListPage):
    """/reports/: a customer's own months; staff without a customer link get the customer search
    (``?q=``: name, e-mail, phone, serial number or CRM id) and, from old links, ``?customer=<id>``."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and is_support_staff(user) and linked_crm_user_id(user) is None:
            customer = request.GET.get("customer", "").strip()
            if customer.isascii() and customer.isdigit():
                return redirect("reports:months", user_ref=customer)
            if customer:
                return self.error_page(request, InvalidUserRef(customer))
            return staff_home(request)
        return super().dispatch(request, *args, user_ref=ME, **kwargs)


class MonthListCsv(ReportPageAccessMixin, View):
    resource = Resource.CSV

    def get(self, request, user_ref):
        data = _list_data(request, self.grant)
        return export.csv_response(export.month_list_csv(data), export.list_filename(self.grant.crm_user_id))


def staff_home(request: HttpRequest) -> TemplateResponse:
    term = request.GET.get("q", "")
    context: dict[str, object] = {"term": term.strip(), "search": None, "term_invalid": False}
    status = 200
    if term.strip():
        try:
            context["search"] = find_customers(term)
        except SearchTermInvalid:
            context["term_invalid"], status = True, 400
    context.update(shortest=SHORTEST_TERM, longest=LONGEST_TERM)
    return TemplateResponse(request, "reports/staff_home.html", context, status=status)


class MonthPage(ReportPageAccessMixin, View):
    resource = Resource.MONTH

    def get(self, request, user_ref, month):
        report = month_report(crm_user_id=self.grant.crm_user_id, month=self.requested_month)
        context = {
            **month_page_context(report),
            "user_ref": user_ref,
            "viewing_other": self.grant.audited,
            "can_contact_support": not self.grant.audited,
        }
        context["daily"] = daily_charts(report, context)
        return TemplateResponse(request, "reports/month_detail.html", context)


class MonthCsv(ReportPageAccessMixin, View):
    resource = Resource.CSV

    def get(self, request, user_ref, month):
        report = month_report(crm_user_id=self.grant.crm_user_id, month=self.requested_month)
        filename = export.month_filename(self.grant.crm_user_id, report["month"])
        return export.csv_response(export.month_csv(report), filename)


class MonthPdfPage(ReportPageAccessMixin, View):
    resource = Resource.PDF

    def get(self, request, user_ref, month):
        return month_pdf_response(
            crm_user_id=self.grant.crm_user_id,
            month=self.requested_month,
            language=translation.get_language(),
            zone=timezone.get_current_timezone_name(),
        )


class ContactSupport(ReportPageAccessMixin, View):
    """POST from a month's report: a support ticket about one of the customer's prostheses in that
    month (CSRF-checked by the middleware; the gate has checked whose report it is)."""

    resource = Resource.TICKET
    http_method_names = ["post"]

    def post(self, request, user_ref, month):
        if self.grant.audited:
            raise ContactOnlyForOwnReport()
        report = month_report(crm_user_id=self.grant.crm_user_id, month=self.requested_month)
        wanted = request.POST.get("prosthetic_id", "")
        prosthetic = next((p for p in report["prosthetics"] if str(p["prosthetic_id"]) == wanted), None)
        if prosthetic is None:
            raise NotYourProsthesis()
        ticket, created = support_requests.open_ticket(
            report=report, prosthetic=prosthetic, month=self.requested_month
        )
        text = (
            _("Support request #%(id)s is open; support will contact you.")
            if created
            else _("Support request #%(id)s about this is already open; support will contact you.")
        )
        messages.success(request, text % {"id": ticket.pk})
        return redirect("reports:month", user_ref=user_ref, month=report["month"])


class TicketsPage(ReportPageAccessMixin, View):
    resource = Resource.TICKET

    def get(self, request, user_ref):
        context = {
            "user_ref": user_ref,
            "tickets": support_requests.customer_tickets(self.grant.crm_user_id),
            "viewing_other": self.grant.audited,
        }
        return TemplateResponse(request, "reports/tickets.html", context)
