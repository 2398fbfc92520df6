"""The signed-in user of a session is loaded with its account in one query (both auth backends),
with the same field values as the ORM, and "no account" is known without a second query."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test.utils import CaptureQueriesContext

from portal.accounts.backend import PortalModelBackend, PortalOIDCBackend
from portal.accounts.models import Account
from portal.accounts.selectors import linked_crm_user_id
from tests.support.factories import AccountFactory, PortalUserFactory

pytestmark = pytest.mark.django_db


def field_values(user):
    return {f.attname: getattr(user, f.attname) for f in get_user_model()._meta.concrete_fields}


@pytest.mark.parametrize("backend", [PortalModelBackend, PortalOIDCBackend])
def test_user_and_account_come_in_one_query_with_the_orm_values(backend):
    account = AccountFactory(crm_user_id=4242, user__username="linked")
    with CaptureQueriesContext(connections["default"]) as queries:
        user = backend().get_user(account.user.pk)
        assert linked_crm_user_id(user) == 4242
        assert user.account.pk == account.pk
    assert len(queries.captured_queries) == 1
    assert field_values(user) == field_values(get_user_model().objects.get(pk=account.user.pk))
    assert not hasattr(user, "_account_id")
    # The account's other fields still load on use.
    assert user.account.oidc_subject == Account.objects.get(pk=account.pk).oidc_subject


@pytest.mark.parametrize("backend", [PortalModelBackend, PortalOIDCBackend])
def test_a_user_without_an_account_needs_no_second_query(backend):
    user = PortalUserFactory(username="staff-without-account")
    with CaptureQueriesContext(connections["default"]) as queries:
        loaded = backend().get_user(user.pk)
        assert linked_crm_user_id(loaded) is None
        with pytest.raises(Account.DoesNotExist):
            _ = loaded.account
    assert len(queries.captured_queries) == 1


@pytest.mark.parametrize("backend", [PortalModelBackend, PortalOIDCBackend])
def test_an_unknown_user_id_is_no_user(backend):
    assert backend().get_user(987654) is None


def test_a_deactivated_user_is_no_user_for_the_password_backend():
    user = PortalUserFactory(username="gone", is_active=False)
    assert PortalModelBackend().get_user(user.pk) is None
