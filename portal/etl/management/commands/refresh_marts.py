from django.core.management.base import BaseCommand

from portal.etl.refresh import refresh_marts


class Command(BaseCommand):
    help = (
        "Run one refresh tick now: apply the source changes since the last run (change feed or "
        "watermark) and rebuild only the months they touch."
    )

    def handle(self, *args, **options):
        result = refresh_marts()
        modes = ", ".join(f"{alias}: {mode}" for alias, mode in result.mode.items())
        if result.skipped:
            self.stdout.write(f"Skipped ({result.skipped}). Sources: {modes}.")
        elif result.run_id is None:
            self.stdout.write(f"Nothing changed since the last run. Sources: {modes}.")
        else:
            months = ", ".join(result.months) or "none"
            self.stdout.write(
                f"Run #{result.run_id}: {result.changes} change(s) from the feed, "
                f"months rebuilt: {months}. Sources: {modes}."
            )
