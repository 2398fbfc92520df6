"""``manage.py check --deploy`` is clean with production settings, run as production would."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def deploy_check(tmp_path, **overrides):
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
