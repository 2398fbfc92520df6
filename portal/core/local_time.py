"""The reader's time zone for dates and times on pages and in PDFs.

The browser tells its zone through the ``tz`` cookie (``static/js/timezone.js``); until it has,
Russian readers get Europe/Moscow and everyone else UTC. Only names the zone database knows are
taken. The API is unaffected: its serializers write UTC whatever zone is active.
"""

from __future__ import annotations

import re
import zoneinfo

from django.utils import timezone, translation

COOKIE = "tz"
DEFAULT_ZONES = {"ru": "Europe/Moscow"}
FALLBACK_ZONE = "UTC"
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")


def zone_name_for(cookie_value: str | None, language: str | None) -> str:
    if cookie_value and len(cookie_value) <= 64 and _ZONE_NAME.match(cookie_value):
        try:
            zoneinfo.ZoneInfo(cookie_value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return cookie_value
    return DEFAULT_ZONES.get((language or "").split("-")[0], FALLBACK_ZONE)


class LocalTimeZoneMiddleware:
    """After LocaleMiddleware: the language is known by then."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = zone_name_for(request.COOKIES.get(COOKIE), translation.get_language())
        request.time_zone_name = name
        timezone.activate(zoneinfo.ZoneInfo(name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
