"""Periodic tasks as the apps declare them, written into django-celery-beat's tables.

Each app's ``tasks.py`` may list ``PERIODIC_TASKS``; ``manage.py setup_periodic_tasks`` creates
the missing ones. A schedule that already exists is left as it is, so whatever staff changed in
the admin (time, enabled, arguments) survives every deploy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


@dataclass(frozen=True)
class PeriodicSchedule:
    name: str
    task: str
    description: str
    # django-celery-beat crontab fields, in UTC; fields left out mean "*".
    crontab: dict[str, str] = field(default_factory=dict)
    # Or a fixed interval in seconds, for ticks that run every minute or so.
    every_seconds: int | None = None


def declared_schedules() -> Iterator[PeriodicSchedule]:
    """``PERIODIC_TASKS`` of every installed app's ``tasks`` module."""
    for config in apps.get_app_configs():
        module_name = f"{config.name}.tasks"
        if find_spec(module_name) is None:
            continue
        yield from getattr(import_module(module_name), "PERIODIC_TASKS", ())


def ensure_schedules(schedules: Iterable[PeriodicSchedule]) -> list[str]:
    """Create the periodic tasks that do not exist yet; return the names created."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = []
    for schedule in schedules:
        if PeriodicTask.objects.filter(name=schedule.name).exists():
            continue
        timing: dict[str, object]
        if schedule.every_seconds is not None:
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=schedule.every_seconds, period=IntervalSchedule.SECONDS
            )
            timing = {"interval": interval}
        else:
            fields = {
                "minute": "*",
                "hour": "*",
                "day_of_week": "*",
                "day_of_month": "*",
                "month_of_year": "*",
            }
            crontab, _ = CrontabSchedule.objects.get_or_create(
                **{**fields, **schedule.crontab}, timezone="UTC"
            )
            timing = {"crontab": crontab}
        PeriodicTask.objects.create(
            name=schedule.name, task=schedule.task, description=schedule.description, **timing
        )
        created.append(schedule.name)
    return created
