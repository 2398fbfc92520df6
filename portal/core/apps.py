from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app shares: calendar months, the API's error shape, admin helpers, and the
    command that sets up the periodic tasks the apps declare."""

    name = "portal.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from portal.core import checks  # noqa: F401 (registers the deploy checks)
