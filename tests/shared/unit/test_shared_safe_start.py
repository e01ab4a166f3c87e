"""Safe by default: outside the embedded default (in-memory broker, SQLite files), a process that serves or
works refuses to start when anyone could forge a token (no secret, the development secret published in the
source, a short one) or publish dossier events for any unit (no publisher registry)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kycuong.local_stack import ROOT
from shared.settings import DEV_JWT_SECRET, Settings

REAL = {"KYCUONG_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
        "KYCUONG_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/kycuong_{service}"}
GOOD_SECRET = "5f0c2b8e9a7d4c1f8e6b3a2d9c7e5f1a0b4d8c6e2f9a7b3c5d1e8f0a6b2c4d9e"
PUBLISHERS = '{"motcua-hoankiem": ["W00070"]}'


def _run(command: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KYCUONG_")}
    return subprocess.run([sys.executable, "-m", "kycuong.cli", *command.split()], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", ["worker tasks", "serve dossiers", "up"])
def test_no_process_starts_against_a_real_broker_with_the_development_secret_or_no_publishers(command):
    refused = _run(command, {**REAL, "KYCUONG_JWT_SECRET": DEV_JWT_SECRET})
    assert refused.returncode != 0
    assert "KYCUONG_JWT_SECRET" in refused.stderr and "KYCUONG_PUBLISHERS" in refused.stderr
    unset = _run(command, {**REAL, "KYCUONG_PUBLISHERS": PUBLISHERS})
    assert unset.returncode != 0
    assert "KYCUONG_JWT_SECRET is unset" in unset.stderr and "KYCUONG_PUBLISHERS" not in unset.stderr


def test_each_reason_names_what_to_set():
    assert Settings.from_env(env={}).embedded_default
    assert [r.split(" ")[0] for r in Settings.from_env(env={**REAL}).unsafe_reasons()] == [
        "KYCUONG_JWT_SECRET", "KYCUONG_SESSION_SECRET", "KYCUONG_PUBLISHERS"]
    short = Settings.from_env(env={**REAL, "KYCUONG_JWT_SECRET": "s3cret", "KYCUONG_PUBLISHERS": PUBLISHERS})
    assert [r.split(" ")[0] for r in short.unsafe_reasons()] == ["KYCUONG_JWT_SECRET", "KYCUONG_SESSION_SECRET"]
    assert Settings.from_env(env={**REAL, "KYCUONG_JWT_SECRET": GOOD_SECRET,
                                  "KYCUONG_PUBLISHERS": PUBLISHERS}).unsafe_reasons() == []
    # Development against a real broker: the opt-out is explicit, and an identity provider replaces the secret.
    provider = {**REAL, "KYCUONG_JWT_JWKS_URL": "https://sso.hanoi.gov.vn/jwks", "KYCUONG_TRUST_ANY_PUBLISHER": "1"}
    assert [r.split(" ")[0] for r in Settings.from_env(env=provider).unsafe_reasons()] == ["KYCUONG_SESSION_SECRET"]
    assert Settings.from_env(env={**provider, "KYCUONG_SESSION_SECRET": GOOD_SECRET}).unsafe_reasons() == []
