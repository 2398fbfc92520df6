"""The ClickHouse connection the ETL steps use: the shared client (on embedded chDB, under its
cross-process lock, kept open across the run by ``clickhouse.client.held`` and given up between
statement batches only when a report read waits) with settings that bound the step's memory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from portal.clickhouse.client import clickhouse
from portal.etl import faults

# At most two threads per query: the embedded ClickHouse shares the worker's process and machine
# (two cores here), and more threads only add memory. Inserts are squashed into blocks of 128K
# rows instead of the default 1M: the full copy of 4.5M events then peaks at about 130 MB of
# ClickHouse memory instead of 300 MB, at no cost in time (bench/etl.py; a few more parts to merge).
INSERT_BLOCK_ROWS = 131_072
ETL_SETTINGS = {
    "max_threads": 2,
    "max_insert_block_size": INSERT_BLOCK_ROWS,
    "min_insert_block_size_rows": INSERT_BLOCK_ROWS,
}


@contextmanager
def etl_clickhouse() -> Iterator:
    """The ETL's client. Every step runs inside ``clickhouse.client.held()`` (``pipeline.run_step``),
    which keeps embedded chDB open and lets a waiting report read in between blocks."""
    with clickhouse() as client:
        for name, value in ETL_SETTINGS.items():
            client.set_client_setting(name, value)
        yield faults.armed(client)
