"""The README's first command, as a newcomer runs it: `kycuong up --demo` on a fresh data folder shows,
within a minute, overdue demo dossiers with explanation requests, a sanction proposal and a ranking."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from conftest import wait_until

from kycuong.local_stack import ROOT, free_port
from shared.auth import mint_token
from shared.settings import DEV_JWT_SECRET

HANOI = timezone(timedelta(hours=7))


@pytest.fixture
def demo(tmp_path):
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KYCUONG_")},
           "KYCUONG_VAR_DIR": str(tmp_path / "var")}
    log = open(tmp_path / "demo.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([sys.executable, "-m", "kycuong.cli", "up", "--demo", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield f"http://127.0.0.1:{port}", process, tmp_path / "demo.log"
    process.terminate()
    process.wait(timeout=20)


def test_the_demo_shows_the_late_dossier_chain_within_a_minute(demo):
    base, process, log = demo
    started = time.monotonic()
    admin = {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, sub="newcomer", unit=None, roles=["admin"],
                                                     now=datetime.now(HANOI))}

    def get(path, **kw):
        try:
            r = requests.get(base + path, timeout=5, **kw)
        except requests.ConnectionError:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            return None
        return r.json() if r.status_code == 200 else None

    overdue = wait_until(lambda: (body := get("/dossiers/api/v1/dossiers?overdue=true", headers=admin))
                         and body["total"] > 0 and body, timeout=60, interval=0.5, message="overdue demo dossiers")
    late_code = overdue["items"][0]["code"]
    explanations = wait_until(lambda: (body := get(f"/discipline/api/v1/explanations?subject={late_code}",
                                                   headers=admin)) and len(body["items"]) == 2 and body,
                              timeout=60, interval=0.5, message="two explanation requests for a late dossier")
    assert {item["role"] for item in explanations["items"]} == {"official", "head"}
    wait_until(lambda: (body := get("/discipline/api/v1/sanction-proposals", headers=admin)) and body["total"] > 0,
               timeout=60, interval=0.5, message="a sanction proposal")
    period = datetime.now(HANOI).strftime("%Y-%m")
    ranking = wait_until(lambda: (body := get(f"/reporting/api/v1/rankings?period={period}")) and body["items"]
                         and any(i["overdue_open"] for i in body["items"]) and body,
                         timeout=60, interval=0.5, message="a ranking with overdue dossiers")
    assert time.monotonic() - started < 60
    names = {item["unit_name"] for item in ranking["items"]}
    assert "Sở Xây dựng" in names  # real Hà Nội units with their Vietnamese names
    assert requests.get(base + "/", timeout=5).status_code == 200
