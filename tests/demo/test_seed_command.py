"""``manage.py seed_demo`` against the real databases: loading, refusing, --reset, --if-empty."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connections

from portal.accounts.models import Account
from portal.crm.models import Payment, Prosthetic, Subscription, SupportTicket, User
from portal.demo.config import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, SUPPORT_GROUP, SUPPORT_LOGIN, DemoConfig
from portal.demo.crm_rows import build_crm
from portal.demo.rows import BatteryReadingRow, EventRow
from portal.demo.seeding import ALL_MODELS
from portal.demo.telemetry_rows import TelemetryStream
from portal.telemetry.models import BatteryMetric, Event

pytestmark = pytest.mark.django_db(databases="__all__")

SMALL = ["--years", "0.05", "--until", "2025-06-30"]
MODELS = [User, Prosthetic, Subscription, Payment, SupportTicket, Event, BatteryMetric]


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *SMALL, *args, stdout=out)
    return out.getvalue()


def counts():
    return {model._meta.db_table: model.objects.count() for model in MODELS}


def test_seed_demo_fills_every_source_table():
    seed("--seed", "3")
    assert all(counts().values()), counts()


def test_seed_demo_refuses_to_run_into_tables_that_have_rows():
    seed()
    before = counts()
    with pytest.raises(CommandError, match="--reset"):
        seed()
    assert counts() == before


def test_if_empty_is_a_quiet_no_op_when_data_is_there():
    seed("--seed", "1")
    before = counts()
    assert seed("--seed", "2", "--if-empty") == ""
    assert counts() == before


def test_reset_wipes_and_seeds_again():
    seed("--seed", "1")
    Event.objects.create(
        prosthetic_id=999, event_type="grip", occurred_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    seed("--seed", "1", "--reset")
    assert not Event.objects.filter(prosthetic_id=999).exists()
    assert Event.objects.order_by("id").first().id == 1


def test_seeded_customers_get_demo_logins_linked_by_crm_id():
    seed()
    customers = list(User.objects.all())
    assert all(customer.email.endswith(f"@{DEMO_EMAIL_DOMAIN}") for customer in customers)
    for customer in customers:
        login = get_user_model().objects.get(username=customer.email)
        assert login.check_password(DEMO_PASSWORD)
        assert not login.is_staff
        assert Account.objects.get(user=login).crm_user_id == customer.id
    support = get_user_model().objects.get(username=SUPPORT_LOGIN)
    assert support.is_staff and support.check_password(DEMO_PASSWORD)
    assert support.groups.filter(name=SUPPORT_GROUP).exists()


def test_demo_logins_command_prints_the_logins_and_recreates_missing_ones():
    seed()
    customer = User.objects.order_by("id").first()
    get_user_model().objects.filter(username=customer.email).delete()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert get_user_model().objects.filter(username=customer.email).exists()
    assert SUPPORT_LOGIN in out.getvalue()
    assert customer.email in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()


def test_demo_logins_without_demo_data_creates_nothing():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "No demo data" in out.getvalue()
    assert not get_user_model().objects.filter(username=SUPPORT_LOGIN).exists()


def test_loaded_rows_are_exactly_the_generated_rows():
    seed("--seed", "5")
    config = DemoConfig(seed=5, years=0.05, until=dt.date(2025, 6, 30))
    crm = build_crm(config)
    for table, rows in crm.tables().items():
        model = ALL_MODELS[table]
        assert list(model.objects.order_by("id").values_list(*rows[0]._fields)) == rows, table
    chunk = next(TelemetryStream(config, crm.devices).chunks())
    loaded_events = Event.objects.order_by("id")[: len(chunk.events)]
    assert [(*event[:-1], json.loads(event[-1]) if event[-1] else None) for event in chunk.events] == list(
        loaded_events.values_list(*EventRow._fields)
    )
    loaded_readings = BatteryMetric.objects.order_by("id")[: len(chunk.readings)]
    assert chunk.readings == list(loaded_readings.values_list(*BatteryReadingRow._fields))


def test_indexes_dropped_for_the_bulk_load_are_back_afterwards():
    seed()
    connection = connections["telemetry"]
    for model in (Event, BatteryMetric):
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
        assert {index.name for index in model._meta.indexes} <= set(constraints)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--scale", "0"], "scale"), (["--years", "0"], "years"), (["--until", "2025-13-01"], "YYYY-MM-DD")],
)
def test_bad_arguments_are_refused_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *args)
    assert not any(counts().values())
