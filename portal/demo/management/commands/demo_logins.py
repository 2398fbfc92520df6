"""``manage.py demo_logins``: print the local demo sign-ins, creating any that are missing."""

from django.core.management.base import BaseCommand
from rich.table import Table

from portal.demo.console import command_console
from portal.demo.logins import ensure_demo_logins


class Command(BaseCommand):
    help = "Print the demo logins (only when demo data is loaded), creating any that are missing."

    def handle(self, *args, **options):
        console = command_console(self.stdout)
        logins = ensure_demo_logins()
        if not logins:
            console.print("No demo data loaded (run `manage.py seed_demo`), so there are no demo logins.")
            return
        table = Table(title="Demo logins (local demo data only)")
        for column in ("login", "password", "CRM user", "can see"):
            table.add_column(column)
        for login in logins:
            table.add_row(login.login, login.password, login.crm_user, login.sees)
        console.print(table)
