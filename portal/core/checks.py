"""Deploy checks of our own (``manage.py check --deploy``).

Django's own check on ``SECRET_KEY`` (security.W009) only looks at the key's length and variety,
so the committed local-development key passes it; this check names that key for what it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def secret_key_is_not_the_committed_one(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    if settings.SECRET_KEY != settings.LOCAL_DEVELOPMENT_SECRET_KEY:
        return []
    return [
        Error(
            "SECRET_KEY is the committed local-development key.",
            hint="Set DJANGO_SECRET_KEY to a long random string and PORTAL_LOCAL_DEVELOPMENT=false.",
            id="portal.E001",
        )
    ]
