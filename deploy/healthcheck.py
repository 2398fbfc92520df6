"""Container health checks for the portal image (standard library only, no Django start-up).

``web``: the portal answers a request for ``/`` with something other than a server error.
``beat``: the Celery beat process named in its pid file is alive.
"""

import http.client
import os
import sys
from pathlib import Path

# Where deploy/entrypoint.sh tells beat to write its pid (container-local /tmp by default).
BEAT_PIDFILE = Path(os.environ.get("CELERY_BEAT_PIDFILE", "/tmp/celerybeat.pid"))  # noqa: S108


def web_is_healthy() -> bool:
    # Ask with the public host name: Django refuses hosts that are not in ALLOWED_HOSTS.
    host = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1").split(",")[0]
    connection = http.client.HTTPConnection("127.0.0.1", int(os.environ.get("PORT", "8000")), timeout=4)
    connection.request("GET", "/", headers={"Host": host, "X-Forwarded-Proto": "https"})
    return connection.getresponse().status < 500


def beat_is_healthy() -> bool:
    try:
        os.kill(int(BEAT_PIDFILE.read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True


CHECKS = {"web": web_is_healthy, "beat": beat_is_healthy}

if __name__ == "__main__":
    try:
        healthy = CHECKS[sys.argv[1]]()
    except (OSError, http.client.HTTPException):
        healthy = False
    sys.exit(0 if healthy else 1)
