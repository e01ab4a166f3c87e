"""Tokens, roles and unit scoping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.auth import Principal, decode_token, mint_token
from shared.errors import Forbidden, Unauthorized
from shared.settings import Settings

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
SETTINGS = Settings.from_env(env={})


def test_a_minted_token_decodes_to_its_principal():
    token = mint_token(SETTINGS.jwt_secret, sub="cb-01", unit="HN-SNV", roles=["officer", "head"],
                       now=datetime.now(UTC))
    principal = decode_token(token, SETTINGS)
    assert principal == Principal("cb-01", "HN-SNV", frozenset({"officer", "head"}))


def test_expired_and_forged_tokens_are_refused_with_a_reason():
    expired = mint_token(SETTINGS.jwt_secret, sub="x", unit=None, roles=["admin"], now=NOW - timedelta(days=2),
                         ttl=timedelta(hours=1))
    with pytest.raises(Unauthorized, match="expired"):
        decode_token(expired, SETTINGS)
    forged = mint_token("another-secret-of-at-least-32-bytes!!", sub="x", unit=None, roles=["admin"],
                        now=datetime.now(UTC))
    with pytest.raises(Unauthorized, match="not valid"):
        decode_token(forged, SETTINGS)


def test_unknown_roles_cannot_be_minted():
    with pytest.raises(ValueError, match="unknown role"):
        mint_token(SETTINGS.jwt_secret, sub="x", unit=None, roles=["chairman"], now=NOW)


def test_an_officer_sees_their_unit_and_the_units_below_it_only():
    officer = Principal("cb", "HN-SNV", frozenset({"officer"}))
    tree = {"HN-SNV-P1": ["HN-SNV", "P01"], "HN-STP": ["P01"]}
    assert officer.can_access_unit("HN-SNV")
    assert officer.can_access_unit("HN-SNV-P1", lambda u: tree.get(u, []))
    assert not officer.can_access_unit("HN-STP", lambda u: tree.get(u, []))
    with pytest.raises(Forbidden, match="HN-STP"):
        officer.ensure_unit("HN-STP")


def test_inspectors_and_the_office_see_every_unit():
    for role in ("inspector", "office", "admin"):
        assert Principal("x", None, frozenset({role})).can_access_unit("ANY")
