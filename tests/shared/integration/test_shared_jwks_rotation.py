"""Production tokens come from the province's identity provider, signed with keys it publishes as a JWKS.
Rotating the key must not sign anybody out: while the provider publishes both keys, tokens of either are
accepted; a key it no longer publishes stops being accepted once the key set is read again; a token signed
with a key it never published is refused."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from shared import auth
from shared.auth import Principal, decode_token
from shared.errors import Unauthorized
from shared.settings import Settings


class _Provider:
    """The identity provider's key endpoint: serves whatever key set it is told to publish."""

    def __init__(self):
        self.keys: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps({"keys": provider.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks"

    def publish(self, *keys):
        self.keys = [json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
                     | {"kid": kid, "alg": alg, "use": "sig"} for kid, alg, key in keys]


@pytest.fixture
def provider():
    p = _Provider()
    yield p
    p.server.shutdown()
    p.server.server_close()
    auth._jwks_clients.clear()


def _token(kid: str, alg: str, key, sub: str = "cb-01") -> str:
    now = datetime.now(UTC)
    claims = {"sub": sub, "unit": "HN-SNV", "roles": ["officer"], "aud": "kycuong", "iat": now,
              "exp": now + timedelta(hours=1)}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def test_tokens_of_the_old_and_the_new_key_both_pass_while_the_key_is_rotated(provider, monkeypatch):
    # The cooldown between two reads for unknown key ids (5 s) is taken as over, as it is once a key is in use.
    monkeypatch.setattr(auth, "JWKS_REFRESH_COOLDOWN", 0)
    old = ("2026-11", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    new = ("2026-12", "ES256", ec.generate_private_key(ec.SECP256R1()))
    settings = Settings.from_env(env={"KYCUONG_JWT_JWKS_URL": provider.url, "KYCUONG_JWT_AUDIENCE": "kycuong"})

    provider.publish(old)
    assert decode_token(_token(*old), settings) == Principal("cb-01", "HN-SNV", frozenset({"officer"}))

    provider.publish(old, new)  # the provider starts signing with the new key
    assert decode_token(_token(*new, sub="cb-02"), settings).sub == "cb-02"  # an unknown kid: the set is read again
    assert decode_token(_token(*old, sub="cb-03"), settings).sub == "cb-03"  # sessions of the old key go on

    provider.publish(new)  # the old key retired
    auth._jwks_clients.clear()  # as a process started after the rotation (or after the cache's lifetime) reads it
    with pytest.raises(Unauthorized, match="not valid"):
        decode_token(_token(*old), settings)
    assert decode_token(_token(*new, sub="cb-04"), settings).sub == "cb-04"


def test_a_token_signed_with_an_unpublished_key_or_for_another_audience_is_refused(provider):
    published = ("k1", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    stranger = ("k1", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    provider.publish(published)
    settings = Settings.from_env(env={"KYCUONG_JWT_JWKS_URL": provider.url, "KYCUONG_JWT_AUDIENCE": "kycuong"})
    with pytest.raises(Unauthorized, match="not valid"):
        decode_token(_token(*stranger), settings)
    other_audience = Settings.from_env(env={"KYCUONG_JWT_JWKS_URL": provider.url, "KYCUONG_JWT_AUDIENCE": "other"})
    with pytest.raises(Unauthorized, match="not valid"):
        decode_token(_token(*published), other_audience)
    # A development HS256 token means nothing to a platform that takes the provider's keys.
    hs = jwt.encode({"sub": "x", "roles": ["admin"], "exp": datetime.now(UTC) + timedelta(hours=1),
                     "aud": "kycuong"}, Settings.from_env(env={}).jwt_secret, algorithm="HS256")
    with pytest.raises(Unauthorized, match="not valid"):
        decode_token(hs, settings)
