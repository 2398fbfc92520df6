"""gunicorn settings for the portal's web container (and the nginx end-to-end test).

Every value can be overridden from the environment without rebuilding the image.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers, one request at a time per process, behind nginx (which buffers slow clients, the
# case gunicorn's sync worker is made for). A cached report costs about 1 ms of CPU, all of it under
# the GIL, so threads add queueing rather than throughput: on 2 cores with 16 busy clients
# (bench/reports.py) 3 sync workers kept the p99 at 22-27 ms, 3 x 2 gthread threads at 36-66 ms
# and 2 x 8 at 60-90 ms. GUNICORN_THREADS > 1 switches to gthread workers.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# The application is imported once in the master and forked: a restarted worker is ready at once.
# Nothing at import opens a database or ClickHouse (embedded chDB must not start before a fork).
preload_app = True
# Restart workers now and then so a slow leak never takes a container down. Not too often: a
# restart costs the worker's warm-up (below), and at 1000 requests a worker restarted every few
# seconds under load, which alone put the p99 over a second.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
# X-Forwarded-Proto sets the request's scheme only from these peers: nginx's fixed address in
# docker-compose (gunicorn's own default, 127.0.0.1, otherwise). Never "*": the port may be reachable.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# No query strings in the access log: nothing sensitive is ever logged.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
worker_tmp_dir = "/dev/shm"  # noqa: S108 (gunicorn heartbeat files; avoids slow overlay disks)


def post_worker_init(worker):
    """Before the worker takes requests: start ClickHouse (embedded chDB) and WeasyPrint in it,
    so a customer's first report does not pay for them (``portal/reports/warmup.py``)."""
    from portal.reports.warmup import warm_up

    timings = warm_up()
    worker.log.info(
        "Worker %s warm: %s",
        worker.pid,
        ", ".join(f"{part} {'skipped' if s is None else f'{s:.2f} s'}" for part, s in timings.items()),
    )
