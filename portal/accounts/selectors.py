"""Who a signed-in person is, for the report access gate."""

from portal.accounts.models import Account


def is_support_staff(user) -> bool:
    """Support staff and administrators may read any customer's report (audited)."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def linked_crm_user_id(user) -> int | None:
    """The CRM customer this portal user is linked to, or None (staff, unlinked, anonymous)."""
    if not (user and user.is_authenticated):
        return None
    account = Account.objects.filter(user=user).only("crm_user_id").first()
    return account.crm_user_id if account else None
