"""What every step of one run needs to know, read from its ``EtlRun`` and the baseline run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings

from portal.etl import runs
from portal.etl.models import EtlRun

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Rows re-read behind a watermark: a source row committed late (a long transaction) may carry a
# received_at/updated_at a little older than rows already read. Re-read rows are skipped by id.
WATERMARK_OVERLAP = dt.timedelta(days=1)


@dataclass(frozen=True)
class RunContext:
    run_id: int
    mode: str
    data_as_of: dt.datetime
    started_at: dt.datetime
    month_from: dt.date | None = None
    month_to: dt.date | None = None
    # The last successful nightly/full run; run id 0 and the epoch when there is none.
    baseline_id: int = 0
    baseline_data_as_of: dt.datetime = EPOCH
    baseline_watermarks: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)
    reads_mirrors: bool = False

    @classmethod
    def of(cls, run: EtlRun) -> RunContext:
        if run.data_as_of is None or run.started_at is None:  # runs.claim() sets both
            raise ValueError(f"ETL run #{run.pk} has not been claimed")
        baseline = runs.baseline_run(run.pk)
        return cls(
            run_id=run.pk,
            mode=run.mode,
            data_as_of=run.data_as_of,
            started_at=run.started_at,
            month_from=run.month_from,
            month_to=run.month_to,
            baseline_id=baseline.pk if baseline else 0,
            baseline_data_as_of=(baseline.data_as_of if baseline else None) or EPOCH,
            baseline_watermarks=(baseline.watermarks if baseline else {}) or {},
            steps=run.steps or {},
            reads_mirrors=run.reads_mirrors,
        )

    @property
    def is_full(self) -> bool:
        return self.mode == EtlRun.Mode.FULL

    @property
    def is_range(self) -> bool:
        return self.mode == EtlRun.Mode.RANGE

    @property
    def database(self) -> str:
        return settings.CLICKHOUSE_DATABASE

    def watermark(self, table: str) -> dt.datetime | None:
        """Read source rows changed after this instant (None: read everything)."""
        value = self.baseline_watermarks.get(table)
        if self.is_full or not value:
            return None
        return dt.datetime.fromisoformat(value) - WATERMARK_OVERLAP

    def parameters(self) -> dict:
        """Query parameters every statement may use."""
        return {
            "db": self.database,
            "run_id": self.run_id,
            "baseline_id": self.baseline_id,
            "data_as_of": ch_time(self.data_as_of),
            "baseline_data_as_of": ch_time(self.baseline_data_as_of),
        }


def ch_time(value: dt.datetime) -> str:
    """A DateTime64(6, 'UTC') query parameter."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
