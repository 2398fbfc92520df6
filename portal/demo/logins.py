"""Local demo sign-ins, only for demo data: one portal login per demo CRM customer (username =
the CRM email) linked through ``Account.crm_user_id``, plus one support login with staff rights.

The support group's permissions are granted by the accounts app (post_migrate); here the group
is only made sure to exist and the support login added to it.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from portal.accounts.models import Account
from portal.crm.models import User as CrmUser
from portal.demo.config import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, SUPPORT_GROUP, SUPPORT_LOGIN


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
        _ensure_support_login(password_hash)
    support = DemoLogin(SUPPORT_LOGIN, DEMO_PASSWORD, "-", "admin; any report (audited)")
    return [support, *logins]


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


def _ensure_support_login(password_hash: str) -> None:
    support, _ = get_user_model().objects.get_or_create(
        username=SUPPORT_LOGIN,
        defaults={"email": SUPPORT_LOGIN, "is_staff": True, "password": password_hash},
    )
    group, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    support.groups.add(group)
    Account.objects.get_or_create(user=support)


def remove_demo_logins() -> int:
    """Drops the customers' demo logins (their CRM ids change when the demo data is re-seeded)."""
    deleted, _ = get_user_model().objects.filter(username__endswith=f"@{DEMO_EMAIL_DOMAIN}").delete()
    return deleted
