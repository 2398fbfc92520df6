"""The local password form (the demo sign-in) limits failed attempts per account and per client
address, in Django's cache; the client address comes from X-Forwarded-For only when the request
comes from the configured proxy."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client, override_settings

from portal.accounts import throttle
from tests.support.factories import PortalUserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "bionicpro-demo"
LOGIN = "/accounts/login/"
PROXY = "10.20.0.5"
LIMITS = override_settings(
    PORTAL_LOGIN_FAILURES_PER_ACCOUNT=3,
    PORTAL_LOGIN_FAILURES_PER_ADDRESS=6,
    PORTAL_LOGIN_LOCKOUT_SECONDS=600,
    PORTAL_TRUSTED_PROXIES=[f"{PROXY}/32"],
)


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    with LIMITS:
        yield


def user_with_password(username: str):
    user = PortalUserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(username: str, password: str, address: str = "192.0.2.10", **headers) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": username, "password": password}, headers=headers)
    return client, response


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_after_the_allowed_failures_even_the_right_password_gets_429_with_a_message():
    user_with_password("alice@example.com")
    for _ in range(3):
        assert sign_in("alice@example.com", "wrong")[1].status_code == 200

    client, response = sign_in("alice@example.com", PASSWORD, **{"Accept-Language": "en"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not signed_in(client)


def test_the_message_is_in_russian_by_default():
    user_with_password("alice@example.com")
    for _ in range(3):
        sign_in("alice@example.com", "wrong")

    response = sign_in("alice@example.com", PASSWORD)[1]

    assert "Слишком много неудачных попыток входа" in response.content.decode()


def test_an_account_locked_from_one_address_is_locked_from_every_address():
    user_with_password("alice@example.com")
    for number in range(3):
        sign_in("alice@example.com", "wrong", address=f"198.51.100.{number}")

    assert sign_in("alice@example.com", PASSWORD, address="198.51.100.99")[1].status_code == 429


def test_one_address_guessing_at_many_accounts_is_stopped():
    user_with_password("bob@example.com")
    for number in range(6):
        sign_in(f"guess-{number}@example.com", "wrong", address="203.0.113.7")

    assert sign_in("bob@example.com", PASSWORD, address="203.0.113.7")[1].status_code == 429
    client, response = sign_in("bob@example.com", PASSWORD, address="203.0.113.8")
    assert response.status_code == 302
    assert signed_in(client)


def test_other_accounts_and_a_correct_sign_in_before_the_limit_are_unaffected():
    user_with_password("alice@example.com")
    user_with_password("carol@example.com")
    for _ in range(2):
        sign_in("alice@example.com", "wrong")
    assert sign_in("alice@example.com", PASSWORD)[1].status_code == 302  # clears alice's count
    for _ in range(2):
        sign_in("alice@example.com", "wrong")

    assert sign_in("alice@example.com", PASSWORD)[1].status_code == 302
    assert sign_in("carol@example.com", PASSWORD)[1].status_code == 302


def test_the_lockout_ends_after_its_window(monkeypatch):
    # The limiter's clock, moved by the test: real seconds would make this slow and, on a busy
    # machine, flaky. Windows are counted from the epoch: this one starts at 6000 s.
    clock = [6000.0]
    monkeypatch.setattr(throttle, "now", lambda: clock[0])
    user_with_password("alice@example.com")
    for _ in range(3):
        sign_in("alice@example.com", "wrong")
    clock[0] = 6599.0
    locked = sign_in("alice@example.com", PASSWORD)[1]
    assert (locked.status_code, locked["Retry-After"]) == (429, "1")
    clock[0] = 6600.0

    assert sign_in("alice@example.com", PASSWORD)[1].status_code == 302


def test_a_client_cannot_escape_the_address_limit_with_its_own_x_forwarded_for():
    user_with_password("bob@example.com")
    for number in range(6):
        sign_in(
            f"guess-{number}@example.com",
            "wrong",
            address="203.0.113.7",
            **{"X-Forwarded-For": f"10.9.9.{number}"},
        )

    response = sign_in(
        "bob@example.com", PASSWORD, address="203.0.113.7", **{"X-Forwarded-For": "10.9.9.200"}
    )[1]
    assert response.status_code == 429


def test_behind_the_trusted_proxy_each_client_address_is_counted_on_its_own():
    user_with_password("bob@example.com")
    for number in range(6):
        sign_in(f"guess-{number}@example.com", "wrong", address=PROXY, **{"X-Forwarded-For": "203.0.113.7"})

    locked = sign_in("bob@example.com", PASSWORD, address=PROXY, **{"X-Forwarded-For": "203.0.113.7"})[1]
    # A client's own X-Forwarded-For entry, left of what the proxy appended, proves nothing.
    spoofed = sign_in(
        "bob@example.com", PASSWORD, address=PROXY, **{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    )[1]
    other_client = sign_in("bob@example.com", PASSWORD, address=PROXY, **{"X-Forwarded-For": "203.0.113.8"})[
        1
    ]

    assert (locked.status_code, spoofed.status_code, other_client.status_code) == (429, 429, 302)
