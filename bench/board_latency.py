"""How soon a dossier going overdue shows on the Service Center's open board, in distributed mode.

    .venv/bin/python bench/board_latency.py [--dossiers 20]

Starts the five services as separate processes (kycuong.local_stack) on the machine's RabbitMQ and PostgreSQL.
One at a time, an external system publishes an already-late dossier on `kycuong.ingest`; dossiers' sweep turns
it overdue and publishes `dossier.overdue` (seen, with its local receive time, by a tap on `kycuong.events`);
reporting projects it onto the board. Meanwhile the bench asks for the board's live part exactly as the open
page's htmx poll does (GET /reporting/board with `HX-Request`, signed in as the Office) every 50 ms, until the
unit's overdue count has risen. Measured: from the `dossier.overdue` event to the first answer that shows it
("on the board's data"). The page polls every `POLL_SECONDS` (services/reporting/pages/board.py), so a reader
sees it at most that much later: the worst case on screen is the data latency plus one poll.

Prints a Markdown table (p50, p95, max over the dossiers) and writes bench/results/board_latency.json.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chain import Tap, publish_dossiers, say, setup_directory  # noqa: E402

from kycuong.local_stack import LocalStack  # noqa: E402
from services.reporting.pages.board import POLL_SECONDS  # noqa: E402

UNIT = "BL-001"


def overdue_on_board(session: requests.Session, url: str) -> int:
    """The unit's overdue count in the board's live part, as the open page receives it."""
    answer = session.get(url, headers={"HX-Request": "true"}, timeout=10)
    answer.raise_for_status()
    row = re.search(rf'<tr data-unit="{UNIT}">(.*?)</tr>', answer.text, re.S)
    if row is None:
        return 0
    return int(re.search(r'class="board-overdue[^"]*">([\d.]+)<', row.group(1)).group(1).replace(".", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=20)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent
    stack = LocalStack(root / "results" / "board-latency-logs")
    say("starting the distributed topology (10 processes)…")
    stack.open()
    tap = None
    latencies: list[float] = []
    try:
        setup_directory(stack, [UNIT])
        tap = Tap(stack.broker_url)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {stack.token(roles=('office',))}"
        url = stack.urls["reporting"] + "/reporting/board"
        before = overdue_on_board(session, url)
        for i in range(args.dossiers):
            code = f"HS-BL-{uuid.uuid4().hex[:8].upper()}"
            publish_dossiers(stack.broker_url, [code], [UNIT])
            deadline = time.perf_counter() + 120
            while True:
                count = overdue_on_board(session, url)
                if count > before:
                    shown = time.perf_counter()
                    break
                if time.perf_counter() > deadline:
                    raise SystemExit(f"dossier {code} never showed overdue on the board")
                time.sleep(0.05)
            went_overdue = tap.overdue_subjects.get(code)
            if went_overdue is None:  # the tap may see the event after the board: wait for it
                time.sleep(1)
                went_overdue = tap.overdue_subjects[code]
            latencies.append(shown - went_overdue)
            before = count
            say(f"dossier {i + 1}/{args.dossiers}: on the board {1000 * latencies[-1]:.0f} ms after dossier.overdue")
    finally:
        if tap is not None:
            tap.close()
        stack.close()
    ms = sorted(1000 * x for x in latencies)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    result = {"dossiers": len(ms), "p50_ms": statistics.median(ms), "p95_ms": p95, "max_ms": ms[-1],
              "poll_seconds": POLL_SECONDS, "latencies_ms": ms}
    (root / "results").mkdir(exist_ok=True)
    (root / "results" / "board_latency.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"| `dossier.overdue` → on the board's data ({len(ms)} dossiers, one at a time) | p50 | p95 | max |")
    print("|---|---|---|---|")
    print(f"| data latency, ms | {result['p50_ms']:.0f} | {p95:.0f} | {ms[-1]:.0f} |")
    print(f"| worst case on screen (+ one poll of {POLL_SECONDS} s), ms | {result['p50_ms'] + 1000 * POLL_SECONDS:.0f}"
          f" | {p95 + 1000 * POLL_SECONDS:.0f} | {ms[-1] + 1000 * POLL_SECONDS:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
