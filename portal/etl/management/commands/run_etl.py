"""``manage.py run_etl``: the ETL in this process, with progress on the terminal.

    run_etl                      nightly behaviour: what changed since the last successful run
    run_etl --full               rebuild every month
    run_etl --from 2025-01 --to 2025-03   rebuild a month range

Exits non-zero, with the error, when the run fails (or another run is in progress).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from portal.core.months import InvalidMonth, MonthOutOfRange, parse_month
from portal.etl import pipeline, runs
from portal.etl.models import EtlRun


def _month(value: str) -> dt.date:
    try:
        return parse_month(value)
    except MonthOutOfRange as exc:
        raise CommandError(exc.message()) from None
    except InvalidMonth:
        raise CommandError(f"expected a month as YYYY-MM, got {value!r}") from None


def _day(value: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.UTC)
    except ValueError:
        raise CommandError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


class Command(BaseCommand):
    help = "Run the ETL (CRM + telemetry -> ClickHouse marts) now, in this process."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--full", action="store_true", help="rebuild every month")
        mode.add_argument("--from", dest="month_from", type=_month, help="first month to rebuild (YYYY-MM)")
        parser.add_argument("--to", dest="month_to", type=_month, help="last month to rebuild (YYYY-MM)")
        parser.add_argument(
            "--as-of",
            type=_day,
            help="data_as_of (UTC midnight of YYYY-MM-DD) instead of the start of today; for backfills",
        )

    def handle(self, *args, full=False, month_from=None, month_to=None, as_of=None, **options):
        if (month_from is None) != (month_to is None):
            raise CommandError("--from and --to go together")
        if month_from and month_to < month_from:
            raise CommandError("--to is before --from")
        mode = EtlRun.Mode.FULL if full else EtlRun.Mode.RANGE if month_from else EtlRun.Mode.INCREMENTAL
        run = runs.create_run(
            trigger=EtlRun.Trigger.COMMAND,
            mode=mode,
            month_from=month_from,
            month_to=month_to,
            data_as_of=as_of,
        )
        # OutputWrapper is a text file, though typed as a TextIOBase, not the typing.IO rich asks for.
        console = Console(file=cast(IO[str], self.stdout), force_terminal=None)
        try:
            with _progress(console) as progress:
                pipeline.run_all(run.pk, token=f"command-{uuid.uuid4().hex}", on_step=_reporter(progress))
        except Exception as exc:
            raise CommandError(f"ETL run #{run.pk} failed: {pipeline.describe_error(exc)}") from exc
        run.refresh_from_db()
        months = run.months_recomputed
        span = f"{months[0]}..{months[-1]}" if months else "none"
        console.print(
            f"ETL run #{run.pk} ({run.mode}) succeeded: data as of {run.data_as_of:%Y-%m-%d %H:%M} UTC, "
            f"{len(months)} month(s) recomputed ({span}), {run.rows_rejected} row(s) rejected.",
            soft_wrap=True,
        )


def _progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[figures]}"),
        TimeElapsedColumn(),
        console=console,
    )


def _reporter(progress: Progress) -> Callable[[str, dict[str, Any] | None], None]:
    tasks = {
        step: progress.add_task(title, total=1, figures="", start=False)
        for step, title in pipeline.STEP_TITLES.items()
    }

    def on_step(step: str, stats: dict | None) -> None:
        if stats is None:
            progress.start_task(tasks[step])
            return
        parts = [f"read {stats['read']:,}"] if "read" in stats else []
        parts.append(f"written {stats.get('written', 0):,}")
        if stats.get("months") is not None:
            parts.append(f"{len(stats['months'])} month(s)")
        figures = ", ".join(parts)
        progress.update(tasks[step], completed=1, figures=figures)

    return on_step
