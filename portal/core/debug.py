"""What Django's debug error page (``DEBUG`` on) may show of the settings and the environment.

Django hides settings whose names look secret (``PASSWORD``, ``SECRET``, ``KEY``...), so database
passwords and ``AWS_SECRET_ACCESS_KEY`` are hidden already. A connection URL is not: the broker,
result backend, cache and ClickHouse URLs (``redis://:password@redis:6379/0``) carry their
password in the value. This filter masks the credentials of every URL it sees, in settings, nested
settings (``CACHES``), the request's environment (runserver copies ``os.environ`` into it) and
the traceback's local variables (a client's connection URL), and hides ``*_URL`` / ``DSN``
values with credentials that cannot be read as a URL at all.
"""

from __future__ import annotations

import re
from collections.abc import ItemsView
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

# scheme://user:password@host or scheme://token@host: everything between "://" and "@".
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")
_URL_SETTING = re.compile(r"(_URL|_URI|DSN|_LOCATION)$|^LOCATION$", re.IGNORECASE)


def mask_url_credentials(value: str, substitute: str) -> str:
    return _URL_CREDENTIALS.sub(lambda match: f"{match['scheme']}{substitute}@", value)


class CredentialsSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        if not isinstance(cleansed, str) or cleansed == self.cleansed_substitute:
            return cleansed
        masked = mask_url_credentials(cleansed, self.cleansed_substitute)
        if masked == cleansed and isinstance(key, str) and _URL_SETTING.search(key) and "@" in cleansed:
            return self.cleansed_substitute  # a URL-ish value with credentials we cannot parse
        return masked

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> ItemsView[str, Any]:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return {
            name: mask_url_credentials(value, self.cleansed_substitute) if isinstance(value, str) else value
            for name, value in variables
        }.items()
