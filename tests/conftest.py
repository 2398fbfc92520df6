"""Shared fixtures. Databases are real: SQLite files locally, PostgreSQL in CI (see .ci/run)."""
