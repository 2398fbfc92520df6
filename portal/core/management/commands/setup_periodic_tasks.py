from django.core.management.base import BaseCommand

from portal.core.periodic import declared_schedules, ensure_schedules


class Command(BaseCommand):
    help = (
        "Create the periodic tasks the apps declare (PERIODIC_TASKS in their tasks.py) that do not "
        "exist yet. Idempotent; never changes a schedule that exists, so edits made in the admin stay."
    )

    def handle(self, *args, **options):
        schedules = list(declared_schedules())
        created = ensure_schedules(schedules)
        for name in created:
            self.stdout.write(f"Created periodic task {name}.")
        self.stdout.write(
            f"{len(schedules) - len(created)} periodic task(s) already set up, left as they are."
        )
