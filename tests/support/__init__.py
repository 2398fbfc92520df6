"""Importable test helpers and fixtures (registered through ``pytest_plugins`` in tests/conftest.py)."""
