"""ETL benchmark on seeded PostgreSQL: full run against ClickHouse's own limit, nightly run, memory.

Prints, for the databases in the environment (seed them first with ``seed_demo --scale 10``,
about 4.5M events):

- full run: source rows read per second (extract to load, the whole ``run_etl --full``);
- the practical limit, measured in the same run: ClickHouse pulling the same columns straight from
  PostgreSQL with its ``postgresql()`` table function into a MergeTree, nothing else;
- their ratio (target: at least 0.5);
- the nightly run's time after one more day of data arrives (target: under 3 s), as
  ``run_etl`` runs it and then, after another day, as the scheduled Celery chain runs it;
- peak memory of the process doing each run (target: under 400 MB), two ways: max RSS, which
  includes the pages of chDB's 500 MB shared library that the process touched (file-backed and
  shared with every other process mapping it; a process that only opens chDB is measured as the
  floor), and peak private (anonymous) memory, sampled every 5 ms: what the run itself allocates.

Each measurement runs in a fresh process with its own embedded ClickHouse directory, so the
figures are the process's own. The "one more day" is a copy of the last seeded day's telemetry,
shifted by a day (new ids), and for the Celery run the same shifted by two days; the bench removes
both again at the end.

    createdb bench_crm; createdb bench_telemetry; createdb bench_portal
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_portal \\
           CRM_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_crm \\
           TELEMETRY_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_telemetry
    python manage.py migrate && python manage.py migrate --database crm \\
        && python manage.py migrate --database telemetry && python manage.py seed_demo --scale 10
    python bench/etl.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The columns the ETL reads from each source table (portal/etl/steps/extract_crm.py and telemetry.py).
LIMIT_COLUMNS = {
    "crm": {
        "users": "id, created_at, updated_at",
        "prosthetics": "id, user_id, serial_number, model, limb, activated_at, updated_at",
        "subscriptions": "id, user_id, monthly_cost, started_on, ended_on, updated_at",
        "payments": "id, user_id, amount, status, paid_at, updated_at",
        "support_tickets": "id, user_id, created_at, resolved_at, updated_at",
    },
    "telemetry": {
        "events": "id, prosthetic_id, event_type, occurred_at, received_at",
        "battery_metrics": (
            "id, prosthetic_id, measured_at, current_ma, temperature_c, is_charging, received_at"
        ),
    },
}


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _private_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PrivateMemoryPeak:
    """Samples this process's private (anonymous) resident memory every 5 ms; the kernel keeps a
    peak only for the whole RSS, which also counts the shared library's pages."""

    def __init__(self):
        self.peak = _private_mb()
        thread = threading.Thread(target=self._sample, daemon=True)
        thread.start()

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, _private_mb())
            time.sleep(0.005)


def _memory(private: PrivateMemoryPeak) -> dict:
    return {"peak_rss_mb": _peak_rss_mb(), "peak_private_mb": private.peak}


def _today() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def phase_limit() -> dict:
    """ClickHouse alone: INSERT INTO MergeTree SELECT <the ETL's columns> FROM postgresql(...)."""
    from portal.clickhouse.client import clickhouse
    from portal.etl.sources import SourceDatabase

    rows = 0
    seconds = 0.0
    with clickhouse() as client:
        client.command("CREATE DATABASE IF NOT EXISTS bench_limit")
        for alias, tables in LIMIT_COLUMNS.items():
            source = SourceDatabase(alias)
            params = source.parameters()
            for table, columns in tables.items():
                # Table and column names are this script's constants; connection details are bound.
                create = (
                    f"CREATE TABLE bench_limit.{table} ENGINE = MergeTree ORDER BY tuple() "  # noqa: S608
                    f"AS SELECT {columns} FROM {source.table(table)} LIMIT 0"
                )
                pull = f"INSERT INTO bench_limit.{table} SELECT {columns} FROM {source.table(table)}"  # noqa: S608
                client.command(f"DROP TABLE IF EXISTS bench_limit.{table}")
                client.command(create, parameters=params)
                started = time.perf_counter()
                client.command(pull, parameters=params)
                seconds += time.perf_counter() - started
                count = f"SELECT count() FROM bench_limit.{table}"  # noqa: S608
                rows += client.query(count).result_rows[0][0]
        client.command("DROP DATABASE bench_limit")
    return {"seconds": seconds, "rows": rows}


def _run(mode: str, data_as_of: dt.datetime, *, through_celery: bool = False) -> dict:
    from portal.clickhouse.client import clickhouse
    from portal.clickhouse.schema import apply_migrations
    from portal.etl import pipeline, runs
    from portal.etl.models import EtlRun

    with clickhouse() as client:
        apply_migrations(client)
    run = runs.create_run(trigger=EtlRun.Trigger.COMMAND, mode=mode, data_as_of=data_as_of)
    started = time.perf_counter()
    if through_celery:
        _celery_chain(run.pk)
    else:
        pipeline.run_all(run.pk, token=f"bench-{run.pk}")
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    rows = run.steps["extract_crm"]["read"] + run.steps["extract_telemetry"]["read"]
    return {
        "seconds": seconds,
        "rows": rows,
        "months": len(run.months_recomputed),
    }


def phase_floor() -> dict:
    """A process that only sets Django up and opens embedded chDB: the memory every run starts from."""
    from portal.clickhouse.client import clickhouse

    with clickhouse() as client:
        client.query("SELECT 1")
    return {}


def phase_full() -> dict:
    return _run("full", _today())


def phase_nightly() -> dict:
    return _run("incremental", _today() + dt.timedelta(days=1))


def _celery_chain(run_id: int) -> None:
    """The scheduled run's five-task chain, executed eagerly in this process (no broker round trips,
    which a real worker adds): each task opens embedded chDB for its own step."""
    from portal.etl.tasks import start_chain
    from workers.celery_app import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    start_chain(run_id)


def phase_nightly_celery() -> dict:
    return _run("incremental", _today() + dt.timedelta(days=2), through_celery=True)


_SHIFTED_DAY = {
    "events": ("prosthetic_id, event_type, {t}, received_at, error_code, payload", "occurred_at"),
    "battery_metrics": (
        "prosthetic_id, {t}, charge_pct, voltage_v, current_ma, temperature_c, is_charging, received_at",
        "measured_at",
    ),
}


def _add_day(days_later: int) -> dict:
    """Copy the last seeded day's telemetry ``days_later`` days later, arriving then."""
    from django.db import connections

    today = _today()
    shift = f"interval '{days_later} day'"
    added = 0
    with connections["telemetry"].cursor() as cursor:
        for table, (columns, time_column) in _SHIFTED_DAY.items():
            source_columns = columns.format(t=time_column)
            shifted = source_columns.replace(time_column, f"{time_column} + {shift}").replace(
                "received_at", f"received_at + {shift}"
            )
            cursor.execute(
                f"INSERT INTO {table} (id, {source_columns}) "  # noqa: S608 - constant names
                f"SELECT (SELECT max(id) FROM {table}) + row_number() OVER (ORDER BY id), {shifted} "
                f"FROM {table} WHERE {time_column} >= %s AND {time_column} < %s",
                [today - dt.timedelta(days=1), today],
            )
            added += cursor.rowcount
    return {"rows": added}


def phase_add_day() -> dict:
    return _add_day(1)  # today, for the nightly run whose data_as_of is tomorrow's start


def phase_add_second_day() -> dict:
    return _add_day(2)  # tomorrow, for the nightly run through Celery after it


def phase_remove_day() -> dict:
    from django.db import connections

    today = _today()
    with connections["telemetry"].cursor() as cursor:
        for table, (_columns, time_column) in _SHIFTED_DAY.items():
            cursor.execute(f"DELETE FROM {table} WHERE {time_column} >= %s", [today])  # noqa: S608
    return {}


PHASES = {
    "floor": phase_floor,
    "limit": phase_limit,
    "full": phase_full,
    "add_day": phase_add_day,
    "nightly": phase_nightly,
    "add_second_day": phase_add_second_day,
    "nightly_celery": phase_nightly_celery,
    "remove_day": phase_remove_day,
}


def _in_fresh_process(phase: str, env: dict, script: str = __file__, extra: tuple[str, ...] = ()) -> dict:
    """Run one phase of ``script`` (a bench with ``--phase``) in a new process; its JSON result."""
    result = subprocess.run(
        [sys.executable, script, "--phase", phase, *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"phase {phase} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        private = PrivateMemoryPeak()
        _django()
        print(json.dumps({**PHASES[args.phase](), **_memory(private)}))
        return

    data_dir = tempfile.mkdtemp(prefix="bench-etl-")
    env = {
        **os.environ,
        "DATA_DIR": data_dir,
        "CLICKHOUSE_URL": f"chdb://{data_dir}/chdb",
        "LOG_LEVEL": "WARNING",
    }
    floor = _in_fresh_process("floor", env)
    limit = _in_fresh_process("limit", env)
    full = _in_fresh_process("full", env)
    added = _in_fresh_process("add_day", env)
    try:
        nightly = _in_fresh_process("nightly", env)
        _in_fresh_process("add_second_day", env)
        nightly_celery = _in_fresh_process("nightly_celery", env)
    finally:
        _in_fresh_process("remove_day", env)

    limit_rate = limit["rows"] / limit["seconds"]
    full_rate = full["rows"] / full["seconds"]
    print(f"source rows                      {full['rows']:>12,}")
    print(
        f"full run                         {full['seconds']:>10.2f} s  {full_rate:>12,.0f} rows/s"
        f"  ({full['months']} months)"
    )
    print(f"limit: postgresql() -> MergeTree {limit['seconds']:>10.2f} s  {limit_rate:>12,.0f} rows/s")
    print(f"ratio full / limit               {full_rate / limit_rate:>12.2f}   (target >= 0.5)")
    print(
        f"nightly run after one more day   {nightly['seconds']:>10.2f} s  ({added['rows']:,} new rows, "
        f"{nightly['months']} months)   (target < 3 s)"
    )
    print(
        f"  the same through the Celery chain {nightly_celery['seconds']:>7.2f} s  "
        f"({nightly_celery['months']} months; tasks run eagerly, each step opens chDB)"
    )
    print(
        f"peak private memory              full {full['peak_private_mb']:.0f} MB, nightly "
        f"{nightly['peak_private_mb']:.0f} MB, limit {limit['peak_private_mb']:.0f} MB   (target < 400 MB)"
    )
    print(
        f"max RSS (+ chDB library pages)   full {full['peak_rss_mb']:.0f} MB, nightly "
        f"{nightly['peak_rss_mb']:.0f} MB, limit {limit['peak_rss_mb']:.0f} MB; a process that only opens "
        f"chDB: {floor['peak_rss_mb']:.0f} MB ({floor['peak_private_mb']:.0f} MB private)"
    )
    print("load average (1, 5, 15 min): " + ", ".join(f"{load:.1f}" for load in os.getloadavg()))


if __name__ == "__main__":
    main()
