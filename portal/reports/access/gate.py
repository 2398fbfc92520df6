"""Whose reports may this person read? Decided once, before any report data is read.

- ``me`` is the caller's linked CRM customer.
- Support staff (``is_support_staff``) may read any existing customer; such reads are audited.
- A customer may read only their own CRM id; any other id gets exactly the answer of an id that
  does not exist (``ReportNotFound``), so ids cannot be probed.
- A signed-in person with no CRM link gets ``AccountNotLinked`` for every id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from portal.accounts.selectors import is_support_staff, linked_crm_user_id
from portal.crm.models import User as CrmUser
from portal.reports.errors import AccountNotLinked, InvalidUserRef, ReportNotFound

if TYPE_CHECKING:
    # The AUTH_USER_MODEL, as django-stubs resolves get_user_model().
    from django.contrib.auth.models import AnonymousUser, User

ME = "me"


@dataclass(frozen=True)
class ReportGrant:
    crm_user_id: int
    audited: bool  # True for staff reading a customer's report: each read goes to the audit log


def resolve_report_owner(user: User | AnonymousUser, user_ref: str) -> ReportGrant:
    """The grant for ``user`` to read the reports addressed by ``user_ref`` (an id or ``me``)."""
    own_id = linked_crm_user_id(user)
    if user_ref == ME:
        if own_id is None:
            raise AccountNotLinked()
        return ReportGrant(crm_user_id=own_id, audited=False)
    requested_id = _parse_user_id(user_ref)
    if is_support_staff(user):
        if requested_id != own_id and not CrmUser.objects.filter(pk=requested_id).exists():
            raise ReportNotFound()
        return ReportGrant(crm_user_id=requested_id, audited=requested_id != own_id)
    if own_id is None:
        raise AccountNotLinked()
    if requested_id != own_id:
        raise ReportNotFound()
    return ReportGrant(crm_user_id=own_id, audited=False)


def _parse_user_id(user_ref: str) -> int:
    if not (user_ref.isascii() and user_ref.isdigit()) or len(user_ref) > 19:
        raise InvalidUserRef(user_ref)
    return int(user_ref)
