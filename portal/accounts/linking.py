"""Linking a provider identity to a portal user and, through an immutable claim, to a CRM customer.

The identity is the (issuer, subject) pair from a verified token; the CRM link is the
``crm_user_id`` claim, recorded on the account at the first verified sign-in and never changed by a
later token. Usernames and emails are mutable at the provider and are never used to match.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Account

if TYPE_CHECKING:
    # The AUTH_USER_MODEL, as django-stubs resolves get_user_model().
    from django.contrib.auth.models import User

# Reasons shown to the person on the "sign-in refused" page.
LINK_CHANGED = "crm_link_changed"
LINK_TAKEN = "crm_link_taken"
BAD_CLAIM = "bad_claim"


class AccountLinkRefused(SuspiciousOperation):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def stable_username(issuer: str, subject: str) -> str:
    """A username that never changes for a provider identity and reveals nothing about it."""
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()
    return f"oidc-{digest[:40]}"


def parse_crm_user_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise AccountLinkRefused(BAD_CLAIM)
    try:
        crm_user_id = int(value)
    except (TypeError, ValueError):
        raise AccountLinkRefused(BAD_CLAIM) from None
    if crm_user_id <= 0 or str(crm_user_id) != str(value).strip():
        raise AccountLinkRefused(BAD_CLAIM)
    return crm_user_id


@transaction.atomic
def user_for_identity(*, issuer: str, subject: str, crm_user_id: int | None, email: str = "") -> User:
    """The portal user of this provider identity, created or linked on first sign-in."""
    account = (
        Account.objects.select_for_update()
        .select_related("user")
        .filter(oidc_issuer=issuer, oidc_subject=subject)
        .first()
    )
    if account is None:
        account = _first_sign_in(issuer=issuer, subject=subject, crm_user_id=crm_user_id, email=email)
    elif crm_user_id is not None and account.crm_user_id != crm_user_id:
        if account.crm_user_id is not None:
            raise AccountLinkRefused(LINK_CHANGED)
        _record_link(account, crm_user_id)
    return account.user


def _first_sign_in(*, issuer: str, subject: str, crm_user_id: int | None, email: str) -> Account:
    if crm_user_id is not None:
        provisioned = Account.objects.select_for_update().filter(crm_user_id=crm_user_id).first()
        if provisioned is not None:
            if provisioned.oidc_subject is not None:
                raise AccountLinkRefused(LINK_TAKEN)
            # An account made for this CRM customer before OIDC (e.g. by the demo seeder) gets
            # this identity: the provider vouches for the customer id in a signed token.
            provisioned.oidc_issuer, provisioned.oidc_subject = issuer, subject
            provisioned.linked_at = timezone.now()
            provisioned.save(update_fields=["oidc_issuer", "oidc_subject", "linked_at"])
            return provisioned
    user = get_user_model().objects.create_user(stable_username(issuer, subject), email=email or "")
    return Account.objects.create(
        user=user,
        oidc_issuer=issuer,
        oidc_subject=subject,
        crm_user_id=crm_user_id,
        linked_at=timezone.now() if crm_user_id is not None else None,
    )


def _record_link(account: Account, crm_user_id: int) -> None:
    if Account.objects.filter(crm_user_id=crm_user_id).exclude(pk=account.pk).exists():
        raise AccountLinkRefused(LINK_TAKEN)
    account.crm_user_id = crm_user_id
    account.linked_at = timezone.now()
    account.save(update_fields=["crm_user_id", "linked_at"])
