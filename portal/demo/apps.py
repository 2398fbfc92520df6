from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoAppConfig(AppConfig):
    name = "portal.demo"
    label = "demo"
    verbose_name = _("Demo data")
