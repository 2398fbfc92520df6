import pytest


@pytest.fixture(autouse=True)
def _fresh_caches(fresh_report_caches):
    """The portal server shares this run's caches: every journey starts with empty ones."""
