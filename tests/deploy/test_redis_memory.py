"""The compose Redis instances have a memory cap and the eviction policy their data needs: the
broker never drops a queued task (noeviction: a full broker refuses the write with an error), the
cache evicts (allkeys-lru). Each runs here as a real redis-server with the compose file's own
command line, on a free port, with a tiny cap so that it fills up."""

import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from tests.support import servers
from tests.support.deploy import load_compose, require_program

PASSWORD = "compose-test-password"
DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")


def compose_command(service: str) -> str:
    """The ``sh -c`` script of the service, as compose would run it with the defaults of .env."""
    command = load_compose()["services"][service]["command"]
    assert command[:2] == ["sh", "-c"]
    return DEFAULT.sub(lambda match: match.group(2), command[2]).replace("$$", "$")


@contextmanager
def redis_from_compose(service: str, tmp_path, *, maxmemory: str) -> Iterator[redis.Redis]:
    require_program("redis-server")
    port = servers.free_port()
    # The test's own additions come last, so they override the compose file's port and cap only.
    script = (
        compose_command(service) + f" --port {port} --bind 127.0.0.1 --dir {tmp_path} --maxmemory {maxmemory}"
    )
    process = subprocess.Popen(
        ["sh", "-c", script],
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "REDIS_PASSWORD": PASSWORD},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port, password=PASSWORD)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        yield client
    finally:
        process.terminate()
        process.wait(timeout=20)


def fill(client: redis.Redis, prefix: str, *, count: int, size: int = 10_000) -> None:
    for number in range(count):
        client.set(f"{prefix}:{number}", b"x" * size)


def test_compose_caps_both_redis_instances_and_picks_their_policies():
    broker, cache = compose_command("redis"), compose_command("redis-cache")

    assert "--maxmemory 256mb --maxmemory-policy noeviction" in broker
    assert "--maxmemory 512mb --maxmemory-policy allkeys-lru" in cache


def test_a_full_broker_refuses_new_writes_and_keeps_every_queued_task(tmp_path):
    with redis_from_compose("redis", tmp_path, maxmemory="3mb") as broker:
        assert broker.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
        broker.rpush("celery", *[b"task" * 100 for _ in range(100)])
        with pytest.raises(redis.exceptions.ResponseError, match="used memory > 'maxmemory'"):
            fill(broker, "filler", count=2_000)

        assert broker.llen("celery") == 100


def test_a_full_cache_evicts_old_keys_and_keeps_accepting_writes(tmp_path):
    with redis_from_compose("redis-cache", tmp_path, maxmemory="3mb") as cache:
        assert cache.config_get("maxmemory-policy")["maxmemory-policy"] == "allkeys-lru"
        fill(cache, "report", count=2_000)

        assert cache.dbsize() < 2_000
        assert cache.get("report:1999") is not None


def test_the_portal_cache_is_not_the_broker():
    environment = load_compose()["x-portal-environment"]
    assert "@redis-cache:" in environment["CACHE_URL"]
    assert "@redis:" in environment["CELERY_BROKER_URL"]
