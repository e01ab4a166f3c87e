"""Resident memory of `kycuong up --demo` (all five services in one process) before and after the late-dossier
chain, and over a steady run.

    .venv/bin/python bench/embedded_memory.py [--dossiers 2000] [--soak 600] [--rate 20]

Starts `kycuong up --demo` on a held socket with its own var directory (SQLite, in-process broker), waits for
the demo to load, then posts `--dossiers` already-late external dossiers to POST /dossiers/api/v1/ingest/events
(batches of 500, as the publisher `bench`); the sweep makes them overdue, discipline asks for explanations and
reporting ranks them, all in the one process. Resident memory (VmRSS) is read after the demo loaded, after the
chain has ranked every dossier, then every minute of `--soak` seconds during which dossiers keep coming at
`--rate` per second. Prints a Markdown table and writes bench/results/embedded_memory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kycuong.local_stack import ROOT, listening_socket  # noqa: E402
from shared.auth import mint_token  # noqa: E402
from shared.settings import DEV_JWT_SECRET  # noqa: E402

HANOI = timezone(timedelta(hours=7))


def say(message: str) -> None:
    print(f"[embedded] {message}", file=sys.stderr, flush=True)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def headers(roles: list[str], sub: str = "bench") -> dict:
    return {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, sub=sub, unit=None, roles=roles,
                                                     now=datetime.now(UTC))}


def late_dossiers(prefix: str, n: int, units: list[str], procedure: str, handler_of: dict) -> list[dict]:
    received_at = (datetime.now(HANOI) - timedelta(days=20)).isoformat()
    return [{"specversion": "1.0", "id": str(uuid.uuid4()), "source": "/mot-cua/bench", "type": "dossier.received",
             "time": datetime.now(UTC).isoformat(), "subject": f"{prefix}-{i:07d}",
             "datacontenttype": "application/json",
             "data": {"code": f"{prefix}-{i:07d}", "procedure_code": procedure, "unit": units[i % len(units)],
                      "received_at": received_at, "handler": handler_of[units[i % len(units)]]}}
            for i in range(n)]


def post_all(base: str, events: list[dict]) -> None:
    publisher = headers(["publisher"])
    for start in range(0, len(events), 500):
        response = requests.post(f"{base}/dossiers/api/v1/ingest/events", json=events[start:start + 500],
                                 headers=publisher, timeout=600)
        assert response.status_code == 200, response.text[:2000]


def overdue_count(base: str) -> int:
    body = requests.get(f"{base}/dossiers/api/v1/dossiers?overdue=true&page_size=1",
                        headers=headers(["admin"]), timeout=30).json()
    return body.get("total", 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--soak", type=int, default=0)
    parser.add_argument("--rate", type=float, default=20)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="kyc-embedded-"))
    sock = listening_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KYCUONG_")}, "KYCUONG_VAR_DIR": str(var),
           "KYCUONG_TRUST_ANY_PUBLISHER": "1"}
    log = open(var / "up.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([sys.executable, "-m", "kycuong.cli", "up", "--demo", "--fd", str(sock.fileno())],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),))
    samples: list[dict] = []
    try:
        admin = headers(["admin"])
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, (var / "up.log").read_text(errors="replace")[-3000:]
            try:
                body = requests.get(f"{base}/dossiers/api/v1/dossiers?overdue=true&page_size=50", headers=admin,
                                    timeout=5).json()
                held = [d for d in body.get("items", []) if d.get("current_official")]
                if held:
                    break
            except (requests.ConnectionError, requests.Timeout, ValueError):
                pass
            assert time.monotonic() < deadline, "the demo did not load in 5 minutes"
            time.sleep(1)
        # A procedure and the units' officials the demo already has: dossiers of the demo's own units.
        units = sorted({d["unit"] for d in held})
        handler_of = {d["unit"]: d["current_official"] for d in held}
        procedure = held[0]["procedure_code"]
        samples.append({"when": "demo loaded", "rss_mb": round(rss_mb(process.pid), 1)})
        say(f"demo loaded: {samples[-1]}")
        before = overdue_count(base)
        started = time.perf_counter()
        post_all(base, late_dossiers("HS-EMB", args.dossiers, units, procedure, handler_of))
        while overdue_count(base) < before + args.dossiers:
            assert time.perf_counter() - started < 900, "the chain did not finish in 15 minutes"
            time.sleep(2)
        time.sleep(5)  # discipline and reporting follow the sweep
        samples.append({"when": f"after the chain ({args.dossiers} late dossiers, "
                                f"{time.perf_counter() - started:.0f} s)", "rss_mb": round(rss_mb(process.pid), 1)})
        say(f"{samples[-1]}")
        if args.soak:
            soak_started = time.perf_counter()
            sent = 0
            minute = 1
            while time.perf_counter() - soak_started < args.soak:
                due = int((time.perf_counter() - soak_started) * args.rate)
                if due > sent:
                    post_all(base, late_dossiers(f"HS-SOAK{sent}", due - sent, units, procedure, handler_of))
                    sent = due
                if time.perf_counter() - soak_started >= 60 * minute:
                    samples.append({"when": f"soak, minute {minute} ({sent} dossiers sent)",
                                    "rss_mb": round(rss_mb(process.pid), 1)})
                    say(f"{samples[-1]}")
                    minute += 1
                time.sleep(1)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        sock.close()
    root = Path(__file__).resolve().parent
    (root / "results").mkdir(exist_ok=True)
    (root / "results" / "embedded_memory.json").write_text(json.dumps(samples, indent=2))
    print("| moment | `kycuong up --demo` resident memory (MB) |")
    print("|---|---|")
    for sample in samples:
        print(f"| {sample['when']} | {sample['rss_mb']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
