"""deploy/gunicorn.conf.py: the production server shape bench/reports.py measures, and the
per-worker warm-up hook."""

import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
OVERRIDES = (
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_BIND",
    "GUNICORN_FORWARDED_ALLOW_IPS",
)


@pytest.fixture
def conf(monkeypatch):
    for name in OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    return lambda: runpy.run_path(str(CONF))


def test_defaults_are_sync_workers_preloaded_and_rarely_restarted(conf):
    settings = conf()
    assert (settings["workers"], settings["threads"], settings["worker_class"]) == (3, 1, "sync")
    assert settings["preload_app"] is True
    # A restart every 1000 requests put the p99 over a second under load.
    assert settings["max_requests"] >= 10_000


def test_x_forwarded_proto_is_believed_only_from_the_configured_proxy(conf, monkeypatch):
    assert conf()["forwarded_allow_ips"] == "127.0.0.1"
    monkeypatch.setenv("GUNICORN_FORWARDED_ALLOW_IPS", "172.28.10.10")
    assert conf()["forwarded_allow_ips"] == "172.28.10.10"


def test_threads_from_the_environment_switch_to_gthread(conf, monkeypatch):
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    assert (conf()["threads"], conf()["worker_class"]) == (4, "gthread")


def test_each_worker_warms_up_before_taking_requests(conf, monkeypatch):
    from portal.reports import warmup

    monkeypatch.setattr(warmup, "warm_up", lambda: {"clickhouse": 0.25, "pdf": None})
    logged = []

    class Worker:
        pid = 4242

        class log:  # gunicorn's worker.log
            @staticmethod
            def info(message, *args):
                logged.append(message % args)

    conf()["post_worker_init"](Worker())
    assert logged == ["Worker 4242 warm: clickhouse 0.25 s, pdf skipped"]
