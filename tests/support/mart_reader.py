"""A reader process for the kill tests: polls the marts through the portal's own read functions
(portal/reports/marts.py, what the API and the PDF use) while ETL runs are killed around it, and
writes what it saw as JSON lines.

    python -m tests.support.mart_reader OUT_FILE USER_ID [USER_ID ...]

Each poll reads one customer's month list and one month (the list's last month, then the one
before, ...). A problem is a month listed twice, a prosthesis listed twice in a month, or a last
month whose user row and prosthesis rows carry different ``data_as_of`` (in the kill test every
run moves data_as_of, so it rebuilds the last month in both marts, and one run's rows of it
share its data_as_of). A busy ClickHouse (the API's 503) is counted too. SIGTERM ends the loop;
the last line is the summary.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import signal
import sys
import time
from pathlib import Path

STOP = False
# Between polls: a waiting reader makes the embedded ETL close and reopen chDB after its current
# statement batch, and every such hand-off restarts the engine on both sides. At 0.2 s the
# hand-offs, not the kills, took most of the test's time.
POLL_PAUSE_SECONDS = 1.0


def _stop(_signum: int, _frame: object) -> None:
    global STOP
    STOP = True


def month_problems(user_id: int, month_index: int) -> list[str]:
    from portal.core.months import add_months
    from portal.reports import marts

    listed = marts.user_months(user_id=user_id, month_from=None, month_to=None)
    months = [row["month"] for row in listed]
    problems = [f"user {user_id}: a month listed twice: {months}"] if len(set(months)) != len(months) else []
    if not months:
        return problems
    month = months[-1 - month_index % len(months)]
    rows = marts.month_rows(user_id=user_id, month=month, history_from=month, previous=add_months(month, -1))
    user_rows = [row for row in rows.user_history if row["month"] == month]
    prosthetic_ids = [row["prosthetic_id"] for row in rows.prosthetics]
    if len(user_rows) != 1 or len(set(prosthetic_ids)) != len(prosthetic_ids):
        problems.append(f"user {user_id} {month}: {len(user_rows)} user rows, prostheses {prosthetic_ids}")
    runs = {str(row["data_as_of"]) for row in user_rows + rows.prosthetics}
    if month == months[-1] and len(runs) > 1:
        problems.append(f"user {user_id} {month}: rows from different runs: {sorted(runs)}")
    return problems


def main(out: Path, user_ids: list[int]) -> None:
    import django

    django.setup()
    from portal.clickhouse.client import chdb_path, is_embedded
    from portal.clickhouse.keeper import engine_kept_running
    from portal.reports.errors import ReportsBusy

    signal.signal(signal.SIGTERM, _stop)
    reads = busy = 0
    # Thousands of polls: keep the engine running between them (handed to the ETL whenever it
    # waits) instead of starting it for each, which leaked threads and gigabytes here.
    keeper = engine_kept_running(chdb_path()) if is_embedded() else contextlib.nullcontext()
    with keeper, out.open("w") as log:
        for poll in itertools.count():
            if STOP:
                break
            user_id = user_ids[poll % len(user_ids)]
            try:
                problems = month_problems(user_id, poll // len(user_ids))
            except ReportsBusy:
                busy += 1
                continue
            reads += 1
            for problem in problems:
                log.write(json.dumps({"problem": problem}) + "\n")
                log.flush()
            time.sleep(POLL_PAUSE_SECONDS)
        log.write(json.dumps({"reads": reads, "busy": busy}) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [int(arg) for arg in sys.argv[2:]])
