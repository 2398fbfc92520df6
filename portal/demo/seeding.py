"""Fills the CRM and telemetry databases with the demo data, or explains why it will not."""

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from django.db import router, transaction
from django.db.models import Model

from portal.crm.models import Payment, Prosthetic, Subscription, SupportTicket, User
from portal.demo.config import DemoConfig
from portal.demo.crm_rows import build_crm
from portal.demo.loaders import loader_for
from portal.demo.logins import ensure_demo_logins, remove_demo_logins
from portal.demo.telemetry_rows import TelemetryStream
from portal.telemetry.models import BatteryMetric, Event

# In foreign-key order; the keys are the table names the generator produces.
CRM_MODELS = {
    "users": User,
    "prosthetics": Prosthetic,
    "subscriptions": Subscription,
    "payments": Payment,
    "support_tickets": SupportTicket,
}
TELEMETRY_MODELS = {"events": Event, "battery_metrics": BatteryMetric}
ALL_MODELS = {**CRM_MODELS, **TELEMETRY_MODELS}


@dataclass
class SeedProgress:
    """Called back as the seeding goes: ``rows`` per table so far, ``days_done`` of ``days``."""

    days: int
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ALL_MODELS, 0))
    days_done: int = 0


def _alias(model: type[Model]) -> str:
    return router.db_for_write(model)


def tables_with_rows() -> list[str]:
    return [
        table for table, model in ALL_MODELS.items() if model._default_manager.using(_alias(model)).exists()
    ]


def wipe_demo_data() -> None:
    """Empties the seven source tables and removes the customers' demo logins."""
    for models in (CRM_MODELS, TELEMETRY_MODELS):
        alias = _alias(next(iter(models.values())))
        with transaction.atomic(using=alias):
            loader_for(alias).wipe(list(models.values()))
    remove_demo_logins()


def seed_demo_data(
    config: DemoConfig, on_progress: Callable[[SeedProgress], None] | None = None
) -> SeedProgress:
    """Generates and loads everything in one transaction per database; both roll back on error."""
    progress = SeedProgress(days=config.days)
    report = on_progress or (lambda _progress: None)
    crm_alias, telemetry_alias = _alias(User), _alias(Event)
    crm_loader, telemetry_loader = loader_for(crm_alias), loader_for(telemetry_alias)
    crm = build_crm(config)
    with ExitStack() as stack:
        stack.enter_context(transaction.atomic(using=crm_alias))
        stack.enter_context(transaction.atomic(using=telemetry_alias))
        for table, rows in crm.tables().items():
            crm_loader.load(table, rows)
            progress.rows[table] = len(rows)
        crm_loader.finish(list(CRM_MODELS.values()))
        report(progress)
        telemetry_loader.prepare(list(TELEMETRY_MODELS.values()))
        for chunk in TelemetryStream(config, crm.devices).chunks():
            telemetry_loader.load("events", chunk.events)
            telemetry_loader.load("battery_metrics", chunk.readings)
            progress.rows["events"] += len(chunk.events)
            progress.rows["battery_metrics"] += len(chunk.readings)
            progress.days_done = chunk.days_done
            report(progress)
        telemetry_loader.finish(list(TELEMETRY_MODELS.values()))
    ensure_demo_logins()
    return progress
