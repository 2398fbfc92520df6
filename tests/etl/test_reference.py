"""The ETL against an independent Python computation (tests/etl/reference.py) on seeded demo data:
every cell of both marts, after a full run and after the next nightly run."""

import datetime as dt

import pytest
from django.core.management import call_command

from tests.support import reference
from tests.support.etl import PROSTHETIC_MART, USER_MART, etl_db, mart_rows, run_etl, without_data_as_of
from tests.support.factories import utc

# Three months of demo history; data_as_of falls inside the last month, with data after it.
SEED_UNTIL = dt.date(2024, 3, 20)
DATA_AS_OF = utc(2024, 3, 15)


@pytest.fixture
def seeded(etl_clickhouse):
    call_command("seed_demo", "--years", "0.25", "--until", SEED_UNTIL.isoformat(), verbosity=0)


def assert_marts_match_reference(data_as_of):
    assert without_data_as_of(mart_rows(USER_MART)) == reference.user_mart(data_as_of)
    assert without_data_as_of(mart_rows(PROSTHETIC_MART)) == reference.prosthetic_mart(data_as_of)


@etl_db
def test_full_and_nightly_runs_on_seeded_data_match_an_independent_python_computation(seeded):
    full = run_etl(data_as_of=DATA_AS_OF)
    assert full.status == "success", full.error
    assert len(mart_rows(PROSTHETIC_MART)) > 10
    assert_marts_match_reference(DATA_AS_OF)

    nightly = run_etl(data_as_of=DATA_AS_OF + dt.timedelta(days=1))
    assert nightly.status == "success", nightly.error
    assert_marts_match_reference(DATA_AS_OF + dt.timedelta(days=1))
