"""``manage.py check --deploy`` is clean with production settings, run as production would."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def deploy_check(tmp_path, **overrides: str | None):
    """``check --deploy`` in a fresh process; an override of None leaves that variable unset."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_", "PORTAL_"))},
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "reports.bionicpro.example",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://reports.bionicpro.example",
        "PORTAL_LOCAL_DEVELOPMENT": "false",
        "DATA_DIR": str(tmp_path),
        "OIDC_RP_CLIENT_ID": "reports-portal",
        "OIDC_RP_CLIENT_SECRET": secrets.token_urlsafe(24),
        "OIDC_OP_DISCOVERY_URL": "https://sso.bionicpro.example/realms/reports-realm/.well-known/openid-configuration",
        **overrides,
    }
    env = {name: value for name, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = deploy_check(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_local_development_settings(tmp_path):
    """The control: the same check does complain about plain-http cookies."""
    result = deploy_check(tmp_path, PORTAL_LOCAL_DEVELOPMENT="true")

    assert result.returncode != 0
    assert "security.W012" in result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = deploy_check(tmp_path, DJANGO_SECRET_KEY=None)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in result.stderr
    assert "PORTAL_LOCAL_DEVELOPMENT=false" in result.stderr


def test_local_development_starts_without_a_secret_key_but_the_deploy_check_names_the_key(tmp_path):
    result = deploy_check(tmp_path, PORTAL_LOCAL_DEVELOPMENT="true", DJANGO_SECRET_KEY=None)

    assert "ImproperlyConfigured" not in result.stderr
    assert "portal.E001" in result.stdout + result.stderr
    assert result.returncode != 0


def test_trusting_x_forwarded_proto_requires_the_proxy_address(tmp_path):
    result = deploy_check(tmp_path, DJANGO_BEHIND_TLS_PROXY="true")

    assert result.returncode != 0
    assert "DJANGO_BEHIND_TLS_PROXY needs PORTAL_TRUSTED_PROXIES" in result.stderr
    assert (
        deploy_check(
            tmp_path, DJANGO_BEHIND_TLS_PROXY="true", PORTAL_TRUSTED_PROXIES="172.28.10.10/32"
        ).returncode
        == 0
    )
