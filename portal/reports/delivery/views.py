"""The customer's side of delivery: the settings page, the one-click unsubscribe, the PDF link.

- Settings: signed-in customers only, and only their own (the id comes from their account link,
  never from the request).
- Unsubscribe: no sign-in; the signed token names the customer. GET shows a confirmation button
  (mail scanners follow links and must not unsubscribe anyone); POST unsubscribes, which is also
  what a mail client's one-click button sends (RFC 8058, no CSRF token possible).
- PDF link: the token only names the report; the reader signs in and passes the access gate, so
  another customer gets "not found" and staff reads are audited.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request

from portal.accounts.selectors import linked_crm_user_id
from portal.core.months import format_month
from portal.reports.access.audit import Resource
from portal.reports.access.mixins import ReportPageAccessMixin
from portal.reports.delivery import tokens
from portal.reports.delivery.preferences import preference_for, save_preference, unsubscribe
from portal.reports.errors import ReportNotFound
from portal.reports.pdf.download import month_pdf_response


class DeliverySettingsForm(forms.Form):
    enabled = forms.BooleanField(label=gettext_lazy("Send me my monthly report by e-mail"), required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language of the e-mail"), choices=settings.LANGUAGES)


class DeliverySettingsPage(View):
    template_name = "reports/delivery/settings.html"

    crm_user_id: int

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        crm_user_id = linked_crm_user_id(request.user)
        if crm_user_id is None:
            context = {"message": _("E-mail settings belong to customer accounts."), "status": 404}
            return TemplateResponse(request, "reports/error.html", context, status=404)
        self.crm_user_id = crm_user_id
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponseBase:
        preference = preference_for(self.crm_user_id)
        form = DeliverySettingsForm(initial={"enabled": preference.enabled, "language": preference.language})
        return TemplateResponse(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponseBase:
        form = DeliverySettingsForm(request.POST)
        if not form.is_valid():
            return TemplateResponse(request, self.template_name, {"form": form}, status=400)
        save_preference(crm_user_id=self.crm_user_id, **form.cleaned_data)
        messages.success(request, _("Your e-mail settings are saved."))
        return redirect("delivery:settings")


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribePage(View):
    template_name = "reports/delivery/unsubscribe.html"

    def dispatch(self, request: HttpRequest, *args: Any, token: str = "", **kwargs: Any) -> HttpResponseBase:
        try:
            self.crm_user_id = tokens.customer_from_unsubscribe_token(token)
        except tokens.InvalidToken:
            context = {"message": _("This unsubscribe link is not valid."), "status": 400}
            return TemplateResponse(request, "reports/error.html", context, status=400)
        return super().dispatch(request)

    def get(self, request: HttpRequest) -> HttpResponseBase:
        enabled = preference_for(self.crm_user_id).enabled
        return TemplateResponse(request, self.template_name, {"done": not enabled})

    def post(self, request: HttpRequest) -> HttpResponseBase:
        unsubscribe(crm_user_id=self.crm_user_id)
        return TemplateResponse(request, self.template_name, {"done": True})


class EmailedPdfLink(ReportPageAccessMixin, View):
    """``/mail/pdf/<token>``: the PDF the e-mail could not attach, behind sign-in and the gate."""

    resource = Resource.PDF

    def resolve_access(self, request: HttpRequest | Request, kwargs: dict[str, Any]) -> None:
        try:
            crm_user_id, month = tokens.report_from_pdf_link_token(kwargs["token"])
        except tokens.InvalidToken as exc:
            raise ReportNotFound() from exc
        super().resolve_access(request, {"user_ref": str(crm_user_id), "month": format_month(month)})

    def get(self, request: HttpRequest, token: str) -> HttpResponseBase:
        return month_pdf_response(
            crm_user_id=self.grant.crm_user_id,
            month=self.requested_month,
            language=translation.get_language(),
        )
