"""gunicorn settings for the portal's web container (and the nginx end-to-end test).

Every value can be overridden from the environment without rebuilding the image.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: report requests are short reads; the PDF render is CPU-bound and cached.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so a slow leak never takes a container down.
max_requests = 1000
max_requests_jitter = 100
# The web port is not published: only nginx reaches it, so its X-Forwarded-* headers are trusted.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")
accesslog = "-"
errorlog = "-"
# No query strings in the access log: nothing sensitive is ever logged.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
worker_tmp_dir = "/dev/shm"  # noqa: S108 (gunicorn heartbeat files; avoids slow overlay disks)
