"""The real gunicorn and the real nginx, started by a test as its own processes on free
127.0.0.1 ports. nginx runs the project's server block (deploy/nginx/templates), rendered with
test paths and ports; only the tiny top-level nginx.conf around it is the test's."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.support.deploy import NGINX_TEMPLATES, ROOT

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
READY_WAIT_SECONDS = 60
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_template(template: Path, values: dict[str, str]) -> str:
    """What the nginx image's envsubst does: fill in ${NAME} for the names given, nothing else."""
    text = PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template.read_text())
    missing = PLACEHOLDER.findall(text)
    assert not missing, f"{template.name} needs {missing}"
    return text


def wait_until_answering(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            requests.get(url, timeout=10, allow_redirects=False)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {READY_WAIT_SECONDS} s:\n{log.read_text()[-3000:]}")


@contextmanager
def running(command: list[str], *, env: dict[str, str], log: Path, ready_url: str) -> Iterator[None]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_answering(ready_url, process, log)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def gunicorn(*, port: int, env: dict[str, str], log: Path) -> Iterator[str]:
    """The portal's WSGI app under gunicorn with deploy/gunicorn.conf.py, one worker."""
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "1"}
    command = [str(GUNICORN), "--config", "deploy/gunicorn.conf.py", "portal.wsgi:application"]
    url = f"http://127.0.0.1:{port}"
    with running(command, env=env, log=log, ready_url=url + "/"):
        yield url


# TEST-NET-1: a load balancer address no test request comes from.
NO_EDGE_PROXY = "192.0.2.1/32"


def nginx_config(
    *,
    workdir: Path,
    port: int,
    upstream: str,
    static_root: Path,
    reports_root: Path | None = None,
    s3_bucket: tuple[str, str] | None = None,
    edge_proxy: str = NO_EDGE_PROXY,
) -> Path:
    """The project's server block; cached PDFs from ``reports_root`` (filesystem.conf) or, as in
    docker-compose, from ``s3_bucket`` = (host:port, bucket) (minio.conf)."""
    conf_d = workdir / "conf.d"
    (conf_d / "protected-reports").mkdir(parents=True)
    if s3_bucket is not None:
        backend = conf_d / "protected-reports" / "minio.conf"
        values = {"MINIO_UPSTREAM": s3_bucket[0], "MINIO_BUCKET": s3_bucket[1]}
    else:
        backend = conf_d / "protected-reports" / "filesystem.conf"
        values = {"REPORTS_STORAGE_ROOT": str(reports_root)}
    backend.write_text(
        render_template(NGINX_TEMPLATES / "protected-reports" / f"{backend.name}.template", values)
    )
    server = render_template(
        NGINX_TEMPLATES / "default.conf.template",
        {
            "NGINX_LISTEN": f"127.0.0.1:{port}",
            "PORTAL_HOSTNAME": "127.0.0.1",
            "PORTAL_UPSTREAM": upstream,
            "STATIC_ROOT": str(static_root),
            "PROTECTED_REPORTS_BACKEND": str(backend),
            "EDGE_PROXY_CIDR": edge_proxy,
        },
    )
    (conf_d / "default.conf").write_text(server)
    # As root, nginx's workers would drop to `nobody`, who cannot enter the test's private temp dirs.
    user = "user root;" if os.geteuid() == 0 else ""
    main = workdir / "nginx.conf"
    main.write_text(
        f"""{user}
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {conf_d}/*.conf;
}}
"""
    )
    return main


@contextmanager
def nginx(*, program: str, config: Path, port: int, log: Path) -> Iterator[str]:
    command = [program, "-c", str(config), "-p", str(config.parent), "-e", str(config.parent / "error.log")]
    url = f"http://127.0.0.1:{port}"
    with running(command, env=dict(os.environ), log=log, ready_url=url + "/nginx-health"):
        yield url
