"""The public feedback intake under gunicorn on PostgreSQL, beside a bare Flask + SQLAlchemy insert.

    .venv/bin/python bench/feedback_intake.py [--repeats 3] [--duration 10] [--clients 32] [--threads 4]

Starts `serve feedback` and `worker feedback` (whose relay publishes the outbox) in a RabbitMQ virtual
host and PostgreSQL databases of their own (kycuong.local_stack), and bench/baseline_app.py under
gunicorn with the same workers and threads, on a database of its own on the same server. In each repeat:

1. peak: N closed-loop clients on keep-alive connections post for a fixed duration to each target;
   throughput = 201 responses per second;
2. half peak: an open-loop schedule at half the feedback peak of that repeat, one request every
   1/rate s whatever the server does; latency is measured from the scheduled instant (a late server
   makes later requests wait, so queueing is counted), p50/p99; the baseline gets the same schedule;
3. loss check: a queue bound to `kycuong.events` with `feedback.received` is declared before the load;
   once the outbox has no unsent row, the events in it must equal the 201 responses of that repeat.

Every submission's content is unique (the service answers 200 to a duplicate) and the rate limit is
lifted through KYCUONG_RULES; the unit they name is in the directory's read copy (checked every time).
Each target's CPU seconds per accepted request at peak are read from /proc (web workers, relay,
PostgreSQL backends, RabbitMQ; `--profile DIR` adds py-spy samples of the intake's web workers). The
load generator is this process (asyncio, raw HTTP/1.1, loopback only); its own CPU time is reported,
since it shares the machine's cores with the servers.

Prints a Markdown table (medians and per-run values), progress on stderr; writes
bench/results/feedback_intake.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import kombu
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.baseline_app import create_schema  # noqa: E402
from kycuong.local_stack import PG_ADMIN_URL, LocalStack, listening_socket  # noqa: E402
from shared import broker  # noqa: E402

FEEDBACK_PATH = "/feedback/api/v1/feedback"
BASELINE_PATH = "/baseline/submissions"
NO_RATE_LIMIT = {"feedback_rate_limit": {"per_minute": 100_000_000, "burst": 100_000_000}}
MAX_REQUESTS_PER_PHASE = 200_000  # a bound on any one phase, whatever the machine
REQUEST_TIMEOUT = 30.0
UNIT = "UBND-PHUONG-BEN-THANH"


def say(message: str) -> None:
    print(f"[feedback_intake] {message}", file=sys.stderr, flush=True)


def submission(tag: str, n: int) -> bytes:
    """A citizen's web submission, as the public form sends it; the content is unique per request."""
    return json.dumps({
        "channel": "web",
        "category": "delay",
        "unit": UNIT,
        "content": f"Hồ sơ đăng ký hộ kinh doanh nộp đã quá hạn mà chưa được trả kết quả ({tag}-{n}).",
        "reporter": {"name": "Nguyễn Văn An", "phone": "0901234567"},
    }, ensure_ascii=False).encode()


# -- the load generator ------------------------------------------------------------------------------

class Connection:
    """One keep-alive HTTP/1.1 connection to a loopback port; reconnects when the server closed it."""

    def __init__(self, port: int, path: str):
        self.port = port
        self.head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> int:
        for attempt in range(2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                return await asyncio.wait_for(self._exchange(body), REQUEST_TIMEOUT)
            except (ConnectionError, asyncio.IncompleteReadError, EOFError):
                # gunicorn closes idle keep-alive connections; a request sent on one is retried once.
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, body: bytes) -> int:
        self.writer.write(self.head % len(body) + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise EOFError("connection closed by the server")
        length, keep_alive = 0, True
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                keep_alive = False
        await self.reader.readexactly(length)
        if not keep_alive:
            self.close()
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summary(statuses: Counter, latencies: list[float], elapsed: float, cpu: float) -> dict:
    return {
        "requests": sum(statuses.values()),
        "accepted": statuses.get(201, 0),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "elapsed_s": round(elapsed, 3),
        "accepted_per_s": round(statuses.get(201, 0) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2) if latencies else None,
        "load_generator_cpu_s": round(cpu, 2),
    }


async def closed_loop(port: int, path: str, clients: int, duration: float, tag: str) -> dict:
    """Each client posts, waits for the answer, posts again, until the duration is over."""
    statuses: Counter = Counter()
    latencies: list[float] = []
    counter = iter(range(MAX_REQUESTS_PER_PHASE))
    clock = time.perf_counter
    cpu_start = time.process_time()
    started = clock()
    deadline = started + duration

    async def client():
        connection = Connection(port, path)
        try:
            while clock() < deadline:
                n = next(counter, None)
                if n is None:
                    return
                sent = clock()
                statuses[await connection.post(submission(tag, n))] += 1
                latencies.append(clock() - sent)
        finally:
            connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return summary(statuses, latencies, clock() - started, time.process_time() - cpu_start)


async def open_loop(port: int, path: str, rate: float, duration: float, connections: int, tag: str) -> dict:
    """Request i is due at start + i/rate; its latency runs from then to its answer."""
    total = min(int(rate * duration), MAX_REQUESTS_PER_PHASE)
    statuses: Counter = Counter()
    latencies: list[float] = []
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection(port, path))
    clock = time.perf_counter
    cpu_start = time.process_time()
    started = clock() + 0.05

    async def one(n: int, due: float):
        connection = await pool.get()
        try:
            statuses[await connection.post(submission(tag, n))] += 1
            latencies.append(clock() - due)
        finally:
            pool.put_nowait(connection)

    tasks = []
    for n in range(total):
        due = started + n / rate
        if (wait := due - clock()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait().close()
    return summary(statuses, latencies, clock() - started, time.process_time() - cpu_start)


# -- the targets ---------------------------------------------------------------------------------------

class Baseline:
    """bench/baseline_app.py under gunicorn, on a database of its own next to the stack's."""

    def __init__(self, run: str, logs: Path, workers: int, threads: int):
        self.database = f"kyc_{run}_baseline"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.database}"
        self.socket = listening_socket()
        self.port = self.socket.getsockname()[1]
        self.logs = logs
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen | None = None

    def open(self) -> Baseline:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.database}"'))
        admin.dispose()
        create_schema(self.url)
        log = open(self.logs / "baseline.log", "ab")  # noqa: SIM115 (kept open for the child's life)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"fd://{self.socket.fileno()}", "--workers", str(self.workers),
             "--threads", str(self.threads), "--worker-class", "gthread" if self.threads > 1 else "sync",
             "--graceful-timeout", "10", "bench.baseline_app:app"],
            cwd=ROOT, env={**os.environ, "BASELINE_DATABASE_URL": self.url}, stdout=log, stderr=subprocess.STDOUT,
            pass_fds=(self.socket.fileno(),))
        deadline = time.monotonic() + 60
        while True:
            request = urllib.request.Request(f"http://127.0.0.1:{self.port}{BASELINE_PATH}", method="POST",
                                             data=submission("ready", 0),
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 201:
                        return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"baseline did not start; see {self.logs / 'baseline.log'}")
            time.sleep(0.3)

    def close(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        admin.dispose()


class EventCount:
    """A durable queue bound to kycuong.events for `feedback.received`, declared before the load."""

    def __init__(self, broker_url: str):
        self.name = f"bench.feedback_intake.{uuid.uuid4().hex[:6]}"
        self.conn = broker.connect(broker_url)
        exchange = kombu.Exchange("kycuong.events", type="topic", durable=True)
        kombu.Queue(self.name, exchange=exchange, routing_key="feedback.received",
                    durable=True)(self.conn.default_channel).declare()

    def count(self) -> int:
        return self.conn.default_channel.queue_declare(queue=self.name, passive=True).message_count

    def close(self) -> None:
        self.conn.default_channel.queue_delete(self.name)
        self.conn.release()


# -- where the CPU goes (--profile) ---------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads), 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


class Profile:
    """CPU seconds of each part of a target during one phase, per accepted request: for the intake its web
    workers, the relay's worker, its database's PostgreSQL backends, the whole RabbitMQ node; for the
    baseline its web workers and backends; the load generator for both. Less sensitive than requests per
    second to what else the shared machine runs. For the intake, py-spy's samples of the web workers too
    (`py-spy` in .venv; not a project dependency)."""

    def __init__(self, parts: dict[str, list[int]], folder: Path | None = None, duration: float = 0):
        self.parts = {**parts, "load generator": [os.getpid()]}
        self.spies = []
        spy = ROOT / ".venv" / "bin" / "py-spy"
        if folder is not None and spy.exists():
            folder.mkdir(parents=True, exist_ok=True)
            for pid in self.parts["web workers"]:
                self.spies.append(subprocess.Popen(
                    [str(spy), "record", "--pid", str(pid), "--duration", str(int(duration)), "--rate", "200",
                     "--format", "raw", "--nonblocking", "--output", str(folder / f"web-{pid}.txt")],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.before = {part: sum(cpu_seconds(p) for p in pids) for part, pids in self.parts.items()}

    def finish(self, accepted: int) -> dict:
        after = {part: sum(cpu_seconds(p) for p in pids) for part, pids in self.parts.items()}
        for spy in self.spies:
            spy.wait(timeout=120)
        used = {part: after[part] - self.before[part] for part in self.parts}
        used["all but the load generator"] = sum(v for k, v in used.items() if k != "load generator")
        return {part: round(1000 * cpu / max(accepted, 1), 2) for part, cpu in used.items()}


def backends(url: str) -> list[int]:
    engine = create_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :name"),
                                     {"name": url.rsplit("/", 1)[1]}).scalars())
    finally:
        engine.dispose()


def intake_parts(stack: LocalStack) -> dict[str, list[int]]:
    beam = subprocess.run(["pgrep", "-x", "beam.smp"], capture_output=True, text=True).stdout.split()
    return {"web workers": children(stack.processes["web_feedback"].pid),
            "worker (relay)": [stack.processes["worker_feedback"].pid],
            "PostgreSQL backends": backends(stack.database_template.format(service="feedback")),
            "RabbitMQ node (whole)": [int(p) for p in beam]}


def baseline_parts(baseline: Baseline) -> dict[str, list[int]]:
    return {"web workers": children(baseline.process.pid), "PostgreSQL backends": backends(baseline.url)}


def top_frames(folder: Path, limit: int = 25) -> list[tuple[str, float]]:
    """The functions found in most samples of the web workers (inclusive), as shares of all samples."""
    counts: Counter = Counter()
    total = 0
    for path in folder.glob("web-*.txt"):
        for line in path.read_text().splitlines():
            stack, _, n = line.rpartition(" ")
            if not n.isdigit():
                continue
            total += int(n)
            for frame in {frame.split(" (")[0] + " (" + frame.split(" (")[1].split(":")[0] + ")"
                          for frame in stack.split(";") if " (" in frame}:
                counts[frame] += int(n)
    return [(frame, round(n / total, 3)) for frame, n in counts.most_common(limit)] if total else []


def unsent(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar_one()


def feedback_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM feedback")).scalar_one()


def delivered_events(events: EventCount, outbox_engine, expected: int, timeout: float = 180) -> dict:
    """Wait until the relay has sent every outbox row, then until the queue count stops moving."""
    started = time.monotonic()
    while (left := unsent(outbox_engine)) and time.monotonic() - started < timeout:
        time.sleep(0.2)
    drained_after = time.monotonic() - started
    last, stable_since = -1, time.monotonic()
    while time.monotonic() - started < timeout:
        current = events.count()
        if current != last:
            last, stable_since = current, time.monotonic()
        elif current == expected or time.monotonic() - stable_since > 3:
            break
        time.sleep(0.2)
    return {"unsent_outbox_rows": left, "outbox_drained_after_s": round(drained_after, 2), "delivered": last}


# -- one repeat ----------------------------------------------------------------------------------------

def one_repeat(index: int, stack: LocalStack, baseline: Baseline, outbox_engine, args) -> dict:
    feedback_port = int(stack.urls["feedback"].rsplit(":", 1)[1])
    tag = f"{stack.run}-r{index}"
    events = EventCount(stack.broker_url)
    rows_before = feedback_rows(outbox_engine)
    try:
        # Alternate which target goes first, so neither always meets a warmer or colder machine.
        order = [("baseline", baseline.port, BASELINE_PATH), ("feedback", feedback_port, FEEDBACK_PATH)]
        if index % 2:
            order.reverse()
        peaks = {}
        cpu = {}
        for name, port, path in order:
            profile = Profile(intake_parts(stack), Path(args.profile) if args.profile and index == 1 else None,
                              args.duration) if name == "feedback" else Profile(baseline_parts(baseline))
            peaks[name] = asyncio.run(closed_loop(port, path, args.clients, args.duration, f"{tag}-peak-{name}"))
            cpu[name] = profile.finish(peaks[name]["accepted"])
            say(f"run {index}: {name} CPU ms per accepted request at peak: {cpu[name]}")
            say(f"run {index}: {name} peak {peaks[name]['accepted_per_s']}/s "
                f"(p99 {peaks[name]['p99_ms']} ms, statuses {peaks[name]['statuses']})")
        rate = peaks["feedback"]["accepted_per_s"] / 2
        halves = {}
        for name, port, path in order:
            halves[name] = asyncio.run(open_loop(port, path, rate, args.duration, args.clients,
                                                 f"{tag}-half-{name}"))
            say(f"run {index}: {name} at {rate:.0f}/s p50 {halves[name]['p50_ms']} ms "
                f"p99 {halves[name]['p99_ms']} ms (statuses {halves[name]['statuses']})")
        accepted = peaks["feedback"]["accepted"] + halves["feedback"]["accepted"]
        delivery = delivered_events(events, outbox_engine, accepted)
        delivery["accepted"] = accepted
        delivery["feedback_rows_written"] = feedback_rows(outbox_engine) - rows_before
        say(f"run {index}: {delivery['delivered']} feedback.received delivered for {accepted} accepted "
            f"(outbox drained {delivery['outbox_drained_after_s']} s after the load)")
    finally:
        events.close()
    return {"peak": peaks, "half_peak_rate": round(rate, 1), "half_peak": halves, "events": delivery,
            "cpu_ms_per_accepted_at_peak": cpu,
            "ratio": round(peaks["feedback"]["accepted_per_s"] / peaks["baseline"]["accepted_per_s"], 3)}


def seed_directory(outbox_engine) -> None:
    """The unit the submissions name, in the directory's read copy, as in production once discipline's
    directory has reached the service: the intake then checks the unit against it on every submission."""
    with outbox_engine.begin() as conn:
        conn.execute(text("INSERT INTO directory_units (code, name, event_time) VALUES (:code, :name, now())"),
                     {"code": UNIT, "name": "Ủy ban nhân dân phường Bến Thành"})


def check_intake(stack: LocalStack) -> None:
    """One submission before any load: a service that fails here would make every figure meaningless."""
    status, body = stack.request("feedback", "POST", FEEDBACK_PATH,
                                 body=json.loads(submission(f"{stack.run}-check", 0)))
    if status != 201:
        raise RuntimeError(f"the intake answered {status} {body} instead of 201; "
                           f"web log:\n{stack.log_tail('web_feedback', 5)[-3000:]}")


def warm_up(stack: LocalStack, baseline: Baseline, outbox_engine, clients: int) -> None:
    feedback_port = int(stack.urls["feedback"].rsplit(":", 1)[1])
    for port, path in ((baseline.port, BASELINE_PATH), (feedback_port, FEEDBACK_PATH)):
        asyncio.run(closed_loop(port, path, clients, 2.0, f"{stack.run}-warm"))
    while unsent(outbox_engine):
        time.sleep(0.2)


# -- report --------------------------------------------------------------------------------------------

def table(runs: list[dict], settings: dict) -> str:
    def row(label, values, fmt="{:.0f}"):
        cells = [fmt.format(v) for v in values]
        return f"| {label} | **{fmt.format(statistics.median(values))}** | {', '.join(cells)} |"

    lines = [
        f"Feedback intake, {settings['web_workers']} gunicorn workers × {settings['web_threads']} threads, "
        f"{settings['clients']} clients, {settings['duration_s']:.0f} s per phase, {len(runs)} runs",
        "",
        "| figure | median | runs |",
        "|---|---|---|",
        row("feedback intake, accepted per second at peak", [r["peak"]["feedback"]["accepted_per_s"] for r in runs]),
        row("bare Flask + SQLAlchemy insert, per second at peak",
            [r["peak"]["baseline"]["accepted_per_s"] for r in runs]),
        row("feedback ÷ baseline", [r["ratio"] for r in runs], "{:.2f}"),
        row("half the feedback peak, requests per second", [r["half_peak_rate"] for r in runs]),
        row("feedback p50 at half peak, ms", [r["half_peak"]["feedback"]["p50_ms"] for r in runs], "{:.1f}"),
        row("feedback p99 at half peak, ms", [r["half_peak"]["feedback"]["p99_ms"] for r in runs], "{:.1f}"),
        row("baseline p99 at the same rate, ms", [r["half_peak"]["baseline"]["p99_ms"] for r in runs], "{:.1f}"),
        row("feedback p99 at peak (closed loop), ms", [r["peak"]["feedback"]["p99_ms"] for r in runs], "{:.1f}"),
        row("CPU ms per accepted request at peak, feedback (all parts but the load generator)",
            [r["cpu_ms_per_accepted_at_peak"]["feedback"]["all but the load generator"] for r in runs], "{:.2f}"),
        row("… of which the feedback web workers",
            [r["cpu_ms_per_accepted_at_peak"]["feedback"]["web workers"] for r in runs], "{:.2f}"),
        row("CPU ms per request at peak, baseline (web workers and PostgreSQL)",
            [r["cpu_ms_per_accepted_at_peak"]["baseline"]["all but the load generator"] for r in runs], "{:.2f}"),
        row("feedback submissions accepted (201)", [r["events"]["accepted"] for r in runs]),
        row("`feedback.received` events delivered", [r["events"]["delivered"] for r in runs]),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase (peak, half peak)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections per target")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, both targets")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker, both targets")
    parser.add_argument("--profile", metavar="DIR", help="py-spy samples of the intake's web workers during the "
                        "first run's peak into DIR (py-spy in .venv)")
    args = parser.parse_args()
    if not (1 <= args.repeats <= 10 and 1 <= args.duration <= 60 and 1 <= args.clients <= 256):
        parser.error("bounded: 1-10 repeats, 1-60 s per phase, 1-256 clients")

    logs = ROOT / "bench" / "results" / "feedback_intake-logs"
    stack = LocalStack(logs, web_workers=args.workers, web_threads=args.threads,
                       extra_env={"KYCUONG_RULES": json.dumps(NO_RATE_LIMIT)})
    baseline = Baseline(stack.run, logs, args.workers, args.threads)
    outbox_engine = create_engine(stack.database_template.format(service="feedback"))
    runs = []
    try:
        say(f"starting feedback (web + worker) in vhost {stack.vhost}; logs in {logs}")
        stack.open(services=("feedback",))
        seed_directory(outbox_engine)
        check_intake(stack)
        baseline.open()
        say(f"feedback at {stack.urls['feedback']}, baseline at 127.0.0.1:{baseline.port}; warming up")
        warm_up(stack, baseline, outbox_engine, args.clients)
        for index in range(1, args.repeats + 1):
            runs.append(one_repeat(index, stack, baseline, outbox_engine, args))
    finally:
        outbox_engine.dispose()
        baseline.close()
        stack.close()

    settings = {"web_workers": args.workers, "web_threads": args.threads,
                "worker_class": "gthread" if args.threads > 1 else "sync", "clients": args.clients,
                "duration_s": args.duration, "cores": os.cpu_count(), "rules": NO_RATE_LIMIT}
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings,
        "median": {
            "feedback_peak_per_s": statistics.median(r["peak"]["feedback"]["accepted_per_s"] for r in runs),
            "baseline_peak_per_s": statistics.median(r["peak"]["baseline"]["accepted_per_s"] for r in runs),
            "ratio": statistics.median(r["ratio"] for r in runs),
            "feedback_p99_ms_at_half_peak": statistics.median(r["half_peak"]["feedback"]["p99_ms"] for r in runs),
            "events_lost": sum(r["events"]["accepted"] - r["events"]["delivered"] for r in runs),
        },
        "runs": runs,
    }
    out = ROOT / "bench" / "results" / "feedback_intake.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(table(runs, settings))
    if args.profile:
        print("\nweb workers, share of samples (inclusive) at peak:")
        for frame, share in top_frames(Path(args.profile)):
            print(f"  {share:6.1%}  {frame}")
    say(f"wrote {out}")
    aim = result["median"]["ratio"] >= 0.8 and result["median"]["feedback_p99_ms_at_half_peak"] < 50
    lossless = all(r["events"]["delivered"] == r["events"]["accepted"] for r in runs)
    say(f"aim (≥ 0.80 of baseline, p99 < 50 ms at half peak): {'met' if aim else 'NOT met'}; "
        f"events: {'none lost' if lossless else 'MISMATCH'}")
    return 0 if lossless else 1


if __name__ == "__main__":
    sys.exit(main())
