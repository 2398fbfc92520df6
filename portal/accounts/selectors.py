"""Who a signed-in person is, for the report access gate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.accounts.models import STAFF_ROLES, Account

if TYPE_CHECKING:
    # The AUTH_USER_MODEL, as django-stubs resolves get_user_model().
    from django.contrib.auth.models import AnonymousUser, User


def is_support_staff(user: User | AnonymousUser | None) -> bool:
    """Support staff and administrators may read any customer's report (audited).

    Staff status comes from the roles (the ``support`` and ``administrator`` groups, synced from
    the provider at every sign-in and token renewal), not from ``is_staff`` alone."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.is_staff and user.groups.filter(name__in=STAFF_ROLES).exists()


def linked_crm_user_id(user: User | AnonymousUser | None) -> int | None:
    """The CRM customer this portal user is linked to, or None (staff, unlinked, anonymous)."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    try:
        # The auth backends load the account with the user (select_related); otherwise one query.
        return user.account.crm_user_id
    except Account.DoesNotExist:
        return None
