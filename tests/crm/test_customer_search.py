"""Support staff find a customer from the staff page (/reports/) by part of a name or e-mail (any
case, Cyrillic too), a phone number however it is written, a prosthesis serial number or the CRM
id, on the seeded demo data; the query is bounded and every value is a bound parameter."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from portal.crm.models import Prosthetic, User
from portal.crm.search import MOST_RESULTS, find_customers
from portal.demo.config import DEMO_PASSWORD, SUPPORT_LOGIN

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def staff(client, seeded_demo):
    assert client.login(username=SUPPORT_LOGIN, password=DEMO_PASSWORD)
    return client


def found_ids(client, term: str) -> list[int]:
    response = client.get("/reports/", {"q": term})
    assert response.status_code == 200, response.content.decode()[:300]
    return [customer.id for customer in response.context["search"].customers]


def test_found_by_part_of_the_name_in_any_case(staff):
    customer = User.objects.order_by("id").first()
    surname = customer.full_name.split()[-1]
    for term in (surname, surname.lower(), surname.upper()):
        assert customer.pk in found_ids(staff, term), term
    assert all(
        surname.lower() in User.objects.get(pk=pk).full_name.lower() for pk in found_ids(staff, surname)
    )


def test_found_by_part_of_the_email(staff):
    customer = User.objects.order_by("-id").first()
    local_part = customer.email.split("@")[0]
    assert found_ids(staff, local_part.upper()) == [customer.pk]


def test_found_by_phone_written_any_way(staff):
    customer = User.objects.order_by("id")[2]
    digits = "".join(ch for ch in customer.phone if ch.isdigit())
    for term in (customer.phone, digits, f"{digits[-7:-4]}-{digits[-4:-2]}-{digits[-2:]}"):
        assert customer.pk in found_ids(staff, term), term


def test_found_by_prosthesis_serial_number(staff):
    prosthesis = Prosthetic.objects.order_by("-id").first()
    assert found_ids(staff, prosthesis.serial_number.lower()) == [prosthesis.user_id]
    page = staff.get("/reports/", {"q": prosthesis.serial_number}).content.decode()
    assert prosthesis.serial_number in page
    assert f'href="/reports/{prosthesis.user_id}/"' in page


def test_found_by_crm_id(staff):
    assert User.objects.get(pk=4).pk in found_ids(staff, "4")


def test_a_search_that_matches_nobody_says_so(staff):
    response = staff.get("/reports/", {"q": "нет-такого-клиента"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["search"].customers == []
    assert "No customer matches" in response.content.decode()


@pytest.mark.parametrize("term", ["a", "x" * 101])
def test_a_term_too_short_or_too_long_is_a_400_page(staff, term):
    assert staff.get("/reports/", {"q": term}).status_code == 400


def test_the_search_is_one_bounded_query_with_bound_parameters(seeded_demo):
    term = "'; DROP TABLE users; --"
    with CaptureQueriesContext(connections["crm"]) as captured:
        assert find_customers(term).customers == []
    (search, *_prostheses) = captured.captured_queries
    assert f"LIMIT {MOST_RESULTS + 1}" in search["sql"]
    assert User.objects.exists()


def test_customers_cannot_search(client, seeded_demo):
    customer = User.objects.order_by("id").first()
    assert client.login(username=customer.email, password=DEMO_PASSWORD)
    response = client.get("/reports/", {"q": "Павел"})
    assert response.status_code == 200
    assert "search" not in response.context
