"""Late dossiers carried through the whole chain, in the distributed mode, beside raw kombu.

    .venv/bin/python bench/chain.py [--dossiers 1000] [--repeats 3] [--units 10] [--rate 0]
                                    [--prefetch 50] [--replicas 1] [--profile DIR] [--soak SECONDS]

Starts the five services as separate processes (gunicorn web + worker each) on the machine's RabbitMQ
and PostgreSQL, in a virtual host and databases of their own. In each repeat:

1. baseline: raw kombu publishes N persistent messages with publisher confirms to a durable queue
   and consumes them with acks (prefetch 20): messages per second;
2. chain: an external system publishes N already-late `dossier.received` CloudEvents (pika) on
   `kycuong.ingest`; dossiers ingests them and its sweep emits `dossier.overdue`; discipline asks
   the official and the head to explain; reporting updates scorecards and emits `ranking.updated`.
   Throughput = N / time from the first publish until every dossier is overdue in the ranking and
   discipline holds its three explanation requests (official and head for the overdue dossier, the head
   again for the apology the unit never sent: `dossier.apology_missed`); latency = for each
   `ranking.updated`, the time from the `dossier.overdue` that caused it (its causationid) to it, both
   seen by one tap consumer on `kycuong.events`.

After the repeats every process reports its resident memory (a gunicorn web process with its workers).
`--soak 600` then keeps the chain busy at `--rate` (default 60/s) for that many seconds and reports every
process's resident memory each minute. `--replicas 2` starts a second worker process per service;
`--prefetch` sets the consumers' prefetch (their batch size); `--profile DIR` records py-spy flame graphs
of the dossiers, discipline and reporting workers during the first repeat's chain (py-spy installed in
the virtual environment, not a dependency of the project).

Prints a Markdown table (medians over the repeats) and writes bench/results/chain.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
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
# Per late dossier without an apology: the official and the head explain the delay (dossier.overdue), the
# head explains the missing apology (dossier.apology_missed).
EXPLANATIONS_PER_DOSSIER = 3


def say(message: str) -> None:
    print(f"[chain] {message}", file=sys.stderr, flush=True)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (a gunicorn master and its workers), in MB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
        todo.extend(children.get(current, ()))
    return total / 1024


def memory_report(stack: LocalStack) -> dict[str, float]:
    return {name: round(rss_mb(process.pid), 1) for name, process in sorted(stack.processes.items())}


def start_profiles(stack: LocalStack, directory: Path) -> list[subprocess.Popen]:
    """py-spy on the three busy workers until `stop_profiles` (raw collapsed stacks, one file each)."""
    directory.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).parent / "py-spy"
    return [subprocess.Popen([str(spy), "record", "--pid", str(process.pid), "--rate", "50", "--format", "raw",
                              "--output", str(directory / f"{name}.txt")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, process in stack.processes.items()
            if name.startswith("worker_") and name.split("_", 1)[1].split("#")[0] in
            ("dossiers", "discipline", "reporting")]


def stop_profiles(profilers: list[subprocess.Popen]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
    for profiler in profilers:
        try:
            profiler.wait(30)
        except subprocess.TimeoutExpired:
            profiler.kill()


def start_replica(stack: LocalStack, service: str, number: int) -> None:
    """Another worker process of `service` on the same queues (`worker_<service>#<number>`)."""
    name = f"worker_{service}#{number}"
    log = open(stack.logs / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the child's life)
    stack.processes[name] = subprocess.Popen([sys.executable, "-m", "kycuong.cli", "worker", service],
                                             env=stack.env, cwd=Path(__file__).resolve().parents[1],
                                             stdout=log, stderr=subprocess.STDOUT)


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
        self.overdue_subjects: dict[str, float] = {}  # the dossier's code → when its overdue was seen
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
            self.overdue_subjects.setdefault(document["subject"], now)
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


def run_chain(stack: LocalStack, n: int, unit_count: int, repeat: int | str, rate: float = 0,
              profile: Path | None = None) -> dict:
    units = [f"BENCH{repeat}-{i:02d}" for i in range(unit_count)]
    setup_directory(stack, units)
    tap = Tap(stack.broker_url)
    token = stack.token(roles=("inspector",))
    _, explained_before = progress_counts(stack, units, token)
    codes = [f"HS-B{repeat}-{i:06d}" for i in range(n)]
    profilers = start_profiles(stack, profile) if profile else []
    started = time.perf_counter()
    publish_dossiers(stack.broker_url, codes, units, rate)
    published = time.perf_counter()
    say(f"repeat {repeat}: published {n} dossiers in {published - started:.2f}s")
    last_report = 0.0
    while True:
        overdue, explained = progress_counts(stack, units, token)
        explained -= explained_before
        now = time.perf_counter()
        if overdue >= n and explained >= EXPLANATIONS_PER_DOSSIER * n:
            break
        if now - last_report > 2:
            say(f"repeat {repeat}: {overdue}/{n} overdue in the ranking, "
                f"{explained}/{EXPLANATIONS_PER_DOSSIER * n} explanations")
            last_report = now
        if now - started > 600:
            raise SystemExit(f"the chain did not finish in 10 minutes: {overdue}/{n} ranked, {explained} explained")
        time.sleep(0.5)
    elapsed = time.perf_counter() - started
    stop_profiles(profilers)
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


def run_soak(stack: LocalStack, seconds: int, rate: float, unit_count: int) -> list[dict]:
    """Publish at `rate` for `seconds` and sample every process's resident memory each minute."""
    units = [f"SOAK-{i:02d}" for i in range(unit_count)]
    setup_directory(stack, units)
    n = int(rate * seconds)
    codes = [f"HS-SOAK-{i:07d}" for i in range(n)]
    publisher = threading.Thread(target=publish_dossiers, args=(stack.broker_url, codes, units, rate), daemon=True)
    started = time.perf_counter()
    publisher.start()
    samples = [{"second": 0, "rss_mb": memory_report(stack)}]
    while publisher.is_alive():
        publisher.join(max(0.0, started + 60 * len(samples) - time.perf_counter()))
        samples.append({"second": round(time.perf_counter() - started), "rss_mb": memory_report(stack)})
        say(f"soak: {samples[-1]}")
    token = stack.token(roles=("inspector",))
    deadline = time.perf_counter() + 300
    while progress_counts(stack, units, token)[0] < n and time.perf_counter() < deadline:
        time.sleep(2)
    overdue, _ = progress_counts(stack, units, token)
    samples.append({"second": round(time.perf_counter() - started), "rss_mb": memory_report(stack),
                    "overdue_ranked": overdue, "published": n})
    say(f"soak done: {samples[-1]}")
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--rate", type=float, default=0,
                        help="publish at this many dossiers per second (default: as fast as possible, "
                             "which measures throughput; a steady rate below it measures latency)")
    parser.add_argument("--prefetch", type=int, default=None,
                        help="the consumers' prefetch, which bounds their batches (default: the settings')")
    parser.add_argument("--relay-batch", type=int, default=None, help="the outbox relays' batch")
    parser.add_argument("--replicas", type=int, default=1, help="worker processes per service")
    parser.add_argument("--profile", type=Path, default=None,
                        help="record py-spy profiles of the busy workers during the first repeat here")
    parser.add_argument("--soak", type=int, default=0,
                        help="after the repeats, publish at --rate (60/s when not given) for this many seconds "
                             "and report resident memory every minute")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent
    env = {}
    if args.prefetch:
        env["KYCUONG_PREFETCH"] = str(args.prefetch)
    if args.relay_batch:
        env["KYCUONG_RELAY_BATCH"] = str(args.relay_batch)
    stack = LocalStack(root / "results" / "chain-logs", extra_env=env)
    say(f"starting the distributed topology (10 processes, {args.replicas} worker(s) per service)…")
    stack.open()
    for number in range(2, args.replicas + 1):
        for service in ("dossiers", "discipline", "reporting", "tasks", "feedback"):
            start_replica(stack, service, number)
    memory: dict = {}
    soak: list = []
    try:
        results = []
        memory["after_start"] = memory_report(stack)
        for repeat in range(1, args.repeats + 1):
            say(f"repeat {repeat}: raw kombu baseline with {args.dossiers} messages…")
            baseline = raw_kombu(stack.broker_url, args.dossiers)
            say(f"repeat {repeat}: baseline {baseline:.0f} msg/s; now the chain…")
            chain = run_chain(stack, args.dossiers, args.units, repeat, args.rate,
                              profile=args.profile if repeat == 1 else None)
            chain["baseline_per_second"] = baseline
            chain["ratio"] = chain["per_second"] / baseline
            say(f"repeat {repeat}: chain {chain['per_second']:.0f} dossiers/s, p50 {chain['latency_p50_ms']} ms")
            results.append(chain)
        memory["after_chain"] = memory_report(stack)
        say(f"resident memory after the chain (MB): {memory['after_chain']}")
        if args.soak:
            soak = run_soak(stack, args.soak, args.rate or 60, args.units)
    finally:
        stack.close()

    def med(key):
        values = [r[key] for r in results if r[key] is not None]
        return statistics.median(values) if values else None

    summary = {key: med(key) for key in ("per_second", "baseline_per_second", "ratio", "latency_p50_ms",
                                           "latency_p95_ms", "seconds")}
    (root / "results").mkdir(exist_ok=True)
    (root / "results" / "chain.json").write_text(json.dumps({"runs": results, "median": summary, "memory": memory,
                                                             "soak": soak}, indent=2))
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
    for name, mb in memory.get("after_chain", {}).items():
        print(f"| resident memory after the chain, {name} (MB) | {mb:.0f} |")
    if soak:
        names = sorted(soak[0]["rss_mb"])
        print()
        print("| second | " + " | ".join(names) + " |")
        print("|---" * (len(names) + 1) + "|")
        for sample in soak:
            print(f"| {sample['second']} | " + " | ".join(f"{sample['rss_mb'].get(n, 0):.0f}" for n in names) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
