"""Late dossiers carried through the whole chain, in the distributed mode, beside raw kombu.

    .venv/bin/python bench/chain.py [--dossiers 1000] [--repeats 3] [--units 10] [--rate 0]

Starts the five services as separate processes (gunicorn web + worker each) on the machine's RabbitMQ
and PostgreSQL, in a virtual host and databases of their own. In each repeat:

1. baseline: raw kombu publishes N persistent messages with publisher confirms to a durable queue
   and consumes them with acks (prefetch 20): messages per second;
2. chain: an external system publishes N already-late `dossier.received` CloudEvents (pika) on
   `kycuong.ingest`; dossiers ingests them and its sweep emits `dossier.overdue`; discipline asks
   the official and the head to explain; reporting updates scorecards and emits `ranking.updated`.
   Throughput = N / time from the first publish until every dossier is overdue in the ranking and
   explained twice; latency = for each `ranking.updated`, the time from the `dossier.overdue` that
   caused it (its causationid) to it, both seen by one tap consumer on `kycuong.events`.

Prints a Markdown table (medians over the repeats) and writes bench/results/chain.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import kombu
import pika
from cloudevents.core.bindings import rabbitmq as ce_rabbitmq
from cloudevents.core.v1.event import CloudEvent

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kycuong.local_stack import LocalStack  # noqa: E402
from shared import broker  # noqa: E402

HANOI = timezone(timedelta(hours=7))
PROCEDURE = "1.001612"


def say(message: str) -> None:
    print(f"[chain] {message}", file=sys.stderr, flush=True)


# -- baseline ---------------------------------------------------------------------------------------

def raw_kombu(broker_url: str, n: int) -> float:
    """Messages per second of publish-with-confirm then consume-with-ack through one durable queue."""
    queue = kombu.Queue(f"bench.raw.{uuid.uuid4().hex[:6]}", durable=True)
    body = json.dumps({"code": "HS-0", "padding": "x" * 400}).encode()
    conn = broker.connect(broker_url)
    try:
        queue(conn.default_channel).declare()
        producer = conn.Producer()
        done = threading.Event()
        received = 0

        def on_message(message):
            nonlocal received
            message.ack()
            received += 1
            if received == n:
                done.set()

        started = time.perf_counter()
        consumer_conn = broker.connect(broker_url)
        with consumer_conn.Consumer(queues=[queue], on_message=on_message, prefetch_count=20):
            def drain():
                while not done.is_set():
                    try:
                        consumer_conn.drain_events(timeout=0.5)
                    except TimeoutError:
                        pass
            drainer = threading.Thread(target=drain, daemon=True)
            drainer.start()
            for _ in range(n):
                broker.publish(producer, body, exchange="", routing_key=queue.name)
            done.wait(300)
            elapsed = time.perf_counter() - started
            drainer.join(5)
        queue(conn.default_channel).delete()
        consumer_conn.release()
        return n / elapsed
    finally:
        conn.release()


# -- the chain --------------------------------------------------------------------------------------

class Tap:
    """Sees dossier.overdue and ranking.updated on kycuong.events, with local receive times."""

    def __init__(self, broker_url: str):
        self.overdue: dict[str, float] = {}
        self.ranking: list[tuple[str, float]] = []  # (causationid, received)
        self.stop = threading.Event()
        self.conn = broker.connect(broker_url)
        self.queue = kombu.Queue(f"bench.tap.{uuid.uuid4().hex[:6]}", exchange=kombu.Exchange(
            "kycuong.events", type="topic", durable=True), routing_key="dossier.overdue", exclusive=True)
        self.queue(self.conn.default_channel).declare()
        self.queue(self.conn.default_channel).bind_to("kycuong.events", routing_key="ranking.updated")
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def on_message(self, message):
        now = time.perf_counter()
        document = json.loads(message.body)
        if document["type"] == "dossier.overdue":
            self.overdue.setdefault(document["id"], now)
        elif document.get("causationid"):
            self.ranking.append((document["causationid"], now))
        message.ack()

    def run(self):
        with self.conn.Consumer(queues=[self.queue], on_message=self.on_message, prefetch_count=200):
            while not self.stop.is_set():
                try:
                    self.conn.drain_events(timeout=0.5)
                except TimeoutError:
                    pass

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.conn.release()


def setup_directory(stack: LocalStack, units: list[str]) -> None:
    token = stack.token(roles=("admin",))
    for unit in units:
        status, body = stack.request("discipline", "POST", "/discipline/api/v1/units", token=token,
                                     body={"code": unit, "name": f"Đơn vị thử tải {unit}", "parent": None,
                                           "kind": "department"})
        assert status in (200, 201, 409), body
        for code, leader in ((f"{unit}-CB", False), (f"{unit}-GD", True)):
            status, body = stack.request("discipline", "POST", "/discipline/api/v1/officials", token=token,
                                         body={"code": code, "name": "Cán bộ thử tải", "unit": unit,
                                               "position": "Giám đốc" if leader else "Chuyên viên",
                                               "category": "cong_chuc", "is_leader": leader})
            assert status in (200, 201, 409), body
        status, body = stack.request("discipline", "POST", f"/discipline/api/v1/units/{unit}/heads", token=token,
                                     body={"official": f"{unit}-GD", "since": "2024-01-01"})
        assert status in (200, 201), body
    status, body = stack.request("dossiers", "POST", "/dossiers/api/v1/procedures", token=token,
                                 body={"code": PROCEDURE, "name": "Đăng ký thành lập hộ kinh doanh",
                                       "processing_days": 3})
    assert status in (201, 409), body


def publish_dossiers(broker_url: str, codes: list[str], units: list[str], rate: float = 0) -> None:
    """Publish as fast as the broker confirms, or at `rate` dossiers per second."""
    received_at = (datetime.now(HANOI) - timedelta(days=10)).isoformat()
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    channel = connection.channel()
    channel.confirm_delivery()
    started = time.perf_counter()
    for i, code in enumerate(codes):
        if rate:
            time.sleep(max(0.0, started + i / rate - time.perf_counter()))
        unit = units[i % len(units)]
        event = CloudEvent({"id": str(uuid.uuid4()), "source": "/mot-cua/bench", "type": "dossier.received",
                            "specversion": "1.0", "time": datetime.now(UTC), "subject": code,
                            "datacontenttype": "application/json"},
                           {"code": code, "procedure_code": PROCEDURE, "unit": unit, "received_at": received_at,
                            "handler": f"{unit}-CB"})
        message = ce_rabbitmq.to_structured_event(event)
        channel.basic_publish("kycuong.ingest", "dossier.received", message.body,
                              pika.BasicProperties(content_type=message.content_type, delivery_mode=2))
    connection.close()


def progress_counts(stack: LocalStack, units: list[str], token: str) -> tuple[int, int]:
    """(overdue dossiers of `units` in the ranking, explanation requests in discipline): two requests,
    so that watching the chain does not load the machine it measures."""
    period = datetime.now(HANOI).strftime("%Y-%m")
    status, body = stack.request("reporting", "GET", f"/reporting/api/v1/rankings?period={period}&page_size=500")
    overdue = sum(i["overdue_open"] for i in body.get("items", []) if i["unit"] in units) if status == 200 else 0
    status, body = stack.request("discipline", "GET", "/discipline/api/v1/explanations?page_size=1", token=token)
    return overdue, body.get("total", 0) if status == 200 else 0


def run_chain(stack: LocalStack, n: int, unit_count: int, repeat: int, rate: float = 0) -> dict:
    units = [f"BENCH{repeat}-{i:02d}" for i in range(unit_count)]
    setup_directory(stack, units)
    tap = Tap(stack.broker_url)
    token = stack.token(roles=("inspector",))
    _, explained_before = progress_counts(stack, units, token)
    codes = [f"HS-B{repeat}-{i:06d}" for i in range(n)]
    started = time.perf_counter()
    publish_dossiers(stack.broker_url, codes, units, rate)
    published = time.perf_counter()
    say(f"repeat {repeat}: published {n} dossiers in {published - started:.2f}s")
    last_report = 0.0
    while True:
        overdue, explained = progress_counts(stack, units, token)
        explained -= explained_before
        now = time.perf_counter()
        if overdue >= n and explained >= 2 * n:
            break
        if now - last_report > 2:
            say(f"repeat {repeat}: {overdue}/{n} overdue in the ranking, {explained}/{2 * n} explanations")
            last_report = now
        if now - started > 600:
            raise SystemExit(f"the chain did not finish in 10 minutes: {overdue}/{n} ranked, {explained} explained")
        time.sleep(0.5)
    elapsed = time.perf_counter() - started
    time.sleep(1)  # let the tap see the last ranking.updated
    tap.close()
    latencies = [received - tap.overdue[cause] for cause, received in tap.ranking if cause in tap.overdue]
    latencies.sort()
    return {
        "dossiers": n,
        "seconds": elapsed,
        "per_second": n / elapsed,
        "overdue_seen": len(tap.overdue),
        "ranking_updates": len(tap.ranking),
        "latency_p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "latency_p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--rate", type=float, default=0,
                        help="publish at this many dossiers per second (default: as fast as possible, "
                             "which measures throughput; a steady rate below it measures latency)")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent
    stack = LocalStack(root / "results" / "chain-logs")
    say("starting the distributed topology (10 processes)…")
    stack.open()
    try:
        results = []
        for repeat in range(1, args.repeats + 1):
            say(f"repeat {repeat}: raw kombu baseline with {args.dossiers} messages…")
            baseline = raw_kombu(stack.broker_url, args.dossiers)
            say(f"repeat {repeat}: baseline {baseline:.0f} msg/s; now the chain…")
            chain = run_chain(stack, args.dossiers, args.units, repeat, args.rate)
            chain["baseline_per_second"] = baseline
            chain["ratio"] = chain["per_second"] / baseline
            say(f"repeat {repeat}: chain {chain['per_second']:.0f} dossiers/s, p50 {chain['latency_p50_ms']} ms")
            results.append(chain)
    finally:
        stack.close()

    def med(key):
        values = [r[key] for r in results if r[key] is not None]
        return statistics.median(values) if values else None

    summary = {key: med(key) for key in ("per_second", "baseline_per_second", "ratio", "latency_p50_ms",
                                           "latency_p95_ms", "seconds")}
    (root / "results").mkdir(exist_ok=True)
    (root / "results" / "chain.json").write_text(json.dumps({"runs": results, "median": summary}, indent=2))
    rate = f", published at {args.rate:g}/s" if args.rate else ", published as fast as confirmed"
    print(f"| dossiers per run | {args.dossiers} ({args.units} units, {args.repeats} runs{rate}) |")
    print("|---|---|")
    print(f"| chain, overdue dossiers per second (median) | {summary['per_second']:.0f} |")
    print(f"| raw kombu publish+consume+ack per second (median) | {summary['baseline_per_second']:.0f} |")
    print(f"| chain ÷ raw kombu | {summary['ratio']:.2f} |")
    if summary["latency_p50_ms"] is not None:
        print(f"| dossier.overdue → ranking.updated p50 / p95 (ms) | {summary['latency_p50_ms']:.0f} / "
              f"{summary['latency_p95_ms']:.0f} |")
    runs = ", ".join(f"{r['per_second']:.0f}/s" for r in results)
    print(f"| per-run results | {runs} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
