"""Reading a claim by a configurable dotted path, e.g. Keycloak's ``realm_access.roles``."""

from collections.abc import Mapping
from typing import Any


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` (keys separated by dots), or None when any step is missing."""
    value: Any = claims
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value
