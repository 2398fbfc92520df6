import pytest


@pytest.fixture(autouse=True)
def _english_pages(english):
    """Account pages in English here, so assertions can quote the English text."""


@pytest.fixture(autouse=True)
def _fresh_caches(fresh_report_caches):
    """Reports read in these tests start from empty caches (see tests/support/reports.py)."""
