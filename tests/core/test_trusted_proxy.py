"""X-Forwarded-* headers count only from PORTAL_TRUSTED_PROXIES: a client elsewhere cannot claim
https (SECURE_PROXY_SSL_HEADER) or another address by sending them itself."""

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from portal.core.proxy import TrustedProxyMiddleware

PROXY = "172.28.10.10"
BEHIND_NGINX = override_settings(
    PORTAL_TRUSTED_PROXIES=[f"{PROXY}/32"], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)


def through_middleware(peer: str, **headers: str) -> HttpRequest:
    seen: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse()

    TrustedProxyMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=peer, headers=headers))
    return seen[0]


@BEHIND_NGINX
def test_the_trusted_proxy_sets_the_scheme_and_the_client_address():
    request = through_middleware(PROXY, **{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})

    assert request.is_secure()
    assert request.META["REMOTE_ADDR"] == "203.0.113.9"


@BEHIND_NGINX
def test_any_other_client_cannot_claim_https_or_another_address():
    request = through_middleware(
        "198.51.100.4",
        **{
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Host": "evil.example",
        },
    )

    assert not request.is_secure()
    assert request.META["REMOTE_ADDR"] == "198.51.100.4"
    assert not any(key.startswith("HTTP_X_FORWARDED_") for key in request.META)


@BEHIND_NGINX
def test_entries_a_client_wrote_left_of_the_proxys_own_are_ignored():
    request = through_middleware(PROXY, **{"X-Forwarded-For": "10.0.0.1, 203.0.113.9"})

    assert request.META["REMOTE_ADDR"] == "203.0.113.9"


@override_settings(PORTAL_TRUSTED_PROXIES=[], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_with_no_trusted_proxy_configured_nobody_is_believed():
    request = through_middleware("127.0.0.1", **{"X-Forwarded-Proto": "https"})

    assert not request.is_secure()
