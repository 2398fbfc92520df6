"""Test helpers shared across the suite: factories, fixtures and fake or real servers.

Fixture modules here are registered once through ``pytest_plugins`` in tests/conftest.py; tests
import helpers from this package, never from a conftest.py or from another test module."""
