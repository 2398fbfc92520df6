"""seed_demo: wall time and peak memory, each seeding a separate process on fresh databases.

    .venv/bin/python bench/seed.py                       # all three cases, one run each
    .venv/bin/python bench/seed.py --repeats 3           # median of three runs per case
    .venv/bin/python bench/seed.py --case sqlite --case postgresql

Cases and targets (issue 2, on a 2-core machine): default size on SQLite under 60 s, on PostgreSQL
under 20 s, ``--scale 10`` on PostgreSQL under 180 s with peak memory under 1 GB. Each run gets a
temporary DATA_DIR and, for PostgreSQL, three uniquely named databases on 127.0.0.1:5432 that are
migrated first (not timed) and dropped afterwards. The timed part is the whole ``manage.py
seed_demo`` process; its peak resident memory is sampled with psutil. Prints wall time (median),
rows per table, rows/s, peak memory and the ratio to each target (below 1.0 meets it).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TARGET_MEMORY_MB = 1024
DATABASE_PREFIX = "bench_seed_"
DATABASES = {"DATABASE_URL": "portal", "CRM_DATABASE_URL": "crm", "TELEMETRY_DATABASE_URL": "telemetry"}
TABLES = {
    "crm": ("users", "prosthetics", "subscriptions", "payments", "support_tickets"),
    "telemetry": ("events", "battery_metrics"),
}


@dataclass(frozen=True)
class Case:
    name: str
    engine: str
    scale: int
    target_s: float
    memory_target: bool = False


CASES = {
    "sqlite": Case("sqlite", "sqlite", 1, 60.0),
    "postgresql": Case("postgresql", "postgresql", 1, 20.0),
    "postgresql-x10": Case("postgresql-x10", "postgresql", 10, 180.0, memory_target=True),
}


@dataclass
class Run:
    seconds: float
    cpu_seconds: float  # of the seed_demo process alone
    server_cpu_seconds: float  # of the PostgreSQL backends it used (0 for SQLite: in-process)
    peak_mb: float
    load_average: float  # 1-minute load average when the run started
    rows: dict[str, int]


def manage(env: dict, *args: str) -> None:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class ServerCpu:
    """CPU time of the PostgreSQL backends serving databases whose name has ``marker``: the
    server's share of the work (COPY ingest, index builds), which the seeding process does not
    see. Sampled while they live, so the last sample before a backend exits is counted."""

    def __init__(self, marker: str | None):
        self.marker = marker
        self.seconds_by_pid: dict[int, float] = {}

    def sample(self) -> None:
        if not self.marker:
            return
        for process in psutil.process_iter(["name", "cmdline", "cpu_times"]):
            info = process.info
            if info["name"] == "postgres" and self.marker in " ".join(info["cmdline"] or ()):
                times = info["cpu_times"]
                if times is not None:
                    self.seconds_by_pid[process.pid] = times.user + times.system

    @property
    def seconds(self) -> float:
        return sum(self.seconds_by_pid.values())


def timed_seed(env: dict, scale: int, server_cpu: ServerCpu) -> tuple[float, float, float]:
    """Runs seed_demo; returns wall seconds, CPU seconds and peak RSS (MB) of that process."""
    command = [PYTHON, "manage.py", "seed_demo", "--scale", str(scale), "--verbosity", "0"]
    cpu_before = _children_cpu_s()
    started = last_server_sample = time.perf_counter()
    process = psutil.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        if time.perf_counter() - last_server_sample > 0.25:
            server_cpu.sample()
            last_server_sample = time.perf_counter()
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"seed_demo failed:\n{process.stderr.read().decode()}")
    return seconds, _children_cpu_s() - cpu_before, peak / 2**20


@contextmanager
def postgres_databases(server_url: str):
    """Three fresh databases; yields their name prefix and the environment variables for them."""
    prefix = f"{DATABASE_PREFIX}{uuid.uuid4().hex[:8]}"
    names = {variable: f"{prefix}_{suffix}" for variable, suffix in DATABASES.items()}
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
        for name in names.values():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield prefix, {variable: f"{server_url}/{name}" for variable, name in names.items()}
        finally:
            for name in names.values():
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def count_rows(engine: str, env: dict) -> dict[str, int]:
    rows = {}
    for alias, tables in TABLES.items():
        if engine == "sqlite":
            connection = sqlite3.connect(Path(env["DATA_DIR"]) / f"{alias}.sqlite3")
        else:
            variable = "CRM_DATABASE_URL" if alias == "crm" else "TELEMETRY_DATABASE_URL"
            connection = psycopg.connect(env[variable])
        with connection:
            for table in tables:
                query = f"SELECT count(*) FROM {table}"  # noqa: S608 - fixed table names
                rows[table] = connection.execute(query).fetchone()[0]
        connection.close()
    return rows


def run_once(case: Case, server_url: str) -> Run:
    load_average = os.getloadavg()[0]
    data_dir = tempfile.mkdtemp(prefix="bench-seed-")
    env = {k: v for k, v in os.environ.items() if k not in DATABASES}
    env["DATA_DIR"] = data_dir
    try:
        with (
            postgres_databases(server_url) if case.engine == "postgresql" else _no_databases() as (
                prefix,
                urls,
            )
        ):
            env.update(urls)
            for alias in ("default", "crm", "telemetry"):
                manage(env, "migrate", "--noinput", "--database", alias)
            server_cpu = ServerCpu(prefix)
            seconds, cpu_seconds, peak_mb = timed_seed(env, case.scale, server_cpu)
            rows = count_rows(case.engine, env)
            return Run(seconds, cpu_seconds, server_cpu.seconds, peak_mb, load_average, rows)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def _no_databases():
    yield None, {}


def report(case: Case, runs: list[Run]) -> None:
    seconds = statistics.median(run.seconds for run in runs)
    peak_mb = statistics.median(run.peak_mb for run in runs)
    rows = runs[-1].rows
    total = sum(rows.values())
    print(f"\n{case.name}: seed_demo --scale {case.scale} ({len(runs)} run(s), median)")
    for table, count in rows.items():
        print(f"  {table:<16} {count:>10,}")
    print(f"  {'total':<16} {total:>10,} rows, {total / seconds:,.0f} rows/s")
    runs_text = ", ".join(f"{run.seconds:.1f} s (load {run.load_average:.1f})" for run in runs)
    cpu_seconds = statistics.median(run.cpu_seconds for run in runs)
    ratio = seconds / case.target_s
    print(f"  wall time        {seconds:8.1f} s   target {case.target_s:.0f} s   ratio {ratio:.2f}")
    print(f"                   (runs: {runs_text})")
    server_seconds = statistics.median(run.server_cpu_seconds for run in runs)
    print(f"  CPU time         {cpu_seconds:8.1f} s   seed_demo process")
    if case.engine == "postgresql":
        print(f"                   {server_seconds:8.1f} s   PostgreSQL backends serving it")
    memory = f"  peak memory      {peak_mb:8.0f} MB"
    if case.memory_target:
        memory += f"  target {TARGET_MEMORY_MB} MB  ratio {peak_mb / TARGET_MEMORY_MB:.2f}"
    print(memory)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="default: all three")
    parser.add_argument("--repeats", type=int, default=1, help="runs per case; the median is reported")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server URL")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    for name in args.case or list(CASES):
        case = CASES[name]
        report(case, [run_once(case, args.postgres) for _ in range(args.repeats)])


if __name__ == "__main__":
    main()
