"""Real Celery worker processes on a real Redis broker, on this test's databases and folders."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def require_redis() -> None:
    """Skip without Redis locally; in CI (REQUIRE_E2E) a missing Redis is a failure."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_E2E"):
            pytest.fail(f"no Redis at {REDIS_URL}, which CI must provide")
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_REDIS_URL)")


def database_url(alias: str) -> str:
    db = connections[alias].settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def portal_env(**extra: str) -> dict[str, str]:
    """Environment for another portal process: this test's databases, ClickHouse, data folder, a
    Redis broker and a queue of its own (no other worker on this Redis takes its tasks)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATA_DIR": str(settings.DATA_DIR),
        "CLICKHOUSE_URL": settings.CLICKHOUSE_URL,
        "DATABASE_URL": database_url("default"),
        "CRM_DATABASE_URL": database_url("crm"),
        "TELEMETRY_DATABASE_URL": database_url("telemetry"),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": f"test-{uuid.uuid4().hex}",
    }
    env.update(extra)
    return env


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    celery = str(Path(sys.executable).with_name("celery"))
    return subprocess.Popen(
        [celery, "-A", "workers", "worker", "--pool", "solo", "--without-mingle", "--without-gossip"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_in_portal(env: dict[str, str], code: str) -> None:
    """Python code in a fresh ``manage.py shell`` (e.g. queueing a task on the real broker)."""
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
