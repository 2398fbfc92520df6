from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from portal.accounts.roles import create_role_groups

        post_migrate.connect(create_role_groups, dispatch_uid="accounts_create_role_groups")
