"""The ID token checks of shared/oidc.py, on tokens signed here: a token is taken only when signed by the
provider's key, for this client, from this issuer, unexpired, and carrying this attempt's nonce. (The whole
flow runs against a real provider in tests/web/test_web_oidc.py.)"""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from shared.oidc import Client, OidcError

ISSUER, CLIENT = "https://id.hanoi.gov.vn/realms/hanoi", "kycuong"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})


@pytest.fixture
def client() -> Client:
    found = Client(ISSUER, CLIENT, "secret")
    # What discovery would have kept: the provider's public keys.
    found._metadata = {"issuer": ISSUER, "id_token_signing_alg_values_supported": ["RS256"],
                       "jwks": KeySet([KEY]).as_dict(private=False)}
    found._fetched_at = time.monotonic()
    return found


def token(key=KEY, **changes) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "lan.nt", "iat": now, "exp": now + 300, "nonce": "n-1"}
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)


def test_a_token_of_the_provider_for_this_client_and_attempt_is_taken(client):
    assert client._validate(token(), "n-1", None)["sub"] == "lan.nt"


@pytest.mark.parametrize("changes", [
    {"iss": "https://id.other-province.gov.vn"},
    {"aud": "another-client"},
    {"exp": int(time.time()) - 3600},
    {"nonce": "n-2"},
    {"nonce": None},
    {"sub": None},
], ids=["issuer", "audience", "expired", "nonce", "no nonce", "no subject"])
def test_a_token_that_does_not_hold_is_refused(client, changes):
    with pytest.raises(OidcError) as refused:
        client._validate(token(**changes), "n-1", None)
    assert refused.value.reason == "invalid_token"


def test_a_token_signed_with_another_key_is_refused(client):
    with pytest.raises(OidcError):
        client._validate(token(key=OTHER_KEY), "n-1", None)


def test_an_issuer_over_plain_http_is_refused_unless_on_this_machine():
    with pytest.raises(OidcError) as refused:
        Client("http://id.hanoi.gov.vn", CLIENT, "secret")
    assert refused.value.reason == "misconfigured"
    assert Client("http://127.0.0.1:9000", CLIENT, "secret").issuer == "http://127.0.0.1:9000"
