"""Reading a claim by a configurable dotted path, e.g. Keycloak's ``realm_access.roles``."""


def claim_at(claims: dict, path: str):
    """The value at ``path`` (keys separated by dots), or None when any step is missing."""
    value = claims
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value
