"""The daily sweep removes stored PDFs that no request can ask for any more (a superseded data
version, an old layout) and keeps the current ones and anything younger than the grace period.
The files are real downloads through the API, stored by the real storage backend."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from portal.reports.cache import PDF_LAYOUT_VERSION
from portal.reports.services import GRACE, sweep_report_files
from tests.support.reports import DATA_AS_OF, record_etl_run
from workers.celery_app import app

pytestmark = pytest.mark.django_db(databases="__all__")

LATER = DATA_AS_OF + dt.timedelta(days=1)


def stored_pdfs(crm_user_id: int, month: str) -> set[str]:
    directory = f"reports/{crm_user_id}/{month}"
    return set(default_storage.listdir(directory)[1]) if default_storage.exists(directory) else set()


def download(client, month: str) -> None:
    response = client.get(f"/api/reports/me/{month}/pdf")
    assert response.status_code == 200


@pytest.fixture
def downloads(client, reports_world):
    """March and February downloaded; then a new run recomputes March and March is downloaded again."""
    client.force_login(reports_world.customer_a)
    download(client, "2025-03")
    download(client, "2025-02")
    crm_id = reports_world.crm_a.pk
    superseded = stored_pdfs(crm_id, "2025-03")
    record_etl_run(data_as_of=LATER, months=["2025-03"])
    download(client, "2025-03")
    current = stored_pdfs(crm_id, "2025-03") - superseded
    assert len(superseded) == len(current) == 1
    return {"crm_id": crm_id, "superseded": superseded, "current": current}


def test_superseded_versions_and_old_layouts_are_removed_and_current_files_kept(downloads):
    crm_id = downloads["crm_id"]
    (current,) = downloads["current"]
    old_layout = current.replace(f"layout{PDF_LAYOUT_VERSION}", f"layout{PDF_LAYOUT_VERSION - 1}")
    default_storage.save(f"reports/{crm_id}/2025-03/{old_layout}", ContentFile(b"%PDF old layout"))
    february = stored_pdfs(crm_id, "2025-02")

    result = sweep_report_files(now=timezone.now() + GRACE + dt.timedelta(minutes=1))

    assert stored_pdfs(crm_id, "2025-03") == downloads["current"]
    assert stored_pdfs(crm_id, "2025-02") == february  # its version did not change
    assert (result.removed, result.kept) == (2, 2)


def test_files_younger_than_the_grace_period_are_kept(downloads):
    result = sweep_report_files()

    assert result.removed == 0
    assert stored_pdfs(downloads["crm_id"], "2025-03") == downloads["superseded"] | downloads["current"]


def test_the_command_reports_what_it_removed(downloads, capsys):
    call_command("sweep_report_files")  # all files are younger than the grace period
    assert capsys.readouterr().out.strip() == "Removed 0 stored PDF(s), kept 3."


def test_the_sweep_is_scheduled_daily_after_the_nightly_etl():
    call_command("setup_periodic_tasks")
    task = PeriodicTask.objects.get(name="bionicpro_sweep_report_files")
    assert task.task == "reports.sweep_report_files"
    app.loader.import_default_modules()  # what a worker does when it starts
    assert task.task in app.tasks
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("3", "30", "UTC")
