"""deploy/clickhouse/users.d/portal-users.xml: the portal's two ClickHouse users have least
privilege, their passwords come from the environment, and every grant is valid ClickHouse SQL
(checked by the embedded ClickHouse, which parses it and stops only at the unknown user)."""

import xml.etree.ElementTree as ET

import pytest
from clickhouse_connect.driver.exceptions import DatabaseError

from portal.clickhouse.client import clickhouse
from tests.support.clickhouse import MART_TABLES
from tests.support.deploy import ROOT, load_compose

USERS_FILE = ROOT / "deploy" / "clickhouse" / "users.d" / "portal-users.xml"
UNKNOWN_ROLE = "Code: 511"


def users_config() -> ET.Element:
    return ET.parse(USERS_FILE).getroot()  # noqa: S314 (the project's own file, not untrusted input)


def user(name: str) -> ET.Element:
    return users_config().find(f"users/{name}")


def grants(name: str) -> list[str]:
    return [query.text for query in user(name).findall("grants/query")]


def test_the_web_user_may_only_select_from_the_two_marts():
    assert grants("portal_reader") == [f"GRANT SELECT ON reports.{table}" for table in MART_TABLES]
    profile = users_config().find("profiles/portal_reader")
    assert profile.findtext("readonly") == "2"


def test_the_etl_user_is_confined_to_the_reports_database_and_postgresql_reads():
    etl_grants = grants("portal_etl")
    assert all(" ON reports." in grant for grant in etl_grants[:-1])
    assert etl_grants[-1] == "GRANT CREATE TEMPORARY TABLE, POSTGRES ON *.*"
    assert not any("ACCESS MANAGEMENT" in grant or "ALL" in grant.split() for grant in etl_grants)


def test_passwords_come_from_the_containers_environment():
    clickhouse_env = load_compose()["services"]["clickhouse"]["environment"]
    for name in ("portal_reader", "portal_etl"):
        password = user(name).find("password")
        assert password.text is None
        assert password.get("from_env") in clickhouse_env


@pytest.mark.parametrize("name", ["portal_reader", "portal_etl"])
def test_every_grant_is_valid_clickhouse_sql(clickhouse_marts, name):
    with clickhouse() as client:
        for grant in grants(name):
            with pytest.raises(DatabaseError) as refused:
                client.command(f"{grant} TO grant_syntax_probe_user")
            assert UNKNOWN_ROLE in str(refused.value), grant
