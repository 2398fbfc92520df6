"""``Authorization: Bearer <access token>`` on the REST API, checked at the provider's userinfo
endpoint by mozilla-django-oidc and mapped by the portal's backend exactly like a browser sign-in."""

import logging

import requests
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from mozilla_django_oidc.contrib.drf import OIDCAuthentication, get_oidc_backend
from rest_framework import exceptions, status

from portal.accounts.provider import oidc_configured

logger = logging.getLogger(__name__)


class ProviderUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The identity provider cannot check the token right now.")
    default_code = "provider_unavailable"


class BearerTokenAuthentication(OIDCAuthentication):
    """Always listed in DRF's settings, and inert while OIDC is not configured (DRF fixes its
    authentication classes when it is imported, so switching the list itself would not work)."""

    def __init__(self, backend=None):
        self._backend = backend

    @property
    def backend(self):
        if self._backend is None:
            self._backend = get_oidc_backend()
        return self._backend

    def authenticate_header(self, request):
        return super().authenticate_header(request) if oidc_configured() else None

    def authenticate(self, request):
        if not oidc_configured():
            return None
        try:
            return super().authenticate(request)
        except requests.HTTPError as exc:
            answer = getattr(exc.response, "status_code", None)
            if answer in (400, 401, 403):
                raise exceptions.AuthenticationFailed(_("The access token was refused.")) from exc
            logger.warning("Bearer token check failed at the provider: HTTP %s", answer)
            raise ProviderUnavailable() from exc
        except requests.RequestException as exc:
            logger.warning("Bearer token check failed at the provider: %s", type(exc).__name__)
            raise ProviderUnavailable() from exc


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Publishes the bearer scheme in the OpenAPI schema."""

    target_class = BearerTokenAuthentication
    name = "oidcBearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from the OpenID provider, checked at its userinfo endpoint.",
        }
