"""Starting and stopping the processes the end-to-end tests talk to: the OpenID provider (Node,
``provider.mjs``) and the portal (``manage.py runserver``), each on a free port, each with a bounded
start-up wait and a clean stop (SIGTERM to its own process group, then SIGKILL)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests

BASE_DIR = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parents[1] / "e2e"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    name: str
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        # The service was started in its own session: its group id is its pid.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)


def start(name: str, command: list[str], *, env: dict, log_dir: Path, ready_url: str, url: str) -> Service:
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    service = Service(name, url, process, log_path)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{service.log_tail()}")
        try:
            if requests.get(ready_url, timeout=2).status_code < 500:
                return service
        except requests.RequestException:
            pass
        time.sleep(0.2)
    service.stop()
    raise RuntimeError(f"{name} did not answer {ready_url} within {START_TIMEOUT:g} s:\n{service.log_tail()}")


@dataclass(frozen=True)
class Client:
    client_id: str = "reports-portal"
    client_secret: str = "e2e-only-client-secret"


def start_provider(
    *, port: int, portal_url: str, accounts_file: Path, client: Client, log_dir: Path
) -> Service:
    url = f"http://127.0.0.1:{port}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "E2E_PROVIDER_PORT": str(port),
        "E2E_PROVIDER_ISSUER": url,
        "E2E_ACCOUNTS_FILE": str(accounts_file),
        "E2E_CLIENT_ID": client.client_id,
        "E2E_CLIENT_SECRET": client.client_secret,
        "E2E_REDIRECT_URIS": f"{portal_url}/oidc/callback/",
        "E2E_POST_LOGOUT_REDIRECT_URIS": f"{portal_url}/accounts/signed-out/",
        "E2E_ACCESS_TOKEN_TTL": "120",
    }
    return start(
        "provider",
        ["node", str(E2E_DIR / "provider.mjs")],
        env=env,
        log_dir=log_dir,
        ready_url=f"{url}/.well-known/openid-configuration",
        url=url,
    )


def database_url(settings_dict: dict) -> str:
    """A django-environ URL for the database a test connection uses (its test name)."""
    name = settings_dict["NAME"]
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{name}"
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{name}"


def start_portal(*, port: int, provider_url: str, client: Client, env: dict, log_dir: Path) -> Service:
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        **env,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "false",
        "PORTAL_LOCAL_DEVELOPMENT": "true",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OIDC_RP_CLIENT_ID": client.client_id,
        "OIDC_RP_CLIENT_SECRET": client.client_secret,
        "OIDC_OP_DISCOVERY_URL": f"{provider_url}/.well-known/openid-configuration",
        "OIDC_RP_SCOPES": "openid email",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "PYTHONUNBUFFERED": "1",
    }
    return start(
        "portal",
        [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        env=env,
        log_dir=log_dir,
        ready_url=f"{url}/accounts/signed-out/",
        url=url,
    )
