"""Portal roles: the three Django groups, their admin permissions, and syncing them from a token.

The identity provider is the source of truth. At every sign-in (and token renewal) the user's
groups and staff flags are set from the roles claim, so a role revoked at the provider is gone
from the portal at the next sign-in or renewal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import Q, QuerySet

from portal.accounts.claims import claim_at
from portal.accounts.models import ROLE_ADMINISTRATOR, ROLE_CUSTOMER, ROLE_SUPPORT, STAFF_ROLES

if TYPE_CHECKING:
    # The AUTH_USER_MODEL, as django-stubs resolves get_user_model().
    from django.contrib.auth.models import User

PORTAL_ROLES = (ROLE_CUSTOMER, ROLE_SUPPORT, ROLE_ADMINISTRATOR)

# Support staff read and correct CRM data and read telemetry, ETL runs, the access log and the
# monthly e-mails (re-sending one is an admin action on the e-mail).
SUPPORT_PERMISSIONS = {
    "crm": ("view", "change"),
    "telemetry": ("view",),
    "etl.etlrun": ("view",),
    "reports.reportaccesslog": ("view",),
    "reports.monthlyemail": ("view",),
    "reports.deliverypreference": ("view",),
}


def roles_from_claims(claims: dict[str, Any], claim_path: str) -> set[str]:
    """The portal roles found at a dotted claim path, e.g. ``realm_access.roles`` (Keycloak)."""
    value = claim_at(claims, claim_path)
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list):
        return set()
    return {role for role in value if role in PORTAL_ROLES}


def sync_roles(user: User, roles: Iterable[str]) -> None:
    """Make the user's groups and flags match the roles from the provider, exactly."""
    roles = set(roles) & set(PORTAL_ROLES)
    flags = {"is_staff": bool(roles & STAFF_ROLES), "is_superuser": ROLE_ADMINISTRATOR in roles}
    if any(getattr(user, name) != value for name, value in flags.items()):
        for name, value in flags.items():
            setattr(user, name, value)
        user.save(update_fields=list(flags))
    current = set(user.groups.filter(name__in=PORTAL_ROLES).values_list("name", flat=True))
    if current != roles:
        user.groups.remove(*Group.objects.filter(name__in=current - roles))
        user.groups.add(*(Group.objects.get_or_create(name=role)[0] for role in roles - current))


def _support_permissions(using: str) -> QuerySet[Permission]:
    wanted = Q(pk__in=[])
    for target, actions in SUPPORT_PERMISSIONS.items():
        app_label, _, model = target.partition(".")
        scope = Q(content_type__app_label=app_label) & (Q(content_type__model=model) if model else Q())
        for action in actions:
            wanted |= scope & Q(codename__startswith=f"{action}_")
    return Permission.objects.using(using).filter(wanted)


def ensure_role_groups(using: str = DEFAULT_DB_ALIAS) -> dict[str, Group]:
    """Create the role groups (idempotent) and give them their permissions."""
    groups = {role: Group.objects.using(using).get_or_create(name=role)[0] for role in PORTAL_ROLES}
    groups[ROLE_SUPPORT].permissions.add(*_support_permissions(using))
    groups[ROLE_ADMINISTRATOR].permissions.add(*Permission.objects.using(using).all())
    return groups


def create_role_groups(sender: object, using: str, **kwargs: object) -> None:
    """post_migrate handler. It runs after each app's migrations, so the permissions that exist by
    then are granted, and the last app's signal sees them all."""
    if router.allow_migrate_model(using, Group):
        ensure_role_groups(using)
