"""What the ETL tells the apps above it, without importing them (reports -> etl, never back).

``run_succeeded(sender=EtlRun, run_id=...)`` is sent after a run's success is committed: the
marts hold its months and its ``data_as_of``. Receivers must be quick (queue a task)."""

from django.dispatch import Signal

run_succeeded = Signal()
