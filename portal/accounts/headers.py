"""Content-Security-Policy header (Django 5.2 has none built in).

Same-origin scripts only. ``form-action`` also allows the provider's origin: the sign-out form's
redirect to the provider's end-session endpoint is a form navigation that browsers check.
"""

from urllib.parse import urlsplit

from django.conf import settings

from portal.accounts.provider import ProviderUnavailable, oidc_configured, oidc_setting


def provider_origin() -> str:
    """The origin of the provider's browser-facing endpoints (from discovery when configured so:
    in docker-compose the discovery URL is an internal host name, the endpoints are public)."""
    if not oidc_configured():
        return ""
    try:
        endpoint = oidc_setting("OIDC_OP_LOGOUT_ENDPOINT", "") or oidc_setting(
            "OIDC_OP_AUTHORIZATION_ENDPOINT"
        )
    except ProviderUnavailable:
        return ""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy() -> str:
    policy = settings.CONTENT_SECURITY_POLICY
    origin = provider_origin()
    return policy.replace("form-action 'self'", f"form-action 'self' {origin}") if origin else policy


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", content_security_policy())
        return response
