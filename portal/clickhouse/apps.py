from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClickHouseConfig(AppConfig):
    name = "portal.clickhouse"
    label = "clickhouse"
    verbose_name = _("ClickHouse")
