"""A real S3-protocol server for the storage tests: moto's standalone server (PyPI
``moto[server]``, pinned in requirements-dev.txt), started once per run on a free port.

It speaks the S3 REST protocol over HTTP like MinIO in docker-compose, so django-storages and
nginx talk to it exactly as in production. It keeps private objects from anonymous readers and
honours an anonymous-GET bucket policy, but not the policy's source-address condition: the MinIO
rule "anonymous GET from nginx's address only" (deploy/minio/create-bucket.sh) is applied here
and its address part is not checked.
Missing locally, the tests that need it are skipped; in CI (REQUIRE_E2E=1) that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.test import override_settings

ACCESS_KEY = "portal-test"
SECRET_KEY = "portal-test-secret"
START_WAIT_SECONDS = 30


@dataclass(frozen=True)
class S3Bucket:
    endpoint: str  # http://127.0.0.1:PORT
    name: str

    @property
    def host(self) -> str:
        return self.endpoint.removeprefix("http://")

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )

    def keys(self, prefix: str = "") -> set[str]:
        listing = self.client().list_objects_v2(Bucket=self.name, Prefix=prefix)
        return {item["Key"] for item in listing.get("Contents", [])}

    def allow_anonymous_get_from(self, cidr: str) -> None:
        """The bucket policy deploy/minio/create-bucket.sh gives MinIO, for nginx's address."""
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": ["*"]},
            "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{self.name}/*"],
            "Condition": {"IpAddress": {"aws:SourceIp": [cidr]}},
        }
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        self.client().put_bucket_policy(Bucket=self.name, Policy=json.dumps(policy))

    def environment(self) -> dict[str, str]:
        """What docker-compose gives web, worker and beat (AWS_* in x-portal-environment)."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.name,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }


def _moto_server() -> str | None:
    beside_python = Path(sys.executable).parent / "moto_server"
    return str(beside_python) if beside_python.exists() else shutil.which("moto_server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answering(endpoint: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}")
        try:
            requests.get(endpoint, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"moto_server did not answer within {START_WAIT_SECONDS} s")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint URL of a running moto S3 server."""
    program = _moto_server()
    if program is None:
        why = "moto_server is not installed (pip install -r requirements-dev.txt)"
        if os.environ.get("REQUIRE_E2E"):
            pytest.fail(f"{why} (CI must install it: see .ci/run)")
        pytest.skip(why)
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [program, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_until_answering(endpoint, process)
        yield endpoint
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@pytest.fixture
def s3_bucket(s3_server) -> S3Bucket:
    """A new, empty, private bucket on the moto server."""
    bucket = S3Bucket(endpoint=s3_server, name=f"reports-{uuid.uuid4().hex[:12]}")
    bucket.client().create_bucket(Bucket=bucket.name)
    return bucket


@pytest.fixture
def s3_storage(s3_bucket) -> Iterator[S3Bucket]:
    """Django's default storage is the bucket, configured as portal/settings.py does for production."""
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": s3_bucket.name, "default_acl": "private"},
        },
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, **s3_bucket.environment()):
        yield s3_bucket
