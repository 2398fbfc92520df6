"""Monthly report e-mails for every customer of a closed month, through a real SMTP server.

    .venv/bin/python bench/delivery.py                 # fresh DATA_DIR: seed_demo --scale 10, ETL
    .venv/bin/python bench/delivery.py --years 2.5     # the demo's full history (slower to seed)
    .venv/bin/python bench/delivery.py --data-dir DIR  # an already seeded and processed DATA_DIR

One Celery worker (solo pool, as ``make demo`` runs it) on a Redis broker (``TEST_REDIS_URL``,
default redis://127.0.0.1:6379/15, a queue of its own) sends last month's e-mails to an aiosmtpd
server in this process. Two passes: cold (no PDF stored yet: every e-mail renders its PDF) and
warm (the same month again after the rows are cleared: every PDF comes from storage, as after
customers have opened their reports). Prints total time, e-mails per second and PDF renders per
pass; the target is the cold pass under 60 s for the 120 customers of ``--scale 10``.

The history is 4 months by default (``--years 0.34``): an e-mail reads one month and the month
before (and the PDF's 12-month payment chart), so a longer history costs seeding time, not
delivery time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
TARGET_S = 60.0


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(env: dict, scale: int, years: float) -> None:
    steps = [
        ("migrate", "--noinput"),
        ("migrate", "--noinput", "--database", "crm"),
        ("migrate", "--noinput", "--database", "telemetry"),
        ("migrate_clickhouse",),
        ("seed_demo", "--if-empty", "--scale", str(scale), "--years", str(years)),
        ("run_etl",),
    ]
    for step in steps:
        started = time.perf_counter()
        manage({**env, "REPORT_DELIVERY_ENABLED": "false"}, *step)  # the bench queues delivery itself
        print(f"  {' '.join(step):<40} {time.perf_counter() - started:6.1f} s", flush=True)


def stored_pdfs(data_dir: Path) -> int:
    return sum(1 for _ in (data_dir / "reports").rglob("*.pdf"))


def deliver_once(env: dict, data_dir: Path, smtp) -> dict:
    """Queue the coordinator for the latest run and wait until every row is finished."""
    from portal.reports.delivery.models import MonthlyEmail

    unfinished = ["pending", "preparing", "sending"]
    pdfs_before, mails_before = stored_pdfs(data_dir), len(smtp.received)
    started = time.perf_counter()
    manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from portal.reports.tasks import deliver_closed_month as d; d.delay()",
    )
    while not MonthlyEmail.objects.exists() or MonthlyEmail.objects.filter(status__in=unfinished).exists():
        if time.perf_counter() - started > 900:
            sys.exit("delivery did not finish in 15 minutes")
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    statuses = {s: MonthlyEmail.objects.filter(status=s).count() for s in ("sent", "failed", "skipped")}
    return {
        "seconds": elapsed,
        "emails": len(smtp.received) - mails_before,
        "renders": stored_pdfs(data_dir) - pdfs_before,
        "statuses": statuses,
        "month": MonthlyEmail.objects.values_list("month", flat=True).first(),
    }


def report(name: str, result: dict) -> None:
    rate = result["emails"] / result["seconds"] if result["seconds"] else 0.0
    print(
        f"  {name:<5} {result['emails']:4d} e-mails in {result['seconds']:6.1f} s = {rate:5.2f} e-mails/s, "
        f"{result['renders']:4d} PDF renders; rows {result['statuses']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", help="an existing DATA_DIR with seeded and processed data")
    parser.add_argument("--scale", type=int, default=10, help="seed_demo --scale for a fresh DATA_DIR")
    parser.add_argument("--years", type=float, default=0.34, help="seed_demo --years for a fresh DATA_DIR")
    args = parser.parse_args()
    data_dir = (
        Path(args.data_dir).resolve() if args.data_dir else Path(tempfile.mkdtemp(prefix="bench-mail-"))
    )
    for name in ("DATABASE_URL", "CRM_DATABASE_URL", "TELEMETRY_DATABASE_URL", "CLICKHOUSE_URL", "CACHE_URL"):
        os.environ.pop(name, None)  # the embedded defaults, whatever this shell exports
    from tests.support.smtp import SmtpServer

    smtp = SmtpServer().start()
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "CELERY_BROKER_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CELERY_TASK_DEFAULT_QUEUE": f"bench-mail-{uuid.uuid4().hex}",
        "EMAIL_URL": smtp.url,
        "REPORT_DELIVERY_ENABLED": "true",
        "LOG_LEVEL": "WARNING",  # the figures, not a log line per task and SMTP command
    }
    print(f"DATA_DIR {data_dir}; SMTP {smtp.url}; load average {os.getloadavg()[0]:.1f}")
    if not args.data_dir:
        print(f"Preparing (seed_demo --scale {args.scale} --years {args.years}, run_etl):", flush=True)
        prepare(env, args.scale, args.years)
    os.environ.update(env)
    import django

    django.setup()
    from portal.reports.delivery.models import MonthlyEmail

    MonthlyEmail.objects.all().delete()
    worker = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "celery"),
            "-A",
            "workers",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        cold = deliver_once(env, data_dir, smtp)
        print(f"Month {cold['month']:%Y-%m}, one worker (solo pool):")
        report("cold", cold)
        MonthlyEmail.objects.all().delete()
        report("warm", deliver_once(env, data_dir, smtp))
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        smtp.stop()
    verdict = "meets" if cold["seconds"] < TARGET_S else "MISSES"
    load = os.getloadavg()[0]
    print(f"Cold pass {cold['seconds']:.1f} s {verdict} the {TARGET_S:.0f} s target; load average {load:.1f}")


if __name__ == "__main__":
    main()
