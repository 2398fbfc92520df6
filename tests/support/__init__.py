"""Shared test helpers (importable; fixtures are registered through ``pytest_plugins``)."""
