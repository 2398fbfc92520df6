from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "portal.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from portal.etl.signals import run_succeeded
        from portal.reports.delivery.receivers import queue_delivery_after_run

        run_succeeded.connect(queue_delivery_after_run, dispatch_uid="reports.delivery")
