"""The global DRF exception handler on errors the report endpoints cannot produce today (they
only read), run through DRF's real request handling in a small view: 404, 415, 429, parse and
validation errors, Django's own 404/403, and a domain error's headers."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import override_settings
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from portal.core.exceptions import DomainError

factory = APIRequestFactory()


class _Range(serializers.Serializer):
    first = serializers.IntegerField()


class _Teapot(DomainError):
    status = 418
    code = "teapot"

    def message(self) -> str:
        return "I am a teapot."

    def extra(self) -> dict:
        return {"brew": "tea"}

    def headers(self) -> dict:
        return {"Retry-After": "7"}


class RaisingView(APIView):
    authentication_classes = ()
    permission_classes = ()
    error: Exception | None = None

    def get(self, request):
        raise self.error

    def post(self, request):
        _Range(data=request.data).is_valid(raise_exception=True)
        return Response({})


def answer(request, error=None):
    response = RaisingView.as_view(error=error)(request)
    response.render()
    return response, json.loads(response.content)


@pytest.mark.parametrize(
    "error, status, code",
    [
        (Http404(), 404, "not_found"),
        (exceptions.NotFound(), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
        (exceptions.Throttled(wait=12), 429, "throttled"),
        (exceptions.AuthenticationFailed(), 403, "authentication_failed"),
    ],
)
def test_drf_and_django_errors_answer_detail_and_code(error, status, code):
    response, body = answer(factory.get("/"), error)
    assert response.status_code == status
    assert set(body) == {"detail", "code"}
    assert body["code"] == code


def test_a_throttled_call_keeps_retry_after():
    response, _ = answer(factory.get("/"), exceptions.Throttled(wait=12))
    assert response["Retry-After"] == "12"


def test_an_unsupported_media_type_answers_415_with_a_code():
    response, body = answer(factory.post("/", "<a/>", content_type="application/xml"))
    assert response.status_code == 415
    assert body["code"] == "unsupported_media_type"


def test_a_malformed_json_body_answers_400_parse_error():
    response, body = answer(factory.post("/", "{not json", content_type="application/json"))
    assert response.status_code == 400
    assert set(body) == {"detail", "code"}
    assert body["code"] == "parse_error"


def test_field_errors_answer_invalid_with_the_errors_per_field():
    response, body = answer(factory.post("/", {"first": "x"}, format="json"))
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert body["detail"]
    assert list(body["errors"]) == ["first"]


def test_a_domain_error_answers_its_status_body_and_headers():
    response, body = answer(factory.get("/"), _Teapot())
    assert response.status_code == 418
    assert body == {"detail": "I am a teapot.", "code": "teapot", "brew": "tea"}
    assert response["Retry-After"] == "7"


@override_settings(DEBUG=False)
def test_an_unexpected_error_is_not_turned_into_an_answer():
    with pytest.raises(ZeroDivisionError):
        answer(factory.get("/"), ZeroDivisionError())
