from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EtlConfig(AppConfig):
    name = "portal.etl"
    label = "etl"
    verbose_name = _("ETL")
