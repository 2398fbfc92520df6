"""The production storage path, run for real: PDFs in an S3 bucket through django-storages
(``storages.backends.s3.S3Storage``, as portal/settings.py configures it when a bucket is named),
against moto's S3-protocol server (tests/support/s3.py): store, serve, and the daily sweep."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from portal.etl.models import EtlRun
from portal.reports.cache import PDF_LAYOUT_VERSION
from portal.reports.services import GRACE, sweep_report_files

pytestmark = pytest.mark.django_db(databases="__all__")

MARCH = "2025-03"


def recompute_in_a_new_run(month: str) -> None:
    """A later successful run that recomputed ``month``: its stored PDFs are superseded."""
    run = EtlRun.objects.latest("pk")
    run.pk, run.months_recomputed = None, [month]
    run.data_as_of += dt.timedelta(days=1)
    run.save(force_insert=True)


def download(client, month: str) -> bytes:
    response = client.get(f"/api/reports/me/{month}/pdf")
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_rendered_pdf_is_stored_in_the_bucket_and_later_served_from_it(client, reports_world, s3_storage):
    client.force_login(reports_world.customer_a)
    first = download(client, MARCH)
    (key,) = s3_storage.keys(f"reports/{reports_world.crm_a.pk}/{MARCH}/")
    stored = s3_storage.client().get_object(Bucket=s3_storage.name, Key=key)["Body"].read()
    assert first.startswith(b"%PDF-") and stored == first
    # Replaced in the bucket behind the portal's back: the next download must come from there.
    s3_storage.client().put_object(Bucket=s3_storage.name, Key=key, Body=b"%PDF-from-the-bucket")

    assert download(client, MARCH) == b"%PDF-from-the-bucket"


@pytest.fixture
def superseded_and_current(client, reports_world, s3_storage):
    """March and February downloaded; a new run recomputes March; March downloaded again."""
    client.force_login(reports_world.customer_a)
    download(client, MARCH)
    download(client, "2025-02")
    prefix = f"reports/{reports_world.crm_a.pk}/"
    superseded = s3_storage.keys(prefix + MARCH)
    recompute_in_a_new_run(MARCH)
    download(client, MARCH)
    current = s3_storage.keys(prefix + MARCH) - superseded
    assert len(superseded) == len(current) == 1
    return {"prefix": prefix, "superseded": superseded, "current": current}


def test_the_sweep_removes_superseded_pdfs_from_the_bucket_and_keeps_current_ones(
    s3_storage, superseded_and_current
):
    prefix = superseded_and_current["prefix"]
    (current,) = superseded_and_current["current"]
    old_layout = current.replace(f"layout{PDF_LAYOUT_VERSION}", f"layout{PDF_LAYOUT_VERSION - 1}")
    default_storage.save(old_layout, ContentFile(b"%PDF old layout"))
    february = s3_storage.keys(prefix + "2025-02")

    result = sweep_report_files(now=timezone.now() + GRACE + dt.timedelta(minutes=1))

    assert s3_storage.keys(prefix + MARCH) == superseded_and_current["current"]
    assert s3_storage.keys(prefix + "2025-02") == february
    assert (result.removed, result.kept) == (2, 2)


def test_the_sweep_keeps_recent_pdfs_in_the_bucket(s3_storage, superseded_and_current):
    result = sweep_report_files()

    assert result.removed == 0
    assert s3_storage.keys(superseded_and_current["prefix"] + MARCH) == (
        superseded_and_current["superseded"] | superseded_and_current["current"]
    )
