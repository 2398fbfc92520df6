"""Report serving on the embedded defaults, measured against a real server process.

    .venv/bin/python bench/reports.py                 # fresh DATA_DIR: migrate, seed, ETL, then measure
    .venv/bin/python bench/reports.py --data-dir var  # an already seeded and processed DATA_DIR

Prints: the first (uncached) PDF render time, then the cached PDF download and the JSON month
report latency (median and p99) over 16 concurrent clients for 10 s, with ratios to the targets
(first PDF 0.5 s, cached p99 50 ms on a 2-core machine). Load comes from ``wrk`` when installed
(a separate C process), otherwise from Python threads.

The server is gunicorn with the production settings, ``deploy/gunicorn.conf.py`` (workers, threads,
preloading, the per-worker warm-up, the access log), only bound to a free 127.0.0.1 port; the
bench waits until every worker has warmed up, as a deployment's readiness check would, then signs
in through the portal's own local password login as the first demo customer.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import re
import runpy
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TARGET_FIRST_PDF_S = 0.5
TARGET_CACHED_P99_MS = 50.0
CLIENTS = 16
DURATION_S = 10
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
# What a deployment without overrides runs (the bench clears them from its environment).
SERVER_OVERRIDES = ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_MAX_REQUESTS")
DEMO_PASSWORD = "bionicpro-demo"  # noqa: S105 - the published local demo password (portal/demo/config.py)


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(env: dict) -> None:
    steps = [
        ("migrate", "--noinput"),
        ("migrate", "--noinput", "--database", "crm"),
        ("migrate", "--noinput", "--database", "telemetry"),
        ("migrate_clickhouse",),
        ("seed_demo", "--if-empty"),
        ("run_etl",),
        ("demo_logins",),
    ]
    for step in steps:
        started = time.perf_counter()
        manage(env, *step)
        print(f"  {' '.join(step):<40} {time.perf_counter() - started:6.1f} s", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_shape() -> dict:
    """deploy/gunicorn.conf.py's settings (workers, threads, ...) as the server reads them."""
    return runpy.run_path(str(GUNICORN_CONF))


@contextmanager
def gunicorn(env: dict, port: int):
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "--config", str(GUNICORN_CONF), "portal.wsgi:application"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,  # the access log
        stderr=subprocess.PIPE,
        text=True,
    )
    warm = threading.Semaphore(0)
    warm_lines: list[str] = []

    def follow_log():
        for line in server.stderr:
            if " warm: " in line:
                warm_lines.append(line.rsplit("[INFO] ", 1)[-1].strip())
                warm.release()
            elif " [INFO] " not in line:
                sys.stderr.write(line)

    threading.Thread(target=follow_log, daemon=True).start()
    try:
        deadline = time.monotonic() + 120
        for _ in range(server_shape()["workers"]):
            if not warm.acquire(timeout=max(0.0, deadline - time.monotonic())):
                sys.exit("gunicorn workers did not start")
        for line in warm_lines:
            print(f"  {line}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


def first_demo_login(env: dict) -> str:
    code = (
        "from portal.demo.logins import demo_customers; "
        "print(demo_customers().values_list('email', flat=True).first() or '')"
    )
    email = manage(env, "shell", "--no-imports", "-c", code).strip()
    if not email:
        sys.exit("no demo customer: seed_demo did not create any")
    return email


def sign_in(base: str, email: str) -> str:
    """The portal's local password login, as a browser does it; returns the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/")
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": email, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": csrf, "next": "/reports/"}
    ).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=form, headers={"Referer": base})  # noqa: S310 (our http URL)
    opener.open(request)
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if not session:
        sys.exit("local sign-in failed (is OIDC configured in the environment?)")
    return f"sessionid={session}"


def get(base: str, path: str, cookie: str) -> tuple[int, bytes, float]:
    parsed = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, body, elapsed


def processed_months(base: str, cookie: str) -> list[str]:
    status, body, _ = get(base, "/api/reports/me/", cookie)
    if status != 200:
        sys.exit(f"month list answered {status}: {body[:200]!r}")
    return [m["month"] for m in json.loads(body)["months"]]


def load_with_wrk(url: str, cookie: str) -> tuple[float, float, int]:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(CLIENTS),
            "-d",
            f"{DURATION_S}s",
            "--latency",
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    percentiles = {
        m[1]: _ms(m[2], m[3]) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    requests = int(re.search(r"(\d+) requests in", out)[1])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        sys.exit(f"{non_2xx[1]} non-2xx answers under load from {url}")
    return percentiles["50"], percentiles["99"], requests


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load_with_threads(base: str, path: str, cookie: str) -> tuple[float, float, int]:
    latencies: list[float] = []
    failures: list[int] = []
    stop = time.monotonic() + DURATION_S
    lock = threading.Lock()

    def client():
        while time.monotonic() < stop:
            status, _, elapsed = get(base, path, cookie)
            with lock:
                (latencies if status == 200 else failures).append(elapsed * 1000 if status == 200 else status)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"{len(failures)} failed requests under load on {path}")
    latencies.sort()
    return statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1], len(latencies)


def measure_load(base: str, path: str, cookie: str) -> tuple[float, float, int, str]:
    if shutil.which("wrk"):
        return (*load_with_wrk(base + path, cookie), "wrk")
    return (*load_with_threads(base, path, cookie), "python threads")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", help="an existing DATA_DIR with seeded and processed data")
    args = parser.parse_args()

    data_dir = (
        Path(args.data_dir).resolve() if args.data_dir else Path(tempfile.mkdtemp(prefix="bench-reports-"))
    )
    for name in SERVER_OVERRIDES:
        os.environ.pop(name, None)
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_LOCAL_DEVELOPMENT": "true",
        "DJANGO_DEBUG": "false",
    }
    for name in ("OIDC_RP_CLIENT_ID", "OIDC_OP_DISCOVERY_URL", "DATABASE_URL", "CLICKHOUSE_URL", "CACHE_URL"):
        env.pop(name, None)  # the embedded defaults, whatever this shell exports
    print(f"DATA_DIR {data_dir}")
    if not args.data_dir:
        print("Preparing the embedded demo (migrate, seed_demo, run_etl, demo_logins):", flush=True)
        prepare(env)
    email = first_demo_login(env)
    # Start cold: no rendered PDF and no cached JSON (the embedded defaults keep both in DATA_DIR).
    for cached in ("reports", "cache"):
        shutil.rmtree(data_dir / cached, ignore_errors=True)

    with gunicorn(env, free_port()) as base:
        cookie = sign_in(base, email)
        months = processed_months(base, cookie)
        if len(months) < 4:
            sys.exit(f"need at least 4 processed months, found {months}")
        # Complete months just before the month-to-date one, none of them rendered yet.
        fresh = months[-4:-1]
        renders = []
        for month in fresh:
            status, body, elapsed = get(base, f"/api/reports/me/{month}/pdf", cookie)
            if status != 200 or not body.startswith(b"%PDF"):
                sys.exit(f"PDF for {month} answered {status}")
            renders.append(elapsed)
        month = fresh[-1]
        get(base, f"/api/reports/me/{month}/", cookie)  # the JSON is cached by now; make sure
        pdf = measure_load(base, f"/api/reports/me/{month}/pdf", cookie)
        json_month = measure_load(base, f"/api/reports/me/{month}/", cookie)

    first = renders[0]
    print()
    # Other work on the machine inflates every figure; the load average says how busy it was.
    print("load average (1, 5, 15 min): " + ", ".join(f"{load:.1f}" for load in os.getloadavg()))
    shape = server_shape()
    workers = (
        f"{shape['workers']} sync workers"
        if shape["worker_class"] == "sync"
        else f"{shape['workers']} {shape['worker_class']} workers x {shape['threads']} threads"
    )
    shape = f"gunicorn {GUNICORN_CONF.relative_to(ROOT)}: {workers}"
    print(f"customer {email}, months {', '.join(fresh)} ({shape})")
    print(
        f"first PDF render (uncached, {fresh[0]}): {first:.3f} s; next two months: "
        + ", ".join(f"{r:.3f} s" for r in renders[1:])
        + f"; ratio to target {TARGET_FIRST_PDF_S} s: {first / TARGET_FIRST_PDF_S:.2f}"
        + " (workers warmed up: chDB and WeasyPrint started)"
    )
    for name, (median, p99, count, tool) in (("cached PDF download", pdf), ("JSON month report", json_month)):
        print(
            f"{name:<20} {CLIENTS} clients x {DURATION_S} s ({tool}): {count} requests, "
            f"median {median:.1f} ms, p99 {p99:.1f} ms; p99 ratio to target {TARGET_CACHED_P99_MS:.0f} ms: "
            f"{p99 / TARGET_CACHED_P99_MS:.2f}"
        )


if __name__ == "__main__":
    main()
