import pytest
from django.core.management import call_command
from django.db import connections

from portal.crm.models import Payment, Prosthetic, Subscription, SupportTicket, User
from portal.etl.models import EtlRun
from portal.telemetry.models import BatteryMetric, Event

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.mark.parametrize(
    ("model", "alias"),
    [
        (User, "crm"),
        (Prosthetic, "crm"),
        (Subscription, "crm"),
        (Payment, "crm"),
        (SupportTicket, "crm"),
        (Event, "telemetry"),
        (BatteryMetric, "telemetry"),
        (EtlRun, "default"),
    ],
)
def test_each_app_lives_in_its_own_database(model, alias):
    tables = connections[alias].introspection.table_names()
    assert model._meta.db_table in tables
    for other in set(connections) - {alias}:
        assert model._meta.db_table not in connections[other].introspection.table_names()


def test_source_tables_have_the_fixed_column_names_of_the_design():
    expected = {
        ("crm", "users"): {
            "id", "email", "full_name", "phone", "country", "city", "created_at", "updated_at",
        },
        ("crm", "payments"): {
            "id", "user_id", "subscription_id", "amount", "currency", "status", "method", "paid_at",
            "created_at", "updated_at",
        },
        ("telemetry", "events"): {
            "id", "prosthetic_id", "event_type", "occurred_at", "received_at", "error_code", "payload",
        },
        ("telemetry", "battery_metrics"): {
            "id", "prosthetic_id", "measured_at", "charge_pct", "voltage_v", "current_ma", "temperature_c",
            "is_charging", "received_at",
        },
    }  # fmt: skip
    for (alias, table), columns in expected.items():
        with connections[alias].cursor() as cursor:
            described = connections[alias].introspection.get_table_description(cursor, table)
        assert {column.name for column in described} == columns


def test_saving_a_crm_row_bumps_updated_at_for_the_incremental_etl():
    user = User.objects.create(email="a@example.com", full_name="A")
    first = user.updated_at
    user.city = "Kazan"
    user.save(update_fields=["city"])
    user.refresh_from_db()
    assert user.updated_at > first


def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
