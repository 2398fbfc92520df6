"""A customer, a support engineer and a newcomer in a real Chromium, against a real OpenID provider
and the real portal server."""

from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from portal.accounts.models import Account
from portal.accounts.tokens import ACCESS_TOKEN, EXPIRES_AT, ID_TOKEN, REFRESH_TOKEN
from tests.support.e2e import portal_session, sign_in_at_provider, sign_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_customer_signs_in_reads_own_reports_and_signs_out_everywhere(page, e2e_stack, world):
    portal = e2e_stack.portal.url
    blocked_by_csp = []
    page.on(
        "console",
        lambda message: (
            blocked_by_csp.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{portal}/reports/")
    sign_in_at_provider(page, e2e_stack, "alice")

    # Own months.
    expect(page.locator("body")).to_contain_text("March 2025")
    expect(page.locator("body")).to_contain_text("January 2025")

    # Own PDF, downloaded through the page's button.
    with page.expect_download() as download:
        page.locator("a:has-text('Download PDF')").first.click()
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"

    # Somebody else's report: the page and the API both answer 404.
    other = world.crm_bob.pk
    assert page.goto(f"{portal}/reports/{other}/").status == 404
    assert page.goto(f"{portal}/reports/{other}/2025-03/").status == 404
    assert page.request.get(f"{portal}/api/reports/{other}/").status == 404
    assert page.request.get(f"{portal}/api/reports/{other}/2025-03/pdf").status == 404
    assert page.request.get(f"{portal}/api/reports/{world.crm_alice.pk}/").status == 200

    # The browser holds a session cookie and no token.
    session = portal_session(page, e2e_stack)
    cookies = page.context.cookies(portal)
    session_cookie = next(c for c in cookies if c["name"] == "sessionid")
    assert session_cookie["httpOnly"] and session_cookie["sameSite"] == "Lax"
    for token in (session[ACCESS_TOKEN], session[REFRESH_TOKEN], session[ID_TOKEN]):
        assert all(token not in c["value"] for c in cookies)

    page.goto(f"{portal}/reports/")
    sign_out(page, e2e_stack)
    expect(page.locator("h1")).to_contain_text("signed out")

    # Signed out at the portal and at the provider: signing in asks for the login again.
    assert page.request.get(f"{portal}/api/reports/me/").status == 401
    page.goto(f"{portal}/reports/")
    expect(page.locator("input[name=login]")).to_be_visible()
    # The portal's pages work under its Content-Security-Policy (the provider's pages send none).
    assert blocked_by_csp == []


def test_expiring_access_token_is_renewed_and_a_revoked_session_ends(page, e2e_stack, world):
    portal = e2e_stack.portal.url
    page.goto(f"{portal}/reports/")
    sign_in_at_provider(page, e2e_stack, "alice")
    session = portal_session(page, e2e_stack)
    first_key, first_access_token = session.session_key, session[ACCESS_TOKEN]

    session[EXPIRES_AT] = 0
    session.save()
    page.reload()

    expect(page.locator("body")).to_contain_text("March 2025")
    renewed = portal_session(page, e2e_stack)
    assert renewed.session_key != first_key
    assert renewed[ACCESS_TOKEN] != first_access_token

    # The provider revokes the refresh token: the next renewal fails and the portal session ends.
    revoked = requests.post(
        f"{e2e_stack.provider.url}/token/revocation",
        data={
            "token": renewed[REFRESH_TOKEN],
            "client_id": e2e_stack.client.client_id,
            "client_secret": e2e_stack.client.client_secret,
        },
        timeout=10,
    )
    assert revoked.status_code == 200
    renewed[EXPIRES_AT] = 0
    renewed.save()

    assert page.request.get(f"{portal}/api/reports/me/").status == 401


def test_support_role_removed_at_the_provider_is_gone_after_the_next_sign_in(page, e2e_stack, world):
    portal = e2e_stack.portal.url
    page.goto(f"{portal}/admin/")
    sign_in_at_provider(page, e2e_stack, "sam")
    expect(page).to_have_url(f"{portal}/admin/")
    assert page.request.get(f"{portal}/api/reports/{world.crm_bob.pk}/").status == 200
    page.click("#logout-form button[type=submit]")  # the admin's own "Log out"
    page.wait_for_url(lambda url: url.startswith(f"{e2e_stack.provider.url}/session/end"))
    page.click("button[name=logout][value=yes]")
    page.wait_for_url(f"{portal}/accounts/signed-out/")

    e2e_stack.set_accounts({"sam": {"roles": ["prothetic_user"]}})
    page.goto(f"{portal}/admin/")
    sign_in_at_provider(page, e2e_stack, "sam")

    assert not Account.objects.get(oidc_subject="sam").user.is_staff
    assert page.request.get(f"{portal}/api/reports/{world.crm_bob.pk}/").status == 404
    # Signed in, no longer staff: the admin answers its "staff only" page (403), not the console.
    assert page.goto(f"{portal}/admin/").status == 403
    expect(page.locator('main a[href="/reports/"]')).to_be_visible()  # the way to their own reports


def test_person_without_a_crm_link_sees_a_clear_page(page, e2e_stack, world):
    page.goto(f"{e2e_stack.portal.url}/reports/")
    sign_in_at_provider(page, e2e_stack, "newcomer")

    expect(page).to_have_url(f"{e2e_stack.portal.url}/accounts/no-link/")
    expect(page.locator("h1")).to_contain_text("No customer account is linked")
