"""A database made by the migrations before the etl app existed (ETL runs in ``reports``) migrates
forward without losing a row: same table, same rows, and the permissions on ETL runs (held by
groups and users) now belong to ``etl.EtlRun``."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.etl.models import EtlRun

BEFORE_THE_MOVE = [("reports", "0004_sweep_report_files_schedule"), ("etl", None)]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def latest() -> list:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_etl_runs_and_their_permissions_survive_the_move_to_the_etl_app():
    executor = migrate(BEFORE_THE_MOVE)
    old_apps = executor.loader.project_state([BEFORE_THE_MOVE[0]]).apps
    OldEtlRun = old_apps.get_model("reports", "EtlRun")
    finished = dt.datetime(2026, 11, 30, 2, 1, tzinfo=dt.UTC)
    old_ids = [
        OldEtlRun.objects.create(
            trigger="schedule", status="success", mode="incremental", finished_at=finished,
            data_as_of=finished.replace(hour=0, minute=0), months_recomputed=["2026-11"],
            steps={"load": {"read": 10, "written": 10}},
        ).pk,
        OldEtlRun.objects.create(trigger="admin", status="failed", mode="full", error="boom").pk,
    ]  # fmt: skip
    # As an old database has it: the content type (and its permissions) under "reports".
    old_type = ContentType.objects.get(app_label="reports", model="etlrun")
    view = Permission.objects.get(content_type=old_type, codename="view_etlrun")
    auditors = Group.objects.create(name="etl-auditors")
    auditors.permissions.add(view)

    migrate(latest())

    assert sorted(EtlRun.objects.values_list("pk", flat=True)) == sorted(old_ids)
    nightly = EtlRun.objects.get(pk=old_ids[0])
    assert (nightly.status, nightly.months_recomputed, nightly.finished_at) == (
        "success",
        ["2026-11"],
        finished,
    )
    assert EtlRun.objects.get(pk=old_ids[1]).error == "boom"
    new_type = ContentType.objects.get_for_model(EtlRun)
    assert (new_type.pk, new_type.app_label) == (old_type.pk, "etl")
    assert not ContentType.objects.filter(app_label="reports", model="etlrun").exists()
    assert list(auditors.permissions.all()) == [Permission.objects.get(pk=view.pk)]
    assert auditors.permissions.get().content_type_id == new_type.pk
