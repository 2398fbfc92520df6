"""The Keycloak realm export that docker-compose imports at start (deploy/keycloak/reports-realm.json):
the portal's client, roles, token lifetime, OTP for everyone, LDAP, Yandex ID, the crm_user_id
claim, and demo users that are the demo CRM users."""

import base64
import json
import re

import pytest

from tests.support.deploy import COMPOSE_FILE, REALM_FILE, ROOT, load_compose

ROLES = {"prothetic_user", "support", "administrator"}


@pytest.fixture(scope="module")
def realm():
    return json.loads(REALM_FILE.read_text())


@pytest.fixture(scope="module")
def portal_client(realm):
    (client,) = [client for client in realm["clients"] if client["clientId"] == "reports-portal"]
    return client


def test_the_realm_is_reports_realm_and_is_imported_at_start():
    keycloak = load_compose()["services"]["keycloak"]
    assert keycloak["command"] == ["start", "--import-realm"]
    assert (
        "./deploy/keycloak/reports-realm.json:/opt/keycloak/data/import/reports-realm.json:ro"
        in (keycloak["volumes"])
    )
    assert json.loads(REALM_FILE.read_text())["realm"] == "reports-realm"


def test_the_portal_client_is_confidential_with_the_code_flow_only(portal_client):
    assert portal_client["publicClient"] is False
    assert portal_client["clientAuthenticatorType"] == "client-secret"
    assert portal_client["standardFlowEnabled"] is True
    assert portal_client["implicitFlowEnabled"] is False
    assert portal_client["directAccessGrantsEnabled"] is False
    assert portal_client["serviceAccountsEnabled"] is False


def test_the_portal_client_requires_pkce_s256(portal_client):
    assert portal_client["attributes"]["pkce.code.challenge.method"] == "S256"


def test_the_portal_client_redirects_to_the_portal_only(portal_client):
    assert portal_client["redirectUris"] == ["${PORTAL_PUBLIC_URL}/oidc/callback/"]
    assert portal_client["webOrigins"] == ["${PORTAL_PUBLIC_URL}"]
    assert (
        portal_client["attributes"]["post.logout.redirect.uris"]
        == "${PORTAL_PUBLIC_URL}/accounts/signed-out/"
    )
    assert not any("*" in uri for uri in portal_client["redirectUris"] + portal_client["webOrigins"])


def test_the_portal_callback_and_sign_out_paths_exist():
    from django.urls import reverse

    assert reverse("oidc_authentication_callback") == "/oidc/callback/"
    assert reverse("signed_out") == "/accounts/signed-out/"


def test_the_realm_has_the_three_roles(realm):
    assert {role["name"] for role in realm["roles"]["realm"]} == ROLES


def test_access_tokens_live_120_seconds(realm, portal_client):
    assert realm["accessTokenLifespan"] == 120
    assert portal_client["attributes"]["access.token.lifespan"] == "120"


def test_crm_user_id_and_realm_roles_are_in_every_token(portal_client):
    mappers = {mapper["name"]: mapper for mapper in portal_client["protocolMappers"]}
    for name, kind, claim in (
        ("crm_user_id", "oidc-usermodel-attribute-mapper", "crm_user_id"),
        ("realm roles", "oidc-usermodel-realm-role-mapper", "realm_access.roles"),
    ):
        config = mappers[name]["config"]
        assert mappers[name]["protocolMapper"] == kind
        assert config["claim.name"] == claim
        for token in ("id.token.claim", "access.token.claim", "userinfo.token.claim"):
            assert config[token] == "true", (name, token)
    assert mappers["crm_user_id"]["config"]["user.attribute"] == "crm_user_id"


def test_only_an_administrator_may_set_a_users_crm_user_id(realm):
    (profile,) = realm["components"]["org.keycloak.userprofile.UserProfileProvider"]
    attributes = json.loads(profile["config"]["kc.user.profile.config"][0])["attributes"]
    (crm_user_id,) = [attribute for attribute in attributes if attribute["name"] == "crm_user_id"]
    assert crm_user_id["permissions"]["edit"] == ["admin"]


def test_every_browser_sign_in_requires_an_otp(realm):
    flows = {flow["alias"]: flow for flow in realm["authenticationFlows"]}
    browser = flows[realm["browserFlow"]]
    (forms,) = [step for step in browser["authenticationExecutions"] if step["authenticatorFlow"]]
    steps = {
        step["authenticator"]: step["requirement"]
        for step in flows[forms["flowAlias"]]["authenticationExecutions"]
    }
    assert steps == {"auth-username-password-form": "REQUIRED", "auth-otp-form": "REQUIRED"}
    assert realm["otpPolicyType"] == "totp"
    assert realm["otpPolicyDigits"] == 6


def test_new_users_and_brokered_users_must_configure_an_otp(realm):
    actions = {action["alias"]: action for action in realm["requiredActions"]}
    assert actions["CONFIGURE_TOTP"]["enabled"] and actions["CONFIGURE_TOTP"]["defaultAction"]
    flows = {flow["alias"]: flow for flow in realm["authenticationFlows"]}
    for provider in realm["identityProviders"]:
        post_login = flows[provider["postBrokerLoginFlowAlias"]]["authenticationExecutions"]
        assert [(step["authenticator"], step["requirement"]) for step in post_login] == [
            ("auth-otp-form", "REQUIRED")
        ]


def test_users_come_from_ldap_with_their_roles_and_crm_user_id(realm):
    (ldap,) = realm["components"]["org.keycloak.storage.UserStorageProvider"]
    assert ldap["providerId"] == "ldap"
    assert ldap["config"]["connectionUrl"] == ["ldap://openldap:389"]
    assert ldap["config"]["bindCredential"] == ["${LDAP_KEYCLOAK_BIND_PASSWORD}"]
    mappers = {
        mapper["name"]: mapper
        for mapper in ldap["subComponents"]["org.keycloak.storage.ldap.mappers.LDAPStorageMapper"]
    }
    assert mappers["realm roles"]["providerId"] == "role-ldap-mapper"
    assert mappers["realm roles"]["config"]["use.realm.roles.mapping"] == ["true"]
    assert mappers["crm_user_id"]["config"]["user.model.attribute"] == ["crm_user_id"]


def test_the_ldap_directory_holds_the_roles_keycloak_maps():
    ldif = (ROOT / "deploy" / "openldap" / "bootstrap.ldif").read_text()
    assert set(re.findall(r"^dn: cn=(\w+),ou=roles,", ldif, re.MULTILINE)) == ROLES
    assert "userPassword" not in ldif


def test_yandex_id_brokering_takes_its_client_from_the_environment(realm):
    (yandex,) = realm["identityProviders"]
    assert yandex["alias"] == "yandex"
    assert yandex["providerId"] == "oidc"
    assert yandex["config"]["clientId"] == "${YANDEX_CLIENT_ID}"
    assert yandex["config"]["clientSecret"] == "${YANDEX_CLIENT_SECRET}"
    assert yandex["config"]["authorizationUrl"].startswith("https://oauth.yandex.ru/")
    environment = load_compose()["services"]["keycloak"]["environment"]
    assert environment["YANDEX_CLIENT_ID"].startswith("${YANDEX_CLIENT_ID")


def test_every_placeholder_in_the_realm_is_set_for_keycloak():
    placeholders = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)\}", REALM_FILE.read_text()))
    environment = load_compose()["services"]["keycloak"]["environment"]
    assert placeholders and placeholders <= set(environment)


def test_no_secret_is_written_into_the_realm(realm, portal_client):
    assert portal_client["secret"] == "${OIDC_RP_CLIENT_SECRET}"
    for user in realm["users"]:
        assert [credential["value"] for credential in user["credentials"]] == ["${DEMO_USER_PASSWORD}"]
        assert all(credential["temporary"] for credential in user["credentials"])
    assert "OIDC_RP_CLIENT_SECRET" in COMPOSE_FILE.read_text()


def test_demo_users_are_customers_linked_to_their_crm_user_and_must_set_up_otp(realm):
    for user in realm["users"]:
        assert user["realmRoles"] == ["prothetic_user"]
        assert "CONFIGURE_TOTP" in user["requiredActions"]
        assert int(user["attributes"]["crm_user_id"][0]) >= 1


def test_demo_identities_are_the_demo_crm_customers_with_their_crm_ids(realm):
    from portal.demo.config import DemoConfig
    from portal.demo.crm_rows import build_crm

    crm_emails = {user.id: user.email for user in build_crm(DemoConfig()).users}
    in_keycloak = {int(user["attributes"]["crm_user_id"][0]): user["email"] for user in realm["users"]}
    ldif = (ROOT / "deploy" / "openldap" / "bootstrap.ldif").read_text()
    in_ldap = {
        int(number): mail
        for mail, number in re.findall(r"^mail: (\S+)\nemployeeNumber: (\d+)$", ldif, re.MULTILINE)
    }
    assert set(in_keycloak).isdisjoint(in_ldap)
    assert {**in_keycloak, **in_ldap} == crm_emails


def test_every_role_member_in_the_directory_is_a_directory_user_and_values_are_valid_ldif():
    ldif = (ROOT / "deploy" / "openldap" / "bootstrap.ldif").read_text()
    entries = set(re.findall(r"^dn: (.+)$", ldif, re.MULTILINE))
    members = set(re.findall(r"^member: (.+)$", ldif, re.MULTILINE))
    assert members and members <= entries
    for encoded in re.findall(r"^\w+:: (\S+)$", ldif, re.MULTILINE):
        base64.b64decode(encoded, validate=True).decode("utf-8")
    assert ldif.isascii(), "RFC 2849: non-ASCII values must be base64-encoded"
