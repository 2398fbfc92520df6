"""The demo has an administrator login next to the support one (issue 12, bug 10): both are
printed by ``demo_logins`` (which ``make demo`` runs), both sign in through the portal's own form,
and only the administrator reaches the ETL's "Run now" buttons."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from portal.demo.config import ADMIN_LOGIN, DEMO_PASSWORD, SUPPORT_LOGIN

pytestmark = pytest.mark.django_db(databases="__all__")

ETL_RUNS = reverse("admin:etl_etlrun_changelist")


@pytest.fixture
def demo_logins_output() -> str:
    call_command("seed_demo", "--years", "0.05", "--until", "2025-06-30", stdout=StringIO())
    out = StringIO()
    call_command("demo_logins", stdout=out)
    return out.getvalue()


def sign_in(client, login: str) -> None:
    response = client.post(reverse("login"), {"username": login, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def test_demo_logins_prints_an_administrator_next_to_support(demo_logins_output):
    assert SUPPORT_LOGIN in demo_logins_output
    assert ADMIN_LOGIN in demo_logins_output
    administrator = get_user_model().objects.get(username=ADMIN_LOGIN)
    assert administrator.is_staff and administrator.is_superuser
    assert administrator.groups.filter(name="administrator").exists()


def test_the_demo_administrator_signs_in_and_reaches_the_run_now_buttons(client, demo_logins_output):
    sign_in(client, ADMIN_LOGIN)
    response = client.get(ETL_RUNS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["may_queue_etl"] is True
    assert reverse("admin:etl_etlrun_run_now") in response.content.decode()


def test_the_demo_support_login_sees_runs_but_no_run_now_button(client, demo_logins_output):
    sign_in(client, SUPPORT_LOGIN)
    response = client.get(ETL_RUNS)
    assert response.status_code == 200
    assert reverse("admin:etl_etlrun_run_now") not in response.content.decode()


def test_running_demo_logins_again_keeps_one_administrator(demo_logins_output):
    call_command("demo_logins", stdout=StringIO())
    assert get_user_model().objects.filter(username=ADMIN_LOGIN).count() == 1
