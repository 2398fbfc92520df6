"""The telemetry change log (migration 0002): the database itself logs every row of events and
battery_metrics updated in place, prunes what is older than ROW_CHANGES_KEPT, and the views join
each logged change with the row as it is now. On SQLite locally, on PostgreSQL in CI."""

import datetime as dt

import pytest
from django.db import connections
from django.utils import timezone

from portal.telemetry.models import ROW_CHANGES_KEPT, BatteryMetric, Event, RowChange
from tests.support.factories import BatteryMetricFactory, EventFactory, utc

pytestmark = pytest.mark.django_db(databases="__all__")


def logged(table: str) -> list[int]:
    return sorted(RowChange.objects.filter(table_name=table).values_list("row_id", flat=True))


def test_inserts_and_deletes_are_not_logged_updates_are_each_row_once():
    events = [EventFactory(event_type="grip") for _ in range(3)]
    reading = BatteryMetricFactory()
    events[2].delete()
    assert logged("events") == [] and logged("battery_metrics") == []

    Event.objects.filter(pk__in=[events[0].pk, events[1].pk]).update(event_type="release")  # one statement
    BatteryMetric.objects.filter(pk=reading.pk).update(current_ma=10)

    assert logged("events") == [events[0].pk, events[1].pk]
    assert logged("battery_metrics") == [reading.pk]


def test_a_changed_id_logs_the_old_and_the_new_id():
    event = EventFactory()
    Event.objects.filter(pk=event.pk).update(id=event.pk + 1000)
    assert logged("events") == [event.pk, event.pk + 1000]


def test_changes_older_than_the_kept_period_are_pruned_by_the_next_update():
    horizon = timezone.now() - ROW_CHANGES_KEPT
    old, kept = -1, -2  # ids no event has
    RowChange.objects.create(table_name="events", row_id=old, changed_at=horizon - dt.timedelta(hours=1))
    RowChange.objects.create(table_name="events", row_id=kept, changed_at=horizon + dt.timedelta(hours=1))
    event = EventFactory()
    Event.objects.filter(pk=event.pk).update(event_type="error")
    assert logged("events") == [kept, event.pk]


def test_the_view_shows_each_changed_row_as_it_is_now_with_the_time_of_the_change():
    event = EventFactory(event_type="grip", occurred_at=utc(2024, 3, 1))
    before = timezone.now()
    Event.objects.filter(pk=event.pk).update(occurred_at=utc(2024, 4, 1))
    with connections["telemetry"].cursor() as cursor:
        cursor.execute("SELECT id, event_type, occurred_at, row_changed_at FROM telemetry_changed_events")
        rows = cursor.fetchall()
    assert len(rows) == 1
    row_id, event_type, occurred_at, changed_at = rows[0]
    assert (row_id, event_type) == (event.pk, "grip")
    assert str(occurred_at).startswith("2024-04-01")
    changed_at = changed_at if isinstance(changed_at, dt.datetime) else dt.datetime.fromisoformat(changed_at)
    if changed_at.tzinfo is None:  # SQLite's text, written in UTC like Django's
        changed_at = changed_at.replace(tzinfo=dt.UTC)
    assert before - dt.timedelta(seconds=5) <= changed_at <= timezone.now() + dt.timedelta(seconds=5)
