"""The nightly schedule: a django-celery-beat periodic task, kept in the database so support staff
can edit it in the admin. Created idempotently by a data migration of the reports app."""

DAILY_TASK_NAME = "bionicpro_etl_daily"
DAILY_TASK = "etl.run_nightly"
DAILY_CRONTAB = {"minute": "0", "hour": "2", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}


def ensure_periodic_task(
    crontab_model, periodic_task_model, *, name: str, task: str, crontab: dict, description: str
) -> None:
    """Create the named periodic task (crontab in UTC) if it does not exist; never overwrite one
    that staff edited."""
    if periodic_task_model.objects.filter(name=name).exists():
        return
    schedule, _ = crontab_model.objects.get_or_create(**crontab, timezone="UTC")
    periodic_task_model.objects.create(name=name, task=task, crontab=schedule, description=description)


def ensure_daily_schedule(crontab_model, periodic_task_model) -> None:
    """``bionicpro_etl_daily`` at 02:00 UTC."""
    ensure_periodic_task(
        crontab_model,
        periodic_task_model,
        name=DAILY_TASK_NAME,
        task=DAILY_TASK,
        crontab=DAILY_CRONTAB,
        description="Nightly ETL of CRM and telemetry into the ClickHouse report marts (DESIGN.md).",
    )
