"""A long run of the portal on the embedded defaults: do threads and memory stay flat?

    .venv/bin/python bench/soak.py                      # fresh DATA_DIR, 10 minutes
    .venv/bin/python bench/soak.py --data-dir var --minutes 2

gunicorn with ``deploy/gunicorn.conf.py`` (its defaults: 3 sync workers, each warmed up) serves
every demo customer at once: cached reads (the month each customer reads most) mixed with
uncached ones (months and ``from``/``to`` ranges picked at random, PDFs of random months). Every
minute ``manage.py run_etl --from A --to B`` runs in a separate process and recomputes a random
two-month window, which invalidates those months for everyone and holds embedded chDB while it
runs, as the worker would.

Prints per minute: the threads and RSS of every web worker (a replaced worker shows up under its
new pid), the answers counted by class (2xx, 4xx, 503, other 5xx) and the ETL run. Expected: 0
answers 5xx other than 503; threads and RSS bounded after warm-up.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
import reports as reports_bench  # bench/reports.py: setup, sign-in and HTTP helpers

ROOT = reports_bench.ROOT
PYTHON = reports_bench.PYTHON
CLIENTS = 6
CACHED_SHARE = 0.6


def demo_emails(env: dict) -> list[str]:
    code = (
        "from portal.demo.logins import demo_customers; "
        "print('\\n'.join(demo_customers().values_list('email', flat=True)))"
    )
    return reports_bench.manage(env, "shell", "--no-imports", "-c", code).split()


@contextmanager
def gunicorn(env: dict, port: int):
    """The production server shape; yields (base URL, master process)."""
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "--config",
            str(reports_bench.GUNICORN_CONF),
            "portal.wsgi:application",
        ],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    warm = threading.Semaphore(0)
    replaced: list[str] = []

    def follow_log() -> None:
        for line in server.stderr:
            if " warm: " in line:
                warm.release()
            elif "replacing it" in line:
                replaced.append(line.rsplit("[INFO] ", 1)[-1].strip())
            elif " [INFO] " not in line and "Service Unavailable" not in line:  # 503s are counted
                sys.stderr.write(line)

    threading.Thread(target=follow_log, daemon=True).start()
    try:
        for _ in range(reports_bench.server_shape()["workers"]):
            if not warm.acquire(timeout=180):
                sys.exit("gunicorn workers did not start")
        yield f"http://127.0.0.1:{port}", psutil.Process(server.pid), replaced
    finally:
        server.terminate()
        try:
            server.wait(timeout=90)  # graceful: workers finish their requests
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.minute: collections.Counter = collections.Counter()
        self.total: collections.Counter = collections.Counter()
        self.examples: dict[int, str] = {}

    def add(self, status: int, path: str) -> None:
        kind = "2xx" if status < 300 else "4xx" if status < 500 else "503" if status == 503 else "5xx"
        with self.lock:
            self.minute[kind] += 1
            self.total[kind] += 1
            if kind in ("5xx", "4xx"):
                self.examples.setdefault(status, path)

    def take_minute(self) -> collections.Counter:
        with self.lock:
            minute, self.minute = self.minute, collections.Counter()
        return minute


def reader(base: str, cookie: str, months: list[str], tally: Tally, stop: threading.Event) -> None:
    rng = random.Random()
    hot = months[-2]  # the last complete month: what a customer opens most
    while not stop.is_set():
        if rng.random() < CACHED_SHARE:
            path = f"/api/reports/me/{hot}/"
        else:
            month = rng.choice(months)
            low, high = sorted(rng.sample(months, 2))
            path = rng.choice(
                [
                    f"/api/reports/me/{month}/",
                    f"/api/reports/me/?from={low}&to={high}",
                    f"/api/reports/me/{month}/pdf",
                ]
            )
        try:
            status, _, _ = reports_bench.get(base, path, cookie)
        except OSError:
            status = 599  # the connection itself failed: counted with the 5xx
        tally.add(status, path)


def etl_every_minute(env: dict, months: list[str], stop: threading.Event, log: list[str]) -> None:
    rng = random.Random()
    next_run = time.monotonic()
    while not stop.wait(max(0.0, next_run - time.monotonic())):
        next_run += 60
        start = rng.randrange(len(months) - 1)
        window = months[start : start + 2]
        started = time.perf_counter()
        result = subprocess.run(
            [PYTHON, "manage.py", "run_etl", "--from", window[0], "--to", window[-1]],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        outcome = "ok" if result.returncode == 0 else f"FAILED rc={result.returncode}: {result.stderr[-300:]}"
        log.append(
            f"run_etl --from {window[0]} --to {window[-1]}: {time.perf_counter() - started:.1f} s {outcome}"
        )


def worker_figures(master: psutil.Process) -> str:
    figures = []
    for worker in sorted(master.children(), key=lambda p: p.pid):
        try:
            figures.append(
                f"{worker.pid}: {worker.num_threads()} thr {worker.memory_info().rss / 2**20:.0f} MB"
            )
        except psutil.NoSuchProcess:
            continue
    return "; ".join(figures)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", help="an existing DATA_DIR with seeded and processed data")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    args = parser.parse_args()

    data_dir = (
        Path(args.data_dir).resolve() if args.data_dir else Path(tempfile.mkdtemp(prefix="bench-soak-"))
    )
    for name in (
        *reports_bench.SERVER_OVERRIDES,
        "CLICKHOUSE_PROCESS_MAX_THREADS",
        "REPORTS_CLICKHOUSE_WAIT",
    ):
        os.environ.pop(name, None)
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_LOCAL_DEVELOPMENT": "true",
        "DJANGO_DEBUG": "false",
    }
    for name in ("OIDC_RP_CLIENT_ID", "OIDC_OP_DISCOVERY_URL", "DATABASE_URL", "CLICKHOUSE_URL", "CACHE_URL"):
        env.pop(name, None)
    print(f"DATA_DIR {data_dir}")
    if not args.data_dir:
        print("Preparing the embedded demo (migrate, seed_demo, run_etl, demo_logins):", flush=True)
        reports_bench.prepare(env)
    emails = demo_emails(env)
    for cached in ("reports", "cache"):
        shutil.rmtree(data_dir / cached, ignore_errors=True)

    with gunicorn(env, reports_bench.free_port()) as (base, master, replaced):
        cookies = [reports_bench.sign_in(base, email) for email in emails]
        own_months = [reports_bench.processed_months(base, cookie) for cookie in cookies]
        months = max(own_months, key=len)
        shape = reports_bench.server_shape()
        print(
            f"{len(emails)} customers, {args.clients} clients, {len(months)} months, gunicorn "
            f"{shape['workers']} {shape['worker_class']} workers; {args.minutes:g} min; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print(f"minute 0 (warm): {worker_figures(master)}", flush=True)
        tally, stop, etl_log = Tally(), threading.Event(), []
        threads = [
            threading.Thread(
                target=reader,
                args=(base, cookies[i % len(cookies)], own_months[i % len(cookies)], tally, stop),
            )
            for i in range(args.clients)
        ]
        threads.append(threading.Thread(target=etl_every_minute, args=(env, months, stop, etl_log)))
        for thread in threads:
            thread.start()
        started = time.monotonic()
        shown_etl = shown_replaced = 0
        minute = 0
        while time.monotonic() - started < args.minutes * 60:
            time.sleep(min(60.0, args.minutes * 60 - (time.monotonic() - started)))
            minute += 1
            counts = tally.take_minute()
            answers = ", ".join(f"{kind} {counts[kind]}" for kind in ("2xx", "4xx", "503", "5xx"))
            print(f"minute {minute}: {answers} | {worker_figures(master)} | load {os.getloadavg()[0]:.1f}")
            for line in etl_log[shown_etl:] + replaced[shown_replaced:]:
                print(f"    {line}")
            shown_etl, shown_replaced = len(etl_log), len(replaced)
            sys.stdout.flush()
        stop.set()
        for thread in threads[:-1]:  # the readers; a run in progress finishes after the summary
            thread.join(timeout=120)
    total = tally.total
    print()
    print(
        f"total: {sum(total.values())} answers: 2xx {total['2xx']}, 4xx {total['4xx']}, 503 {total['503']}, "
        f"other 5xx {total['5xx']}; ETL runs {len(etl_log)} ({sum('ok' in line for line in etl_log)} ok); "
        f"workers replaced {len(replaced)}"
    )
    if tally.examples:
        print("examples of non-2xx/503 answers: " + ", ".join(f"{s} {p}" for s, p in tally.examples.items()))
    sys.stdout.flush()
    threads[-1].join()  # let the ETL run in progress finish rather than kill it


if __name__ == "__main__":
    main()
