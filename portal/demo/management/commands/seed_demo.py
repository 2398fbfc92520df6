"""``manage.py seed_demo``: deterministic demo data for the CRM and telemetry databases."""

import argparse
import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from portal.demo.config import DEFAULT_SEED, DEFAULT_YEARS, DemoConfig
from portal.demo.console import command_console
from portal.demo.seeding import SeedProgress, seed_demo_data, tables_with_rows, wipe_demo_data


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"wants a date as YYYY-MM-DD, got {value!r}") from error


class Command(BaseCommand):
    help = (
        "Fill the CRM and telemetry databases with deterministic demo data (same --seed, same rows): "
        "by default 2.5 years ending yesterday (UTC), 12 customers and what follows from them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="multiply customers and all that follows")
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)"
        )
        parser.add_argument("--years", type=float, default=DEFAULT_YEARS, help="years of history")
        parser.add_argument(
            "--until", type=_date, default=None, help="last day with data (default: yesterday)"
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument("--reset", action="store_true", help="wipe the demo tables first")
        existing.add_argument("--if-empty", action="store_true", help="do nothing when data is already there")

    def handle(self, *args, scale, seed, years, until, reset, if_empty, **options):
        try:
            config = DemoConfig(scale=scale, seed=seed, years=years, until=until)
        except ValueError as error:
            raise CommandError(str(error)) from error
        filled = tables_with_rows()
        if filled and if_empty:
            if options["verbosity"] > 1:
                self.stdout.write("Demo data not seeded: tables already have rows.")
            return
        if filled and not reset:
            raise CommandError(
                f"Refusing to seed: these tables already have rows: {', '.join(filled)}. "
                "Run with --reset to wipe them and seed again."
            )
        console = command_console(self.stdout)
        started = time.perf_counter()
        if filled:
            wipe_demo_data()
        result = self._seed_with_progress(config, console)
        if options["verbosity"] > 0:
            self._summary(console, config, result, time.perf_counter() - started)

    @staticmethod
    def _seed_with_progress(config: DemoConfig, console: Console) -> SeedProgress:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("days"))
        with Progress(*columns, TimeElapsedColumn(), console=console, disable=not console.is_terminal) as bar:
            task = bar.add_task("Seeding demo data", total=config.days)

            def show(state: SeedProgress) -> None:
                events, readings = state.rows["events"], state.rows["battery_metrics"]
                description = f"Seeding: {events:,} events, {readings:,} battery readings"
                bar.update(task, completed=state.days_done, description=description)

            return seed_demo_data(config, on_progress=show)

    def _summary(self, console: Console, config: DemoConfig, result: SeedProgress, seconds: float) -> None:
        console.print(
            f"Demo data from {config.start:%Y-%m-%d} to {config.until:%Y-%m-%d} (UTC), "
            f"scale {config.scale}, seed {config.seed}:"
        )
        table = Table()
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name, count in result.rows.items():
            table.add_row(name, f"{count:,}")
        total = sum(result.rows.values())
        table.add_row("total", f"{total:,}")
        console.print(table)
        console.print(f"Seeded in {seconds:.1f} s ({total / max(seconds, 1e-9):,.0f} rows/s).")
