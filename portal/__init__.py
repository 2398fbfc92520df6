"""The BionicPRO reports portal (Django project).

The Celery app is loaded with Django, so that ``@shared_task`` in every app's ``tasks.py`` binds
to it wherever a task is queued from (a view, the admin, a management command)."""

from workers.celery_app import app as celery_app

__all__ = ("celery_app",)
