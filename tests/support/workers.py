"""Real Celery worker processes on a real Redis broker, on this test's databases and folders."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.broker import REDIS_URL, redis_available
from tests.support.etl import process_env


def require_redis() -> None:
    """Skip without Redis locally; in CI (REQUIRE_E2E) a missing Redis is a failure."""
    if not redis_available():
        if os.environ.get("REQUIRE_E2E"):
            pytest.fail(f"no Redis at {REDIS_URL}, which CI must provide")
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_REDIS_URL)")


def portal_env(**extra: str) -> dict[str, str]:
    """``process_env`` with a Redis broker and a queue of its own (no other worker on this Redis
    takes its tasks)."""
    queue = f"test-{uuid.uuid4().hex}"
    return process_env(CELERY_BROKER_URL=REDIS_URL, CELERY_TASK_DEFAULT_QUEUE=queue, **extra)


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
