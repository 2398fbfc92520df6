"""The ClickHouse connection the ETL steps use: the shared client (and, on embedded chDB, its
cross-process lock, held for one step at a time) with settings that bound the step's memory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from portal.reports.clickhouse.client import clickhouse

# Two threads and ~256k-row insert blocks: the machine has two cores, and bigger blocks only add
# memory (the embedded ClickHouse shares the worker's process) without making loads faster.
ETL_SETTINGS = {
    "max_threads": 2,
    "min_insert_block_size_rows": 262_144,
    "min_insert_block_size_bytes": 64 * 1024 * 1024,
}


@contextmanager
def etl_clickhouse() -> Iterator:
    with clickhouse() as client:
        for name, value in ETL_SETTINGS.items():
            client.set_client_setting(name, value)
        yield client
