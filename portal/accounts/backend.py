"""The portal's OpenID Connect backend: mozilla-django-oidc with strict token checks and claim mapping.

On top of mozilla-django-oidc (code flow, state, nonce, PKCE, JWKS signature check) it checks the ID
token's issuer, audience and expiry, requires the userinfo subject to match the ID token, maps the
(issuer, subject) identity and the ``crm_user_id`` claim to a portal account (see ``linking``) and
syncs roles. The same mapping serves bearer tokens on the REST API.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from portal.accounts.claims import claim_at
from portal.accounts.linking import AccountLinkRefused, parse_crm_user_id, user_for_identity
from portal.accounts.models import Account
from portal.accounts.provider import oidc_setting
from portal.accounts.roles import roles_from_claims, sync_roles
from portal.accounts.tokens import store_tokens
from portal.core.columns import column_of

if TYPE_CHECKING:
    # The AUTH_USER_MODEL, as django-stubs resolves get_user_model().
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

OIDC_BACKEND = "portal.accounts.backend.PortalOIDCBackend"
# Session key of the reason the last sign-in was refused, shown on the "sign-in refused" page.
SIGN_IN_ERROR = "accounts_sign_in_error"
INVALID_RESPONSE = "invalid_response"
PROVIDER_UNAVAILABLE = "provider_unavailable"


def _lazy_setting(name: str) -> property:
    return property(lambda self: oidc_setting(name, None))


class PortalOIDCBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(oidc_setting)

    # Read when used, not when the backend is built: Django and DRF build backends at times when
    # the provider need not be reachable (system checks, schema generation, password sign-in).
    OIDC_OP_TOKEN_ENDPOINT = _lazy_setting("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _lazy_setting("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _lazy_setting("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_CLIENT_ID = _lazy_setting("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = _lazy_setting("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = _lazy_setting("OIDC_RP_SIGN_ALGO")
    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException as exc:
            logger.warning("OIDC sign-in failed: provider request failed (%s)", type(exc).__name__)
            remember_failure(request, PROVIDER_UNAVAILABLE)
        except SuspiciousOperation as exc:
            logger.warning("OIDC sign-in refused: %s", exc)
            remember_failure(request, INVALID_RESPONSE)
        return None

    def get_user(self, user_id):
        return _user_with_account(self.UserModel, user_id)

    def get_token(self, payload):
        self.token_response = super().get_token(payload)
        return self.token_response

    def store_tokens(self, access_token, id_token):
        store_tokens(self.request.session, self.token_response)

    def _verify_jws(self, payload, key):
        """Signature, algorithm, issuer, audience and expiry; mozilla checks only the first two."""
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation("ID token is not a JWT") from exc
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("ID token algorithm does not match OIDC_RP_SIGN_ALGO")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=oidc_setting("OIDC_OP_ISSUER"),
                leeway=settings.OIDC_CLOCK_LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"ID token rejected: {type(exc).__name__}") from exc

    def get_userinfo(self, access_token, id_token, payload):
        """Userinfo claims with the verified ID token's claims on top; the issuer is the provider's.

        For a bearer token (no ID token) the issuer is the configured provider, whose userinfo
        endpoint has just accepted the token."""
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict):
            raise SuspiciousOperation("userinfo is not a JSON object")
        if payload is not None and userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo subject differs from the ID token subject")
        return {**userinfo, **(payload or {}), "iss": oidc_setting("OIDC_OP_ISSUER")}

    def verify_claims(self, claims):
        return isinstance(claims.get("sub"), str) and bool(claims["sub"])

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("claims lack a subject")
        try:
            user = user_for_identity(
                issuer=claims["iss"],
                subject=claims["sub"],
                crm_user_id=parse_crm_user_id(claim_at(claims, settings.OIDC_CRM_USER_ID_CLAIM)),
                email=claims.get("email") or "",
            )
        except AccountLinkRefused as exc:
            remember_failure(getattr(self, "request", None), exc.reason)
            raise
        if not user.is_active:
            # Deactivated in the portal: neither a browser sign-in nor a bearer token gets in.
            raise SuspiciousOperation("portal user is deactivated")
        roles = roles_from_claims(claims, settings.OIDC_ROLES_CLAIM)
        sync_roles(user, roles)
        Account.objects.filter(user=user).update(roles=sorted(roles))
        return user


class PortalModelBackend(ModelBackend):
    """Django's username and password backend (local development, the demo), loading the signed-in
    user together with the account, like ``PortalOIDCBackend``."""

    def get_user(self, user_id):
        user = _user_with_account(get_user_model(), user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _user_with_account(user_model: type[User], user_id: Any) -> User | None:
    """The user of a session with its account (the CRM link the report gate reads), in one query.

    Runs on every signed-in request. It is
    ``user_model._default_manager.select_related("account").get(pk=user_id)`` written as a raw
    JOIN, because building that ORM query cost more than the rest of a cached report request.
    The account comes with its id and CRM link; its other fields load on first use."""
    connection = connections[router.db_for_read(user_model)]
    users = list(user_model._default_manager.raw(_user_with_account_sql(connection, user_model), [user_id]))
    if not users:
        return None
    user = users[0]
    account_id = user.__dict__.pop(_ACCOUNT_ID)
    crm_user_id = user.__dict__.pop(_ACCOUNT_CRM_USER_ID)
    if account_id is None:
        type(user).account.related.set_cached_value(user, None)  # "no account", without a query
    else:
        fields, values = ["id", "user_id", "crm_user_id"], [account_id, user.pk, crm_user_id]
        user.account = Account.from_db(user._state.db, fields, values)
    return user


_ACCOUNT_ID = "_account_id"
_ACCOUNT_CRM_USER_ID = "_account_crm_user_id"


def _user_with_account_sql(connection: BaseDatabaseWrapper, user_model: type[User]) -> str:
    quote = connection.ops.quote_name
    user_table, account_table = quote(user_model._meta.db_table), quote(Account._meta.db_table)
    user_columns = ", ".join(f"{user_table}.{quote(column_of(f))}" for f in user_model._meta.concrete_fields)
    account = {
        name: f"{account_table}.{quote(column_of(Account._meta.get_field(name)))}"
        for name in ("id", "user", "crm_user_id")
    }
    user_pk = f"{user_table}.{quote(column_of(user_model._meta.pk))}"
    return (
        f"SELECT {user_columns}, {account['id']} AS {quote(_ACCOUNT_ID)}, "  # noqa: S608 (names from the models)
        f"{account['crm_user_id']} AS {quote(_ACCOUNT_CRM_USER_ID)} "
        f"FROM {user_table} LEFT OUTER JOIN {account_table} ON {account['user']} = {user_pk} "
        f"WHERE {user_pk} = %s"
    )


def remember_failure(request: HttpRequest | None, reason: str) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGN_IN_ERROR] = reason
