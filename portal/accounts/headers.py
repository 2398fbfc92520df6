"""Content-Security-Policy header (Django 5.2 has none built in).

Same-origin scripts only. ``form-action`` also allows the provider's origin: the sign-out form's
redirect to the provider's end-session endpoint is a form navigation that browsers check.
"""

from urllib.parse import urlsplit

from django.conf import settings

PROVIDER_URL_SETTINGS = ("OIDC_OP_LOGOUT_ENDPOINT", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_DISCOVERY_URL")


def provider_origin() -> str:
    """The provider's origin from configuration alone (no network), or "" when none is set."""
    for name in PROVIDER_URL_SETTINGS:
        parts = urlsplit(getattr(settings, name, "") or "")
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return ""


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
