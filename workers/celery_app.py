"""The Celery app, configured from Django settings (namespace CELERY).

Tasks live in each app's ``tasks.py`` and are found by ``autodiscover_tasks()``; the worker logs
through Django's ``LOGGING`` so a task's log lines look like the portal's.
"""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("bionicpro")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def configure_logging_from_django(**kwargs: object) -> None:
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
