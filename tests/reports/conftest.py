import pytest


@pytest.fixture(autouse=True)
def _fresh_caches(fresh_report_caches):
    """Every report test starts with empty report caches (see tests/support/reports.py)."""
