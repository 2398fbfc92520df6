"""The environment of a portal server (gunicorn) that a test starts as its own process, on the
test's databases and embedded ClickHouse."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.db import connections

from tests.support.processes import database_url

PROTECTED_PREFIX = "/protected-reports/"
# Settings that must not leak from the caller's shell into the server: no OIDC (the local sign-in
# stays on), no S3 unless the test gives one, no https redirect, no broker.
LEAKY_PREFIXES = ("OIDC_", "AWS_", "DJANGO_SECURE_", "DJANGO_BEHIND_", "CELERY_")


def server_environment(static_root: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(LEAKY_PREFIXES)}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_LOCAL_DEVELOPMENT": "true",
        "DATABASE_URL": database_url(connections["default"].settings_dict),
        "CRM_DATABASE_URL": database_url(connections["crm"].settings_dict),
        "TELEMETRY_DATABASE_URL": database_url(connections["telemetry"].settings_dict),
        "CLICKHOUSE_URL": settings.CLICKHOUSE_URL,
        "REPORTS_STORAGE_ROOT": str(settings.REPORTS_STORAGE_ROOT),
        "REPORTS_X_ACCEL_REDIRECT_PREFIX": PROTECTED_PREFIX,
        "STATIC_ROOT": str(static_root),
    }
