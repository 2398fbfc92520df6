"""A small OpenID provider for the portal's sign-in tests, served over real HTTP on 127.0.0.1.

It signs real RS256 tokens with its own key, publishes discovery and JWKS, checks PKCE S256 at the
token endpoint, answers userinfo for the access tokens it issued and runs the refresh-token grant,
so the portal's HTTP calls, signature checks and claim mapping all run for real. A test decides
what the next sign-in carries (``issuer.next_sign_in(...)``) or hands out a forged token to see it
refused. The end-to-end tests (tests/e2e) use the npm ``oidc-provider`` instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "reports-portal"
CLIENT_SECRET = "test-client-secret"
KEY_ID = "test-issuer-key"


def new_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class SignIn:
    """What the provider says about the person at the next code exchange."""

    subject: str
    claims: dict = field(default_factory=dict)
    # Replaces the ID token the provider would issue (to send a forged one).
    id_token: str | None = None


@dataclass
class Grant:
    subject: str
    claims: dict
    challenge: str
    nonce: str | None
    forged_id_token: str | None = None


class TestIssuer:
    def __init__(self):
        self.key = new_rsa_key()
        self.pending: SignIn | None = None
        self.codes: dict[str, Grant] = {}
        self.access_tokens: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    # --- what tests control ------------------------------------------------------------------
    def next_sign_in(self, subject: str, **claims) -> None:
        self.pending = SignIn(subject=subject, claims=claims)

    def next_id_token(self, subject: str, id_token: str, **claims) -> None:
        self.pending = SignIn(subject=subject, claims=claims, id_token=id_token)

    def authorize(self, authorization_url: str) -> str:
        """The provider's side of the browser redirect: returns the code for the pending sign-in."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query).items()}
        assert params["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        sign_in, self.pending = self.pending, None
        self.codes[code] = Grant(
            sign_in.subject, sign_in.claims, params["code_challenge"], params.get("nonce"), sign_in.id_token
        )
        return code

    def set_claims(self, subject: str, **claims) -> None:
        """Change what the provider says about a person from now on (e.g. remove a role)."""
        for record in (*self.access_tokens.values(), *self.refresh_tokens.values()):
            if record["sub"] == subject:
                record["claims"] = claims

    def issue_access_token(self, subject: str, **claims) -> str:
        """An access token for ``subject``, as a client of this provider would hold it."""
        return self._tokens(subject, claims, nonce=None)["access_token"]

    def revoke_refresh_tokens(self) -> None:
        self.refresh_tokens.clear()

    def id_token(self, subject: str, *, nonce=None, key=None, **overrides) -> str:
        now = int(time.time())
        payload = {"iss": self.url, "sub": subject, "aud": CLIENT_ID, "iat": now, "exp": now + 300}
        if nonce is not None:
            payload["nonce"] = nonce
        payload.update(overrides)
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": KEY_ID})

    # --- endpoints -----------------------------------------------------------------------------
    def discovery(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/auth",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "end_session_endpoint": f"{self.url}/session/end",
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def token(self, form: dict) -> tuple[int, dict]:
        self.token_requests.append(form)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier")
            if grant is None or verifier is None or s256(verifier) != grant.challenge:
                return 400, {"error": "invalid_grant"}
            return 200, self._tokens(
                grant.subject, grant.claims, nonce=grant.nonce, id_token=grant.forged_id_token
            )
        if form.get("grant_type") == "refresh_token":
            record = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if record is None:
                return 400, {"error": "invalid_grant"}
            return 200, self._tokens(record["sub"], record["claims"], nonce=None)
        return 400, {"error": "unsupported_grant_type"}

    def _tokens(self, subject, claims, *, nonce, id_token=None) -> dict:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access_tokens[access] = {"sub": subject, "claims": claims}
        self.refresh_tokens[refresh] = {"sub": subject, "claims": claims}
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 120,
            "refresh_token": refresh,
            "id_token": id_token or self.id_token(subject, nonce=nonce),
        }

    def userinfo(self, authorization: str) -> tuple[int, dict]:
        record = self.access_tokens.get(authorization.removeprefix("Bearer "))
        if record is None:
            return 401, {"error": "invalid_token"}
        return 200, {"sub": record["sub"], **record["claims"]}


def _handler_for(issuer: TestIssuer):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/.well-known/openid-configuration":
                self._answer(200, issuer.discovery())
            elif path == "/jwks":
                self._answer(200, issuer.jwks())
            elif path == "/userinfo":
                self._answer(*issuer.userinfo(self.headers.get("Authorization", "")))
            else:
                self._answer(404, {"error": "not_found"})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            if urlsplit(self.path).path == "/token":
                self._answer(*issuer.token(form))
            else:
                self._answer(404, {"error": "not_found"})

        def _answer(self, status: int, body: dict):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if status == 401:
                self.send_header("WWW-Authenticate", 'Bearer error="invalid_token"')
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler
