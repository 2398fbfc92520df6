from django.core.management.base import BaseCommand

from portal.reports.services import GRACE, sweep_report_files


class Command(BaseCommand):
    help = (
        "Remove stored report PDFs of superseded data versions or layouts "
        f"(files younger than {GRACE} are kept)."
    )

    def handle(self, *args, **options):
        result = sweep_report_files()
        self.stdout.write(f"Removed {result.removed} stored PDF(s), kept {result.kept}.")
