"""Local demo sign-ins, only for demo data: one portal login per demo CRM customer (username =
the CRM email) linked through ``Account.crm_user_id``, one support login with staff rights and one
administrator login (everything, including the ETL's "Run now" buttons).

The role groups' permissions are granted by the accounts app (post_migrate); here the groups are
only made sure to exist and the staff logins added to them, with the flags ``sync_roles`` would
give the same roles at an OIDC sign-in.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from portal.accounts.models import Account
from portal.crm.models import User as CrmUser
from portal.demo.config import (
    ADMIN_GROUP,
    ADMIN_LOGIN,
    DEMO_EMAIL_DOMAIN,
    DEMO_PASSWORD,
    SUPPORT_GROUP,
    SUPPORT_LOGIN,
)


@dataclass(frozen=True)
class DemoLogin:
    login: str
    password: str
    crm_user: str
    sees: str


def demo_customers():
    return CrmUser.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").order_by("id")


def ensure_demo_logins() -> list[DemoLogin]:
    """Creates the demo logins that are missing; returns all of them (empty without demo data)."""
    customers = list(demo_customers())
    if not customers:
        return []
    # Hashing is slow on purpose: hash the shared demo password once, not once per login.
    password_hash = make_password(DEMO_PASSWORD)
    logins = []
    with transaction.atomic():
        for customer in customers:
            _ensure_customer_login(customer, password_hash)
            logins.append(
                DemoLogin(
                    login=customer.email,
                    password=DEMO_PASSWORD,
                    crm_user=f"#{customer.id} {customer.full_name}",
                    sees=f"own reports (CRM #{customer.id})",
                )
            )
        _ensure_staff_login(SUPPORT_LOGIN, SUPPORT_GROUP, password_hash, superuser=False)
        _ensure_staff_login(ADMIN_LOGIN, ADMIN_GROUP, password_hash, superuser=True)
    support = DemoLogin(SUPPORT_LOGIN, DEMO_PASSWORD, "-", "admin; any report (audited)")
    administrator = DemoLogin(ADMIN_LOGIN, DEMO_PASSWORD, "-", "all admin, ETL Run now")
    return [support, administrator, *logins]


def _ensure_customer_login(customer: CrmUser, password_hash: str) -> None:
    first_name, _, last_name = customer.full_name.partition(" ")
    portal_user, _ = get_user_model().objects.get_or_create(
        username=customer.email,
        defaults={
            "email": customer.email,
            "first_name": first_name,
            "last_name": last_name,
            "password": password_hash,
        },
    )
    linked_elsewhere = Account.objects.filter(crm_user_id=customer.id).exclude(user=portal_user).exists()
    if not linked_elsewhere:
        Account.objects.update_or_create(user=portal_user, defaults={"crm_user_id": customer.id})


def _ensure_staff_login(login: str, group_name: str, password_hash: str, *, superuser: bool) -> None:
    staff, _ = get_user_model().objects.get_or_create(
        username=login,
        defaults={"email": login, "is_staff": True, "is_superuser": superuser, "password": password_hash},
    )
    group, _ = Group.objects.get_or_create(name=group_name)
    staff.groups.add(group)
    Account.objects.get_or_create(user=staff)


def remove_demo_logins() -> int:
    """Drops the customers' demo logins (their CRM ids change when the demo data is re-seeded)."""
    deleted, _ = get_user_model().objects.filter(username__endswith=f"@{DEMO_EMAIL_DOMAIN}").delete()
    return deleted
