"""The production storage path, run for real: PDFs in an S3 bucket through django-storages
(``storages.backends.s3.S3Storage``, as portal/settings.py configures it when a bucket is named),
against moto's S3-protocol server (tests/support/s3.py): store, serve (in-process, and through
gunicorn and nginx's X-Accel-Redirect to the bucket as in docker-compose), and the daily sweep."""

import datetime as dt

import pytest
import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from portal.reports.cache import PDF_LAYOUT_VERSION
from portal.reports.services import GRACE, sweep_report_files
from tests.support import servers
from tests.support.deploy import require_program
from tests.support.portal_server import PROTECTED_PREFIX, server_environment
from tests.support.reports import DATA_AS_OF, record_etl_run

pytestmark = pytest.mark.django_db(databases="__all__")

MARCH = "2025-03"


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
    record_etl_run(data_as_of=DATA_AS_OF + dt.timedelta(days=1), months=[MARCH])
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


@pytest.fixture
def portal_behind_nginx(reports_world, s3_bucket, tmp_path):
    """gunicorn with the bucket as its storage and nginx's /protected-reports/ proxying to the
    bucket (deploy/nginx/templates/protected-reports/minio.conf); yields (nginx, gunicorn) URLs."""
    nginx_program = require_program("nginx")
    s3_bucket.allow_anonymous_get_from("127.0.0.1/32")  # nginx's address, as minio-init does
    gunicorn_port, nginx_port = servers.free_port(), servers.free_port()
    config = servers.nginx_config(
        workdir=tmp_path / "nginx",
        port=nginx_port,
        upstream=f"127.0.0.1:{gunicorn_port}",
        static_root=tmp_path,
        s3_bucket=(s3_bucket.host, s3_bucket.name),
    )
    env = {**server_environment(tmp_path), **s3_bucket.environment()}
    with (
        servers.gunicorn(port=gunicorn_port, env=env, log=tmp_path / "gunicorn.log") as gunicorn_url,
        servers.nginx(
            program=nginx_program, config=config, port=nginx_port, log=tmp_path / "nginx.log"
        ) as nginx_url,
    ):
        yield nginx_url, gunicorn_url


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_nginx_serves_the_pdf_from_the_bucket_after_djangos_check(
    client, reports_world, s3_bucket, portal_behind_nginx
):
    nginx_url, gunicorn_url = portal_behind_nginx
    client.force_login(reports_world.customer_a)
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    path = f"/api/reports/me/{MARCH}/pdf"

    response = requests.get(nginx_url + path, cookies=cookies, timeout=120, allow_redirects=False)

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert {"private", "no-store"} <= {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert [
        name for name in response.headers if name.lower().startswith(("x-amz", "x-accel", "access-control"))
    ] == []
    (key,) = s3_bucket.keys(f"reports/{reports_world.crm_a.pk}/{MARCH}/")
    assert s3_bucket.client().get_object(Bucket=s3_bucket.name, Key=key)["Body"].read() == response.content
    from_django = requests.get(gunicorn_url + path, cookies=cookies, timeout=60, allow_redirects=False)
    assert (from_django.content, from_django.headers["X-Accel-Redirect"]) == (b"", PROTECTED_PREFIX + key)
    assert requests.get(nginx_url + PROTECTED_PREFIX + key, timeout=10).status_code == 404
