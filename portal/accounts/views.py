"""Sign-in, sign-out and the pages around them.

With OIDC configured, the ``login`` URL starts the authorization code flow (the password form is
off); without it (the embedded demo) it is Django's username/password form.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from portal.accounts import throttle
from portal.accounts.backend import INVALID_RESPONSE, OIDC_BACKEND, PROVIDER_UNAVAILABLE, SIGN_IN_ERROR
from portal.accounts.provider import ProviderUnavailable, oidc_configured, oidc_setting
from portal.accounts.selectors import is_support_staff, linked_crm_user_id
from portal.accounts.tokens import ID_TOKEN

NEXT = "next"


def safe_next_url(request: HttpRequest) -> str | None:
    """``next`` only when it stays on this portal: no open redirect after sign-in."""
    target = request.POST.get(NEXT) or request.GET.get(NEXT)
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


class PasswordLoginView(auth_views.LoginView):
    """Django's password form with a rate limit on failed attempts (``throttle``)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if throttle.is_locked_out(request, self._username()):
            return self._locked_out()
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if self._username() and form.has_error(NON_FIELD_ERRORS):  # wrong password, inactive user
            throttle.record_failure(self.request, self._username())
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        throttle.clear_account(self.request, self._username())
        return super().form_valid(form)

    def _username(self) -> str:
        return self.request.POST.get("username", "")

    def _locked_out(self) -> HttpResponse:
        seconds = throttle.seconds_left_in_window()
        minutes = math.ceil(seconds / 60)
        context = self.get_context_data(
            form=self.get_form_class()(self.request, initial={"username": self._username()}),
            locked_out=_("Too many failed sign-in attempts. Please try again in %(minutes)s min.")
            % {"minutes": minutes},
        )
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(seconds)
        return response


@never_cache
def login(request):
    if not oidc_configured():
        return PasswordLoginView.as_view()(request)
    target = reverse("oidc_authentication_init")
    next_url = safe_next_url(request)
    return HttpResponseRedirect(f"{target}?{urlencode({NEXT: next_url})}" if next_url else target)


def admin_login(request):
    """The admin signs in like everyone else, through the ``login`` URL."""
    next_url = safe_next_url(request) or reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('login')}?{urlencode({NEXT: next_url})}")


class OIDCOnlyMixin(View):
    """404 while OIDC is not configured; a clear 503 page while the provider cannot be reached."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs: Any) -> None:
        # mozilla-django-oidc reads the provider's endpoints here; that waits for dispatch, which
        # can first answer 404 (not configured) or 503 (provider unreachable).
        View.__init__(self, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        if not oidc_configured():
            raise Http404("OpenID Connect sign-in is not configured")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
            self.OIDC_RP_CLIENT_ID = oidc_setting("OIDC_RP_CLIENT_ID")
            return super().dispatch(request, *args, **kwargs)
        except ProviderUnavailable:
            return render(
                request, "accounts/sign_in_failed.html", {"reason": PROVIDER_UNAVAILABLE}, status=503
            )


class SignInStartView(OIDCOnlyMixin, OIDCAuthenticationRequestView):
    """Redirects to the provider with state, nonce and a PKCE S256 challenge kept in the session."""


class SignInCallbackView(OIDCOnlyMixin, OIDCAuthenticationCallbackView):
    """Checks state, exchanges the code with the PKCE verifier, verifies the ID token, signs in."""

    @property
    def failure_url(self):
        return reverse("sign_in_failed")

    def get(self, request):
        request.session.pop(SIGN_IN_ERROR, None)
        return super().get(request)

    def login_success(self):
        # Always log in, even when the same user re-authenticates: it rotates the session id.
        auth.login(self.request, self.user, backend=OIDC_BACKEND)
        if not is_support_staff(self.user) and linked_crm_user_id(self.user) is None:
            return HttpResponseRedirect(reverse("no_crm_link"))
        next_url = self.request.session.pop("oidc_login_next", None)
        return HttpResponseRedirect(next_url or resolve_url(self.get_settings("LOGIN_REDIRECT_URL", "/")))


@require_POST
def sign_out(request):
    """Ends the portal session and, through RP-initiated logout, the session at the provider."""
    target = _provider_logout_url(request) if oidc_configured() else None
    auth.logout(request)
    return HttpResponseRedirect(target or reverse("signed_out"))


def _provider_logout_url(request: HttpRequest) -> str | None:
    id_token = request.session.get(ID_TOKEN)
    try:
        endpoint = oidc_setting("OIDC_OP_LOGOUT_ENDPOINT", "")
    except ProviderUnavailable:
        return None
    if not (endpoint and id_token):
        return None
    params = {
        "id_token_hint": id_token,
        "client_id": oidc_setting("OIDC_RP_CLIENT_ID"),
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("signed_out")),
    }
    return f"{endpoint}?{urlencode(params)}"


def signed_out(request):
    return render(request, "accounts/signed_out.html")


def sign_in_failed(request):
    reason = request.session.pop(SIGN_IN_ERROR, INVALID_RESPONSE)
    status = 503 if reason == PROVIDER_UNAVAILABLE else 403
    return render(request, "accounts/sign_in_failed.html", {"reason": reason}, status=status)


@login_required
def no_crm_link(request):
    """A signed-in person whose account is not linked to a CRM customer: say so, show nothing else."""
    if is_support_staff(request.user) or linked_crm_user_id(request.user) is not None:
        return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "accounts/no_crm_link.html", status=403)
