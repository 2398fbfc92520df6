"""The nightly schedule: a django-celery-beat periodic task, kept in the database so support staff
can edit it in the admin. Created idempotently by a data migration of the reports app."""

DAILY_TASK_NAME = "bionicpro_etl_daily"
DAILY_TASK = "etl.run_nightly"
DAILY_CRONTAB = {"minute": "0", "hour": "2", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}


def ensure_daily_schedule(crontab_model, periodic_task_model) -> None:
    """Create ``bionicpro_etl_daily`` (02:00 UTC) if it does not exist; never overwrite an edited one."""
    if periodic_task_model.objects.filter(name=DAILY_TASK_NAME).exists():
        return
    schedule, _ = crontab_model.objects.get_or_create(**DAILY_CRONTAB, timezone="UTC")
    periodic_task_model.objects.create(
        name=DAILY_TASK_NAME,
        task=DAILY_TASK,
        crontab=schedule,
        description="Nightly ETL of CRM and telemetry into the ClickHouse report marts (DESIGN.md).",
    )
