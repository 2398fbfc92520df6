"""Shared test helpers, importable (never from a conftest.py); fixtures registered through
``pytest_plugins`` in tests/conftest.py."""
