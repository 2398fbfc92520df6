"""deploy/postgres/init-databases.sh, run as the postgres image runs it on its first start, against a
throw-away PostgreSQL cluster of the test's own: the databases exist and each role has exactly the
access the design gives it (ClickHouse's reader may only read CRM and telemetry tables)."""

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.support.deploy import ROOT, require

INIT_SCRIPT = ROOT / "deploy" / "postgres" / "init-databases.sh"
SUPERUSER = "portal"  # POSTGRES_USER in docker-compose.yml


def as_postgres(command: list[str]) -> list[str]:
    # initdb refuses to run as root; CI runs as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def throwaway_cluster() -> Iterator[Path]:
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    require(bool(binaries), "PostgreSQL server binaries are not installed")
    bin_dir = Path(binaries[-1])
    workdir = Path(tempfile.mkdtemp(prefix="pg-init-test-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
    data = workdir / "data"
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(
        as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust"]), **run
    )
    options = f"-c listen_addresses='' -k {workdir} -p 5432"
    # -l: the server must not hold on to the captured stdout, or the start never returns.
    server_log = str(workdir / "server.log")
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(as_postgres([*pg_ctl, "-o", options, "-l", server_log, "-w", "start"]), **run)
        yield workdir
    finally:
        subprocess.run(as_postgres([*pg_ctl, "-m", "immediate", "stop"]), **{**run, "check": False})
        shutil.rmtree(workdir, ignore_errors=True)


def connect(socket_dir: Path, *, user: str, dbname: str) -> psycopg.Connection:
    return psycopg.connect(host=str(socket_dir), port=5432, user=user, dbname=dbname, autocommit=True)


@pytest.fixture(scope="module")
def initialised_cluster():
    with throwaway_cluster() as socket_dir:
        with connect(socket_dir, user=SUPERUSER, dbname="postgres") as admin:
            admin.execute("CREATE DATABASE portal")  # what the image does for POSTGRES_DB
        env = {
            **os.environ,
            "POSTGRES_USER": SUPERUSER,
            "POSTGRES_DB": "portal",
            "PGHOST": str(socket_dir),
            "PGPORT": "5432",
            "KEYCLOAK_DB_PASSWORD": "keycloak-test",
            "CLICKHOUSE_PG_READER_PASSWORD": "reader-test",
            "ETL_FEED_PASSWORD": "feed-test",
        }
        subprocess.run(
            as_postgres(["bash", str(INIT_SCRIPT)]), env=env, check=True, capture_output=True, timeout=120
        )
        # Django (role portal) creates the source tables after the init script has run.
        for dbname, table in (("crm_db", "users"), ("telemetry_db", "events")):
            with connect(socket_dir, user=SUPERUSER, dbname=dbname) as portal:
                portal.execute(f"CREATE TABLE {table} (id bigint)")
                portal.execute(f"INSERT INTO {table} VALUES (1)")  # noqa: S608
        yield socket_dir


def test_the_portal_crm_telemetry_and_keycloak_databases_exist(initialised_cluster):
    with connect(initialised_cluster, user=SUPERUSER, dbname="postgres") as admin:
        names = {name for (name,) in admin.execute("SELECT datname FROM pg_database").fetchall()}
    assert {"portal", "crm_db", "telemetry_db", "keycloak"} <= names


def test_clickhouses_reader_reads_crm_and_telemetry_tables_and_writes_nothing(initialised_cluster):
    for dbname, table in (("crm_db", "users"), ("telemetry_db", "events")):
        with connect(initialised_cluster, user="clickhouse_reader", dbname=dbname) as reader:
            assert reader.execute(f"SELECT id FROM {table}").fetchall() == [(1,)]  # noqa: S608
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(f"INSERT INTO {table} VALUES (2)")  # noqa: S608


def test_the_feeds_role_reads_crm_and_telemetry_writes_nothing_and_may_read_replication_slots(
    initialised_cluster,
):
    for dbname, table in (("crm_db", "users"), ("telemetry_db", "events")):
        with connect(initialised_cluster, user="etl_feed", dbname=dbname) as feed:
            assert feed.execute(f"SELECT id FROM {table}").fetchall() == [(1,)]  # noqa: S608
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                feed.execute(f"DELETE FROM {table}")  # noqa: S608
            attributes = feed.execute(
                "SELECT rolreplication, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
                "WHERE rolname = current_user"
            ).fetchone()
            assert attributes == (True, False, False, False)


NOT_THEIRS = [
    ("clickhouse_reader", "portal"),
    ("clickhouse_reader", "keycloak"),
    ("keycloak", "portal"),
    ("etl_feed", "portal"),
    ("etl_feed", "keycloak"),
]


@pytest.mark.parametrize(("user", "dbname"), NOT_THEIRS)
def test_roles_cannot_connect_to_databases_that_are_not_theirs(initialised_cluster, user, dbname):
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        connect(initialised_cluster, user=user, dbname=dbname)


def test_keycloak_owns_its_own_database(initialised_cluster):
    with connect(initialised_cluster, user="keycloak", dbname="keycloak") as keycloak:
        keycloak.execute("CREATE TABLE realm_probe (id int)")
