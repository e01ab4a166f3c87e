"""The feedback intake behind the gateway with one `serve` replica and with two, side by side.

    .venv/bin/python bench/feedback_intake_scaling.py [--repeats 3] [--duration 10] [--clients 32]

One `worker feedback` (the relay) and two `serve feedback` processes (each --workers 2 --threads 4 by
default) on the same database and virtual host (kycuong.local_stack), and nginx with deploy/nginx.conf as
the gateway: one listener whose `/feedback/` upstream is the first replica only, one whose upstream is both
replicas (round robin, keep-alive), both in the same nginx. In each repeat, alternating the order: the
peak of 32 closed-loop clients straight to the first replica (no gateway), through the gateway to one
replica, through the gateway to two; then an open-loop schedule at half the one-replica peak against
both gateway listeners (p50/p99 from each request's scheduled instant); then the loss check of
bench/feedback_intake.py (every 201 has its `feedback.received` delivered).

Everything shares this machine's cores: a second replica here adds processes, not a processor. The
figure is what a second process on the same host gives; a second host would add its own cores to the
web tier while the database, the relay and RabbitMQ stay where they are.

Prints a Markdown table; writes bench/results/feedback_intake_scaling.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.feedback_intake import (  # noqa: E402
    FEEDBACK_PATH,
    NO_RATE_LIMIT,
    EventCount,
    check_intake,
    closed_loop,
    delivered_events,
    feedback_rows,
    open_loop,
    seed_directory,
    unsent,
)
from kycuong.local_stack import LocalStack, listening_socket  # noqa: E402

DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def say(message: str) -> None:
    print(f"[feedback_intake_scaling] {message}", file=sys.stderr, flush=True)


def replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise RuntimeError(f"expected {old!r} once in the gateway configuration")
    return text.replace(old, new)


class Gateway:
    """nginx with deploy/nginx.conf: its server block twice, `/feedback/` to one replica or to both."""

    def __init__(self, folder: Path, replicas: list[int]):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.one, self.two = listening_socket(), listening_socket()
        upstreams = (DEPLOY / "nginx-upstreams.conf").read_text(encoding="utf-8")
        planned = re.search(r"upstream kycuong_feedback \{\s*server 127\.0\.0\.1:(\d+);", upstreams).group(1)
        upstreams = replace_once(upstreams, f"127.0.0.1:{planned};", f"127.0.0.1:{replicas[0]};")
        upstreams += ("\nupstream kycuong_feedback_two {\n"
                      + "".join(f"    server 127.0.0.1:{port};\n" for port in replicas)
                      + "    keepalive 16;\n}\n")
        (folder / "nginx-upstreams.conf").write_text(upstreams, encoding="utf-8")
        conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
        conf = replace_once(conf, "pid /tmp/kycuong-gateway.pid;", f"pid {folder / 'nginx.pid'};")
        server = conf[conf.index("    server {"):conf.rindex("}")]
        second = replace_once(server, "listen 8100;", f"listen 127.0.0.1:{self.two.getsockname()[1]};")
        second = replace_once(second, "proxy_pass http://kycuong_feedback;", "proxy_pass http://kycuong_feedback_two;")
        conf = replace_once(conf, "listen 8100;", f"listen 127.0.0.1:{self.one.getsockname()[1]};")
        conf = conf[:conf.rindex("}")] + second + "}\n"
        (folder / "nginx.conf").write_text(conf, encoding="utf-8")
        self.log = (folder / "gateway.log").open("wb")
        fds = (self.one.fileno(), self.two.fileno())
        self.process = subprocess.Popen([NGINX, "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                                        stdout=self.log, stderr=subprocess.STDOUT, pass_fds=fds,
                                        env={**os.environ, "NGINX": "".join(f"{fd};" for fd in fds)})
        deadline = time.monotonic() + 20
        for port in self.ports:
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        break
                except OSError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"nginx did not start; see {folder / 'gateway.log'}") from None
                    time.sleep(0.1)

    @property
    def ports(self) -> tuple[int, int]:
        return self.one.getsockname()[1], self.two.getsockname()[1]

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        self.one.close()
        self.two.close()


def second_replica(stack: LocalStack, workers: int, threads: int):
    """Another `serve feedback` on the stack's database and broker, on a socket of its own."""
    sock = listening_socket()
    log = (stack.logs / "web_feedback_2.log").open("ab")
    process = subprocess.Popen([sys.executable, "-m", "kycuong.cli", "serve", "feedback", "--fd", str(sock.fileno()),
                                "--workers", str(workers), "--threads", str(threads)],
                               env=stack.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/feedback/readyz"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return process, sock, log
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the second replica did not start; see {stack.logs / 'web_feedback_2.log'}")
        time.sleep(0.3)


def one_repeat(index: int, stack: LocalStack, gateway: Gateway, outbox_engine, args) -> dict:
    direct = int(stack.urls["feedback"].rsplit(":", 1)[1])
    one, two = gateway.ports
    tag = f"{stack.run}-s{index}"
    events = EventCount(stack.broker_url)
    rows_before = feedback_rows(outbox_engine)
    accepted = 0
    try:
        order = [("direct, one replica", direct), ("gateway, one replica", one), ("gateway, two replicas", two)]
        if index % 2 == 0:
            order.reverse()
        peaks = {}
        for name, port in order:
            peaks[name] = asyncio.run(closed_loop(port, FEEDBACK_PATH, args.clients, args.duration,
                                                  f"{tag}-peak-{port}"))
            accepted += peaks[name]["accepted"]
            say(f"run {index}: {name} peak {peaks[name]['accepted_per_s']}/s (p99 {peaks[name]['p99_ms']} ms, "
                f"statuses {peaks[name]['statuses']})")
        rate = peaks["gateway, one replica"]["accepted_per_s"] / 2
        halves = {}
        for name, port in order[1:] if index % 2 else order[:2]:
            halves[name] = asyncio.run(open_loop(port, FEEDBACK_PATH, rate, args.duration, args.clients,
                                                 f"{tag}-half-{port}"))
            accepted += halves[name]["accepted"]
            say(f"run {index}: {name} at {rate:.0f}/s p50 {halves[name]['p50_ms']} ms p99 {halves[name]['p99_ms']} ms")
        delivery = delivered_events(events, outbox_engine, accepted)
        delivery["accepted"] = accepted
        delivery["feedback_rows_written"] = feedback_rows(outbox_engine) - rows_before
        say(f"run {index}: {delivery['delivered']} feedback.received delivered for {accepted} accepted")
    finally:
        events.close()
    return {"peak": peaks, "half_peak_rate": round(rate, 1), "half_peak": halves, "events": delivery,
            "two_over_one": round(peaks["gateway, two replicas"]["accepted_per_s"]
                                  / peaks["gateway, one replica"]["accepted_per_s"], 3)}


def table(runs: list[dict], args) -> str:
    def row(label, values, fmt="{:.0f}"):
        return (f"| {label} | **{fmt.format(statistics.median(values))}** | "
                f"{', '.join(fmt.format(v) for v in values)} |")

    lines = [f"Feedback intake behind the gateway, each replica {args.workers} workers × {args.threads} threads, "
             f"{args.clients} clients, {args.duration:.0f} s per phase, {len(runs)} runs", "",
             "| figure | median | runs |", "|---|---|---|"]
    for name in ("direct, one replica", "gateway, one replica", "gateway, two replicas"):
        lines.append(row(f"{name}: accepted per second at peak", [r["peak"][name]["accepted_per_s"] for r in runs]))
    lines.append(row("two replicas ÷ one (gateway)", [r["two_over_one"] for r in runs], "{:.2f}"))
    lines.append(row("half the one-replica peak, requests per second", [r["half_peak_rate"] for r in runs]))
    for name in ("gateway, one replica", "gateway, two replicas"):
        lines.append(row(f"{name}: p50 at that rate, ms", [r["half_peak"][name]["p50_ms"] for r in runs], "{:.1f}"))
        lines.append(row(f"{name}: p99 at that rate, ms", [r["half_peak"][name]["p99_ms"] for r in runs], "{:.1f}"))
    for name in ("gateway, one replica", "gateway, two replicas"):
        lines.append(row(f"{name}: p99 at peak, ms", [r["peak"][name]["p99_ms"] for r in runs], "{:.1f}"))
    lines.append(row("submissions accepted (201)", [r["events"]["accepted"] for r in runs]))
    lines.append(row("`feedback.received` events delivered", [r["events"]["delivered"] for r in runs]))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per replica")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    args = parser.parse_args()
    if not (1 <= args.repeats <= 10 and 1 <= args.duration <= 60 and 1 <= args.clients <= 256):
        parser.error("bounded: 1-10 repeats, 1-60 s per phase, 1-256 clients")
    if NGINX is None:
        parser.error("nginx is not installed (apt-get install nginx)")

    logs = ROOT / "bench" / "results" / "feedback_intake_scaling-logs"
    stack = LocalStack(logs, web_workers=args.workers, web_threads=args.threads,
                       extra_env={"KYCUONG_RULES": json.dumps(NO_RATE_LIMIT), "KYCUONG_TRUSTED_PROXIES": "127.0.0.1"})
    outbox_engine = create_engine(stack.database_template.format(service="feedback"))
    replica = gateway = None
    runs = []
    try:
        say(f"starting feedback (two web replicas + worker) in vhost {stack.vhost}; logs in {logs}")
        stack.open(services=("feedback",))
        seed_directory(outbox_engine)
        check_intake(stack)
        replica = second_replica(stack, args.workers, args.threads)
        gateway = Gateway(logs / "gateway", [int(stack.urls["feedback"].rsplit(":", 1)[1]),
                                             replica[1].getsockname()[1]])
        say(f"gateway listeners: one replica :{gateway.ports[0]}, two replicas :{gateway.ports[1]}; warming up")
        for port in gateway.ports:
            asyncio.run(closed_loop(port, FEEDBACK_PATH, args.clients, 2.0, f"{stack.run}-warm-{port}"))
        while unsent(outbox_engine):
            time.sleep(0.2)
        for index in range(1, args.repeats + 1):
            runs.append(one_repeat(index, stack, gateway, outbox_engine, args))
    finally:
        outbox_engine.dispose()
        if gateway is not None:
            gateway.close()
        if replica is not None:
            process, sock, log = replica
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            sock.close()
            log.close()
        stack.close()

    result = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "settings": {**vars(args), "cores": os.cpu_count()}, "runs": runs}
    out = ROOT / "bench" / "results" / "feedback_intake_scaling.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(table(runs, args))
    say(f"wrote {out}")
    lossless = all(r["events"]["delivered"] == r["events"]["accepted"] for r in runs)
    say(f"events: {'none lost' if lossless else 'MISMATCH'}")
    return 0 if lossless else 1


if __name__ == "__main__":
    sys.exit(main())
