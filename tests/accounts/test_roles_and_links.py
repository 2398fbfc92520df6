"""Roles follow the provider; the CRM link comes from an immutable claim and never moves."""

import pytest
from django.contrib.auth.models import Group

from portal.accounts.models import Account
from portal.accounts.selectors import is_support_staff, linked_crm_user_id
from tests.support.accounts import customer_claims, sign_in
from tests.support.factories import AccountFactory, PortalUserFactory

pytestmark = pytest.mark.django_db


def user_of(subject):
    return Account.objects.select_related("user").get(oidc_subject=subject).user


def role_names(user):
    return set(user.groups.values_list("name", flat=True))


def staff_claims(*roles):
    return {"realm_access": {"roles": list(roles)}}


def test_support_role_makes_staff_in_the_support_group(client, oidc):
    sign_in(client, oidc, "sam", **staff_claims("support"))

    user = user_of("sam")
    assert user.is_staff and not user.is_superuser
    assert role_names(user) == {"support"}
    assert is_support_staff(user)


def test_administrator_role_makes_a_superuser(client, oidc):
    sign_in(client, oidc, "ada", **staff_claims("administrator"))

    user = user_of("ada")
    assert user.is_staff and user.is_superuser
    assert role_names(user) == {"administrator"}


def test_role_removed_at_the_provider_is_gone_after_the_next_sign_in(client, oidc):
    sign_in(client, oidc, "sam", **staff_claims("support", "prothetic_user"))
    client.logout()

    sign_in(client, oidc, "sam", **staff_claims("prothetic_user"))

    user = user_of("sam")
    assert not user.is_staff
    assert role_names(user) == {"prothetic_user"}
    assert not is_support_staff(user)
    assert Account.objects.get(user=user).roles == ["prothetic_user"]


def test_roles_claim_path_is_configurable(client, oidc, settings):
    settings.OIDC_ROLES_CLAIM = "groups"
    sign_in(client, oidc, "sam", groups=["support"], realm_access={"roles": []})

    assert role_names(user_of("sam")) == {"support"}


def test_unknown_roles_give_nothing(client, oidc):
    sign_in(client, oidc, "eve", **staff_claims("superuser", "admin", "staff"))

    user = user_of("eve")
    assert not user.is_staff and not user.is_superuser
    assert role_names(user) == set()


def test_role_groups_exist_after_migrate_with_their_admin_permissions():
    support = Group.objects.get(name="support")
    granted = set(support.permissions.values_list("content_type__app_label", "codename"))
    assert ("crm", "change_user") in granted
    assert ("crm", "view_payment") in granted
    assert ("telemetry", "view_event") in granted
    assert ("etl", "view_etlrun") in granted
    assert ("reports", "view_reportaccesslog") in granted
    assert ("telemetry", "change_event") not in granted
    assert ("crm", "delete_user") not in granted
    assert ("reports", "change_reportaccesslog") not in granted
    assert Group.objects.get(name="administrator").permissions.filter(codename="delete_user").exists()
    assert Group.objects.filter(name="prothetic_user").exists()


def test_first_sign_in_records_the_crm_link_from_the_claim(client, oidc):
    sign_in(client, oidc, "alice", **customer_claims(7))

    assert linked_crm_user_id(user_of("alice")) == 7
    assert Account.objects.get(oidc_subject="alice").linked_at is not None


def test_a_different_crm_id_for_the_same_subject_is_refused_and_the_link_kept(client, oidc):
    sign_in(client, oidc, "alice", **customer_claims(7))
    client.logout()

    response = sign_in(client, oidc, "alice", **customer_claims(8))

    assert response["Location"] == "/accounts/sign-in-failed/"
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert "already linked to a different customer record" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert Account.objects.get(oidc_subject="alice").crm_user_id == 7


def test_a_crm_id_already_linked_to_another_identity_is_refused(client, oidc):
    sign_in(client, oidc, "alice", **customer_claims(7))
    client.logout()

    response = sign_in(client, oidc, "impostor", **customer_claims(7))

    assert response["Location"] == "/accounts/sign-in-failed/"
    assert "_auth_user_id" not in client.session
    assert not Account.objects.filter(oidc_subject="impostor").exists()


def test_same_email_at_another_subject_does_not_reach_the_existing_account(client, oidc):
    sign_in(client, oidc, "alice", email="alice@example.com", **customer_claims(7))
    client.logout()

    sign_in(client, oidc, "someone-else", email="alice@example.com")

    other = user_of("someone-else")
    assert other != user_of("alice")
    assert linked_crm_user_id(other) is None


def test_an_account_provisioned_for_the_crm_customer_gets_the_identity(client, oidc):
    provisioned = AccountFactory(crm_user_id=7, user=PortalUserFactory(username="alice@example.com"))

    sign_in(client, oidc, "alice", **customer_claims(7))

    provisioned.refresh_from_db()
    assert (provisioned.oidc_issuer, provisioned.oidc_subject) == (oidc.url, "alice")
    assert client.session["_auth_user_id"] == str(provisioned.user.pk)


def test_a_crm_id_that_is_not_a_number_is_refused(client, oidc):
    response = sign_in(client, oidc, "alice", crm_user_id="7 OR 1=1")

    assert response["Location"] == "/accounts/sign-in-failed/"
    assert "_auth_user_id" not in client.session


def test_signed_in_customer_without_crm_link_sees_the_no_link_page(client, oidc):
    response = sign_in(client, oidc, "newcomer", **staff_claims("prothetic_user"))

    assert response["Location"] == "/accounts/no-link/"
    page = client.get("/accounts/no-link/")
    assert page.status_code == 403
    assert "not linked to a BionicPRO customer record" in page.content.decode()


def test_no_link_page_sends_a_linked_customer_to_their_reports(client, oidc):
    sign_in(client, oidc, "alice", **customer_claims(7))

    response = client.get("/accounts/no-link/")

    assert response.status_code == 302
    assert response["Location"] == "/reports/"


def test_staff_without_crm_link_go_where_they_asked(client, oidc):
    response = sign_in(client, oidc, "sam", next_url="/admin/", **staff_claims("support"))

    assert response["Location"] == "/admin/"


def test_a_deactivated_portal_user_cannot_sign_in(client, oidc):
    sign_in(client, oidc, "alice", **customer_claims(7))
    client.logout()
    user = user_of("alice")
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = sign_in(client, oidc, "alice", **customer_claims(7))

    assert response["Location"] == "/accounts/sign-in-failed/"
    assert "_auth_user_id" not in client.session
