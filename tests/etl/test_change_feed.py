"""The change feed: pgoutput decoded from a real PostgreSQL slot into ClickHouse mirrors."""

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.test import override_settings

from portal.clickhouse.client import clickhouse
from portal.etl.feed import drain as feed_drain
from portal.etl.feed.drain import PEEK, drain
from portal.etl.feed.pgoutput import Begin, Commit, Decoder, RowChange
from portal.etl.feed.publications import FEEDS, SchemaChanged, health
from portal.etl.feed.setup import set_up, tear_down
from portal.etl.feed.snapshot import SnapshotMissing, forget_snapshot
from portal.etl.refresh import refresh_marts
from portal.telemetry.models import Event
from tests.support.factories import (
    BatteryMetricFactory,
    CrmUserFactory,
    EventFactory,
    PaymentFactory,
    ProstheticFactory,
    SubscriptionFactory,
    SupportTicketFactory,
    utc,
)
from tests.support.feed import mirror_rows, mirror_version_count, source_rows

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
CRM, TELEMETRY = FEEDS
ALL_TABLES = CRM.tables + TELEMETRY.tables


def drain_all() -> None:
    with clickhouse() as client:
        for feed in FEEDS:
            drain(feed, client)


def some_of_everything():
    owner = CrmUserFactory(created_at=utc(2024, 1, 5))
    arm = ProstheticFactory(user=owner, activated_at=utc(2024, 1, 6))
    SubscriptionFactory(user=owner, prosthetic=arm)
    payment = PaymentFactory(user=owner, paid_at=utc(2024, 2, 1, 10), status="success")
    SupportTicketFactory(user=owner, prosthetic=arm, created_at=utc(2024, 2, 3))
    event = EventFactory(prosthetic_id=arm.pk, event_type="power_on", occurred_at=utc(2024, 2, 5))
    BatteryMetricFactory(prosthetic_id=arm.pk, measured_at=utc(2024, 2, 5, 1))
    return owner, arm, payment, event


def peeked_messages(feed):
    with transaction.atomic(using=feed.alias), connections[feed.alias].cursor() as cursor:
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        cursor.execute(PEEK, [feed.name, 1000, feed.name])
        rows = cursor.fetchall()
    decoder = Decoder()
    return [message for message in (decoder.decode(bytes(data)) for _lsn, data in rows) if message]


def test_pgoutput_messages_decode_into_transactions_and_typed_row_changes(change_feed):
    owner = CrmUserFactory(created_at=utc(2024, 1, 5))
    payment = PaymentFactory(user=owner, amount="12.50", paid_at=utc(2024, 2, 1, 10, 30), status="failed")
    payment.status = "success"
    payment.save()
    payment_id = payment.pk
    payment.delete()

    messages = peeked_messages(CRM)
    changes = [m for m in messages if isinstance(m, RowChange) and m.relation.name == "payments"]

    assert [c.kind for c in changes] == ["insert", "update", "delete"]
    inserted = changes[0].new
    assert (inserted["id"], inserted["amount"], inserted["status"]) == (str(payment_id), "12.50", "failed")
    assert inserted["paid_at"] == "2024-02-01 10:30:00+00"
    assert changes[1].new["status"] == "success"
    assert changes[2].old["id"] == str(payment_id)  # REPLICA IDENTITY DEFAULT: only the key
    assert isinstance(messages[0], Begin)
    assert sum(isinstance(m, Commit) for m in messages) == sum(isinstance(m, Begin) for m in messages)


def test_after_a_drain_every_mirror_equals_its_source_table(change_feed):
    some_of_everything()

    drain_all()

    for table in ALL_TABLES:
        assert mirror_rows(table) == source_rows(table), table
        assert source_rows(table), f"the scenario writes {table}"


def test_updates_and_deletes_reach_the_mirrors(change_feed):
    _owner, arm, payment, event = some_of_everything()
    drain_all()

    payment.paid_at = utc(2024, 3, 1)  # a payment moved between months
    payment.save()
    Event.objects.filter(pk=event.pk).delete()
    arm.model = "BionicPRO X3"
    arm.save()
    drain_all()

    for table in ALL_TABLES:
        assert mirror_rows(table) == source_rows(table), table


def test_a_drain_that_fails_before_the_mirror_write_loses_nothing(change_feed):
    some_of_everything()
    with override_settings(CLICKHOUSE_DATABASE="no_such_database"), pytest.raises(Exception, match="no_such"):
        drain_all()
    assert health(CRM).lag_bytes > 0  # the slot was not advanced

    drain_all()

    for table in ALL_TABLES:
        assert mirror_rows(table) == source_rows(table), table
    assert health(CRM).oldest_unread_at is None


def test_changes_written_twice_leave_one_row_per_source_row(change_feed):
    some_of_everything()
    with clickhouse() as client:
        # A tick that died after writing the mirrors and before advancing the slot...
        for feed in FEEDS:
            feed_drain._write(client, feed_drain._decode(feed, feed_drain._peek(feed, 10_000)))
    stored = mirror_version_count("payments")

    drain_all()  # ... is followed by one that writes the same changes again and advances.

    assert mirror_version_count("payments") == 2 * stored
    for table in ALL_TABLES:
        assert mirror_rows(table) == source_rows(table), table


def test_a_schema_change_in_a_published_table_stops_the_feed_with_a_clear_error(change_feed):
    owner = CrmUserFactory(created_at=utc(2024, 1, 5))
    with connections["crm"].cursor() as cursor:
        cursor.execute("ALTER TABLE payments ADD COLUMN note text")
    try:
        with connections["crm"].cursor() as cursor:
            cursor.execute(
                "INSERT INTO payments (user_id, amount, currency, status, method, paid_at, created_at, "
                "updated_at, note) VALUES (%s, 1, 'RUB', 'success', 'card', now(), now(), now(), 'x')",
                [owner.pk],
            )
        with pytest.raises(SchemaChanged, match=r"payments changed \(columns added: \['note'\]"):
            drain_all()
    finally:
        with connections["crm"].cursor() as cursor:
            cursor.execute("ALTER TABLE payments DROP COLUMN note")
    assert health(CRM).lag_bytes > 0  # nothing was skipped


def test_setup_change_feed_is_idempotent_and_drop_removes_the_slots(change_feed, capsys):
    call_command("setup_change_feed")
    again = capsys.readouterr().out
    assert "crm: nothing to do" in again and "bytes of WAL retained" in again

    call_command("setup_change_feed", "--drop")
    assert "dropped slot" in capsys.readouterr().out
    assert not health(CRM).exists and not health(TELEMETRY).exists


def test_rows_already_in_the_source_are_copied_into_the_mirrors_when_the_feed_is_set_up(change_feed):
    some_of_everything()
    for feed in FEEDS:  # a feed set up on a source that already has rows
        tear_down(feed)
        set_up(feed)
    with override_settings(CHANGE_FEED_BATCH_CHANGES=1):
        drain_all()  # nothing waits in the new slots; the copy holds everything

    for table in ALL_TABLES:
        assert mirror_rows(table) == source_rows(table), table


def test_a_tick_refuses_a_feed_whose_initial_copy_never_completed(change_feed):
    with clickhouse() as client:
        forget_snapshot(CRM, client)
    CrmUserFactory(created_at=utc(2024, 1, 5))

    with pytest.raises(SnapshotMissing, match="setup_change_feed --drop"):
        refresh_marts()
