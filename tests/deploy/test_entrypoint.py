"""deploy/entrypoint.sh, the image's entry point: its `migrate` role (the compose one-shot that
web, worker and beat wait for) leaves every database migrated, the ClickHouse schema applied, the
nightly ETL scheduled and the static files collected. Run for real, on embedded defaults in a
temporary folder (the same commands run against PostgreSQL and ClickHouse in compose)."""

import os
import re
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis

from tests.support.deploy import ROOT, require

ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def clean_environment(data_dir) -> dict[str, str]:
    """Only what the image sets: no database URL from the shell may point at a shared database."""
    return {
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        "HOME": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_SECRET_KEY": "entrypoint-test-" + "k" * 40,
        "DATA_DIR": str(data_dir),
        "STATIC_ROOT": str(data_dir / "static"),
        "PYTHONUNBUFFERED": "1",  # as in the image
    }


def test_the_migrate_role_prepares_databases_schema_schedule_and_static_files(tmp_path):
    env = clean_environment(tmp_path)
    result = subprocess.run(
        ["sh", str(ENTRYPOINT), "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]

    with sqlite3.connect(tmp_path / "portal.sqlite3") as portal:
        (task,) = portal.execute(
            "SELECT t.task, c.minute, c.hour FROM django_celery_beat_periodictask t "
            "JOIN django_celery_beat_crontabschedule c ON c.id = t.crontab_id "
            "WHERE t.name = 'bionicpro_etl_daily'"
        ).fetchall()
    assert task[1:] == ("0", "2")
    for alias, table in (("crm", "users"), ("telemetry", "events")):
        with sqlite3.connect(tmp_path / f"{alias}.sqlite3") as database:
            assert database.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)  # noqa: S608
    assert (tmp_path / "static" / "css" / "portal.css").is_file()

    again = subprocess.run(
        ["python", "manage.py", "migrate_clickhouse"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "up to date" in again.stdout, again.stderr[-2000:]


def test_the_beat_role_runs_the_database_scheduler_and_its_health_check_follows_it(tmp_path):
    env = {**clean_environment(tmp_path), "CELERY_BEAT_PIDFILE": str(tmp_path / "beat.pid")}
    migrate = ["python", "manage.py", "migrate", "--noinput"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    check = ["python", "deploy/healthcheck.py", "beat"]
    assert subprocess.run(check, cwd=ROOT, env=env, timeout=30, check=False).returncode == 1

    log = tmp_path / "beat.log"
    with log.open("wb") as output:
        beat = subprocess.Popen(
            ["sh", str(ENTRYPOINT), "beat"], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 120
        while (
            "DatabaseScheduler" not in log.read_text() and beat.poll() is None and time.monotonic() < deadline
        ):
            time.sleep(0.5)
        assert "django_celery_beat.schedulers.DatabaseScheduler" in log.read_text()
        healthy = subprocess.run(check, cwd=ROOT, env=env, timeout=30, check=False)
        assert healthy.returncode == 0, log.read_text()
    finally:
        beat.terminate()
        beat.wait(timeout=60)
    assert subprocess.run(check, cwd=ROOT, env=env, timeout=30, check=False).returncode == 1


def worker_environment(tmp_path) -> tuple[str, dict[str, str]]:
    """A worker's node name and environment, with queues of its own: it must not take tasks meant
    for anyone else on this Redis."""
    node = f"deploy-test-{uuid.uuid4().hex[:8]}"
    return node, {
        **clean_environment(tmp_path),
        "HOSTNAME": node,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": f"deploy-test-{node}",
        "MARTS_REFRESH_QUEUE": f"deploy-test-{node}-marts",
    }


@pytest.mark.parametrize(
    ("role", "consumes"), [("worker", "CELERY_TASK_DEFAULT_QUEUE"), ("refresher", "MARTS_REFRESH_QUEUE")]
)
def test_each_worker_role_answers_its_compose_health_check_and_consumes_its_queue(tmp_path, role, consumes):
    require(redis_answers(REDIS_URL), f"no Redis at {REDIS_URL} (set TEST_REDIS_URL)")
    _node, env = worker_environment(tmp_path)
    env["CELERY_WORKER_CONCURRENCY"] = "1"
    # The health check of the service in docker-compose.yml.
    prefix = "celery" if role == "worker" else role
    ping = ["sh", "-c", f'celery -A workers inspect ping --timeout 5 -d "{prefix}@$HOSTNAME"']
    queues = ["sh", "-c", f'celery -A workers inspect active_queues --timeout 5 -d "{prefix}@$HOSTNAME"']
    assert (
        subprocess.run(ping, cwd=ROOT, env=env, capture_output=True, timeout=60, check=False).returncode != 0
    )

    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            ["sh", str(ENTRYPOINT), role], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 120
        answered = False
        while not answered and worker.poll() is None and time.monotonic() < deadline:
            result = subprocess.run(ping, cwd=ROOT, env=env, capture_output=True, timeout=60, check=False)
            answered = result.returncode == 0
        assert answered, log.read_text()[-3000:]
        listing = subprocess.run(
            queues, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
        )
        consumed = set(re.findall(r"'name': '([^']+)'", listing.stdout))
        assert consumed == {env[consumes]}, listing.stdout
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def test_the_refresher_replaces_its_pool_process_after_a_task_past_its_memory_cap(tmp_path):
    """Each engine start keeps a few MB and threads, so the refresher's pool process is replaced
    after the task in which its resident memory passed MARTS_REFRESHER_MAX_MEMORY_KB; with a cap
    of 1 KB, after every task."""
    require(redis_answers(REDIS_URL), f"no Redis at {REDIS_URL} (set TEST_REDIS_URL)")
    node, env = worker_environment(tmp_path)
    env["MARTS_REFRESHER_MAX_MEMORY_KB"] = "1"
    ping = ["sh", "-c", f'celery -A workers inspect ping --timeout 5 -d "refresher@{node}"']
    # A built-in task that needs no database, sent to the refresher's own queue.
    call = [
        "celery",
        "-A",
        "workers",
        "call",
        "celery.backend_cleanup",
        "--queue",
        env["MARTS_REFRESH_QUEUE"],
    ]
    log = tmp_path / "refresher.log"
    with log.open("wb") as output:
        refresher = subprocess.Popen(
            ["sh", str(ENTRYPOINT), "refresher"], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    children = Path(f"/proc/{refresher.pid}/task/{refresher.pid}/children")  # sh execs celery

    def pool_processes() -> set[str]:
        return set(children.read_text().split())

    try:
        deadline = time.monotonic() + 120
        while subprocess.run(ping, cwd=ROOT, env=env, capture_output=True, timeout=60).returncode:
            assert refresher.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        before = pool_processes()
        subprocess.run(call, cwd=ROOT, env=env, capture_output=True, timeout=60, check=True)
        deadline = time.monotonic() + 60
        while pool_processes() in (before, set()):
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        assert len(before) == 1 and pool_processes().isdisjoint(before)
    finally:
        refresher.terminate()
        refresher.wait(timeout=60)
