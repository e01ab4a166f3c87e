"""Signing in through the province's identity provider: OpenID Connect, authorization code with PKCE (S256).

The protocol is Authlib's (its requests client builds the authorization request and exchanges the code with the
client authentication the provider's discovery document offers; its `CodeIDToken` claims and joserfc check the
ID token: signature against the provider's JWKS, `iss`, `aud`, `exp`, `iat`, `nonce`, `azp`). This module only
wires them to the settings (KYCUONG_OIDC_*) and keeps the provider's discovery document and keys for a while.

Nothing here knows Flask: the sign-in pages keep an `Attempt` (state, nonce, PKCE verifier) in a short-lived
signed cookie between `begin` and `finish`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token, is_secure_transport
from authlib.common.urls import add_params_to_uri
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

TIMEOUT = 10  # seconds for each call to the provider; a browser is waiting
METADATA_LIFESPAN = 3600  # discovery document and keys are kept an hour (a new key is fetched when first seen)
LEEWAY = 120  # seconds of clock difference tolerated on exp and iat


class OidcError(Exception):
    """The identity provider could not be reached, refused the code, or sent an ID token that does not hold.
    `reason` is one of: unreachable, misconfigured, refused, invalid_token."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Attempt:
    """One sign-in under way: what the callback must find again (kept by the browser in a signed cookie)."""

    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: the configured claim's value, and the ID token (kept for sign-out)."""

    subject: str
    id_token: str


class Client:
    """The platform as a client of one identity provider (one per process and issuer: see `client_for`)."""

    def __init__(self, issuer: str, client_id: str, client_secret: str, scopes: str = "openid",
                 claim: str = "sub"):
        if not is_secure_transport(issuer):
            raise OidcError("misconfigured", f"the issuer {issuer!r} must be an https:// address")
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self.claim = claim
        self._metadata: dict | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    # -- the provider's discovery document and keys ----------------------------------------------------

    def metadata(self, *, force: bool = False) -> dict:
        with self._lock:
            if force or self._metadata is None or time.monotonic() - self._fetched_at > METADATA_LIFESPAN:
                self._metadata = self._discover()
                self._fetched_at = time.monotonic()
            return self._metadata

    def _discover(self) -> dict:
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        found = _get_json(url)
        if found.get("issuer") != self.issuer:
            raise OidcError("misconfigured", f"the provider at {url} names itself {found.get('issuer')!r}, "
                                             f"not {self.issuer!r}: set KYCUONG_OIDC_ISSUER to its issuer exactly")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not found.get(key) or not is_secure_transport(found[key]):
                raise OidcError("misconfigured", f"the provider's discovery document lacks an https {key}")
        found["jwks"] = _get_json(found["jwks_uri"])
        return found

    def _key_set(self, force: bool = False) -> KeySet:
        metadata = self.metadata(force=force)
        try:
            return KeySet.import_key_set(metadata["jwks"])
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise OidcError("misconfigured", f"the provider's keys (JWKS) cannot be read: {exc}") from exc

    def _session(self, redirect_uri: str) -> OAuth2Session:
        offered = self.metadata().get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        method = "client_secret_basic" if "client_secret_basic" in offered else "client_secret_post"
        return OAuth2Session(self.client_id, self.client_secret, token_endpoint_auth_method=method,
                             scope=self.scopes, redirect_uri=redirect_uri, code_challenge_method="S256",
                             default_timeout=TIMEOUT)

    # -- the flow ----------------------------------------------------------------------------------

    def begin(self, redirect_uri: str) -> tuple[str, Attempt]:
        """The provider's address to send the browser to, and the attempt to keep until it comes back."""
        attempt = Attempt(state=generate_token(32), nonce=generate_token(32), verifier=generate_token(64))
        with self._session(redirect_uri) as session:
            url, _ = session.create_authorization_url(self.metadata()["authorization_endpoint"], state=attempt.state,
                                                      code_verifier=attempt.verifier, nonce=attempt.nonce)
        return url, attempt

    def finish(self, redirect_uri: str, code: str, attempt: Attempt) -> Identity:
        """Exchange the code (with the PKCE verifier) and check the ID token; the caller has checked the state."""
        try:
            with self._session(redirect_uri) as session:
                token = session.fetch_token(self.metadata()["token_endpoint"], grant_type="authorization_code",
                                            code=code, code_verifier=attempt.verifier)
        except requests.RequestException as exc:
            raise OidcError("unreachable", f"the token endpoint did not answer: {exc}") from exc
        except (AuthlibBaseError, ValueError) as exc:  # an OAuth error answer, or one that is not JSON
            raise OidcError("refused", f"the provider refused the code: {exc}") from exc
        if not token.get("id_token"):
            raise OidcError("invalid_token", "the provider answered without an ID token (is `openid` a scope?)")
        claims = self._validate(token["id_token"], attempt.nonce, token.get("access_token"))
        subject = claims.get(self.claim)
        if not isinstance(subject, str | int) or subject == "":
            raise OidcError("invalid_token", f"the ID token has no {self.claim!r} claim (KYCUONG_OIDC_CLAIM)")
        return Identity(str(subject), token["id_token"])

    def _validate(self, id_token: str, nonce: str, access_token: str | None) -> CodeIDToken:
        metadata = self.metadata()
        registry = JWSRegistry(algorithms=metadata.get("id_token_signing_alg_values_supported") or ["RS256"],
                               strict_check_header=False)
        try:
            try:
                decoded = jwt.decode(id_token, self._key_set(), registry=registry)
            except InvalidKeyIdError:  # the provider rotated its keys since they were fetched
                decoded = jwt.decode(id_token, self._key_set(force=True), registry=registry)
            params = {"nonce": nonce, "client_id": self.client_id}
            if access_token:
                params["access_token"] = access_token
            claims = CodeIDToken(decoded.claims, decoded.header,
                                 {"iss": {"essential": True, "value": self.issuer},
                                  "aud": {"essential": True, "value": self.client_id}}, params)
            claims.validate(leeway=LEEWAY)
        except (JoseError, ValueError) as exc:
            raise OidcError("invalid_token", f"the ID token does not hold: {exc}") from exc
        return claims

    def logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """Where to end the session at the provider too (RP-initiated logout), if it offers that."""
        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except OidcError:
            return None
        if not endpoint:
            return None
        params = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token:
            params["id_token_hint"] = id_token
        return add_params_to_uri(endpoint, params)


def _get_json(url: str) -> dict:
    try:
        answer = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
        answer.raise_for_status()
        found = answer.json()
    except requests.RequestException as exc:
        raise OidcError("unreachable", f"{url} did not answer: {exc}") from exc
    except ValueError as exc:
        raise OidcError("misconfigured", f"{url} did not answer JSON") from exc
    if not isinstance(found, dict):
        raise OidcError("misconfigured", f"{url} did not answer a JSON object")
    return found


_clients: dict[tuple, Client] = {}
_clients_lock = threading.Lock()


def client_for(settings) -> Client | None:
    """The identity provider's client for these settings (kept per process, with its discovery document and
    keys), or None when sign-in through an identity provider is not configured."""
    if not settings.oidc_configured:
        return None
    key = (settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret, settings.oidc_scopes,
           settings.oidc_claim)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = Client(*key)
        return _clients[key]
