"""A signed-in customer who opens the admin gets a clear 403 page that leads to their own reports,
never a redirect loop between the admin and the sign-in page (issue 12, bug 5)."""

import pytest
from django.urls import reverse

from tests.support.factories import AccountFactory

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def customer_client(client):
    client.force_login(AccountFactory(crm_user_id=7).user)
    return client


def test_a_customer_opening_the_admin_gets_a_403_page_not_a_redirect_loop(customer_client):
    response = customer_client.get(reverse("admin:index"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert [url for url, _ in response.redirect_chain] == [f"{reverse('admin:login')}?next=/admin/"]
    assert "staff only" in response.content.decode()


def test_the_403_page_links_to_the_customers_own_reports(customer_client):
    response = customer_client.get(
        reverse("admin:crm_user_changelist"), follow=True, HTTP_ACCEPT_LANGUAGE="ru"
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert f'href="{reverse("reports:home")}"' in page
    assert "только для сотрудников" in page


def test_an_anonymous_visitor_is_still_sent_to_sign_in(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
