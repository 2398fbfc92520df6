"""Shared helpers for the tests (importable; registered fixtures go through tests/conftest.py)."""
