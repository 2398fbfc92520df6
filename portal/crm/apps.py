from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "portal.crm"
    label = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from portal.crm.search import register_sqlite_lower

        connection_created.connect(register_sqlite_lower, dispatch_uid="crm_sqlite_unicode_lower")
