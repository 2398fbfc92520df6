"""The ClickHouse connection the ETL steps use: the shared client (and, on embedded chDB, its
cross-process lock, held for one step at a time) with settings that bound the step's memory."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from portal.reports.clickhouse.client import clickhouse, is_embedded

# At most two threads per query: the embedded ClickHouse shares the worker's process and machine
# (two cores here), and more threads only add memory. Insert block sizes stay at their defaults:
# smaller blocks mean more parts and background merges competing with the load itself.
ETL_SETTINGS = {"max_threads": 2}


# After a step releases the embedded chDB lock, wait this long before the next step takes it:
# report requests poll for the lock every 50 ms (so each waiting one tries within this pause), and
# without a pause the ETL would take it back first every time: a page would wait for the whole run
# instead of one step.
READER_HANDOFF_SECONDS = 0.075


@contextmanager
def etl_clickhouse() -> Iterator:
    with clickhouse() as client:
        for name, value in ETL_SETTINGS.items():
            client.set_client_setting(name, value)
        yield client
    if is_embedded():
        time.sleep(READER_HANDOFF_SECONDS)
