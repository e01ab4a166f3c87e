"""Server time of the workbench pages with 1,000,000 dossiers and 1,000 units on PostgreSQL, beside a bare
Flask page rendering the same rows; and of reporting's live board and home page on the projections of as
many dossiers.

    .venv/bin/python bench/pages.py [--pages workbench,workbench-head,unit,dossier,board,board-live,home]
                                    [--dossiers 1000000] [--units 1000] [--requests 300] [--repeats 3] [--quick]
                                    [--keep] [--database NAME] [--reporting-database NAME] [--code DIR]

Reporting's pages (`board`, `board-live`, `home`) get a database of their own (kyc_bench_pages_rep_<pid>),
loaded by bench/reporting_data.py (COPY, the same way), served by `kycuong serve reporting` under the same
settings; the dossiers database, its web process and the baseline are made only when a dossiers page is
measured (the ratio to the baseline is then left out for reporting's pages).

1. Creates a PostgreSQL database of its own (kyc_bench_pages_<pid>), applies the dossiers migrations and
   loads units, procedures and dossiers with COPY (bench/pages_data.py: the data and their spread), then
   VACUUM ANALYZE. `--database NAME` measures a database an earlier `--keep` run left instead.
   `--code DIR` serves another checkout's dossiers service (e.g. `git archive` of a branch), migrated first.
2. Starts the dossiers web process as production does (`kycuong serve dossiers`: gunicorn, 2 workers ×
   4 threads, distributed settings with random 64-character JWT and session secrets) and, beside it,
   bench/baseline_pages_app.py under the same gunicorn settings on the same database. The web process is
   given the in-memory broker: serving a page never touches the broker (only /readyz and the worker do).
3. Signs in by minting the session cookie (shared.web.session.issue, the processes' secret) as the official
   (not a head) holding the most open dossiers, and as the head of the unit with the most open dossiers.
4. Each page is declared below (PAGES: path, who signs in, budget). A page whose route answers 404 is
   skipped with a message (it has not landed yet). After 30 warm-up requests each, every repeat sends
   `--requests` GETs to each page and to the baseline one after another on one keep-alive connection
   (alternating whether the baseline goes first or last) and reads the app's own time and its thread's CPU
   time from the `Server-Timing: app;dur=…, cpu;dur=…` header (shared/web/app.py); a server without it is
   timed by the client on loopback (and the table says so).

Prints a Markdown table (p50/p95/p99 of server time and the p50 of thread CPU time, medians of the repeats;
p95 ÷ the baseline's p95 in the same repeat), progress on stderr; writes bench/results/pages.json (or
pages-quick.json), with the load averages before and after: on a shared machine the wall times follow them,
the CPU times much less.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, pool, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import reporting_data  # noqa: E402
from bench.pages_data import Dataset, _choose_people, load, psycopg_url  # noqa: E402
from kycuong.local_stack import listening_socket  # noqa: E402
from shared.auth import Principal  # noqa: E402
from shared.web import session  # noqa: E402

PG_SERVER = os.environ.get("KYCUONG_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
RESULTS = ROOT / "bench" / "results"
WARM_UP = 30
WORKERS, THREADS = 2, 4  # `kycuong serve`'s defaults, for both targets
BASELINE = "baseline"


@dataclass(frozen=True)
class PageEntry:
    """One page to measure: its path (formatted with the Dataset's fields), who is signed in, the budget."""

    name: str
    path: str
    who: str  # officer | head | office | public (no session)
    budget_ms: float
    what: str
    service: str = "dossiers"
    headers: tuple[tuple[str, str], ...] = ()


PAGES = {page.name: page for page in (
    PageEntry("workbench", "/dossiers/workbench", "officer", 150,
              "the busiest officer's open dossiers by remaining working time, first page of 50"),
    PageEntry("workbench-head", "/dossiers/workbench", "head", 150, "the same page as the unit's head"),
    PageEntry("unit", "/dossiers/unit", "head", 150, "the head's view of the unit's open dossiers"),
    PageEntry("dossier", "/dossiers/workbench/{most_urgent}", "officer", 150,
              "the officer's most urgent dossier with its control sheet"),
    PageEntry("board", "/reporting/board", "office", 200,
              "the live board: every unit's open, due soon and overdue dossiers, worst first, and by step",
              service="reporting"),
    PageEntry("board-live", "/reporting/board", "office", 200,
              "the board's part htmx polls every second (HX-Request)", service="reporting",
              headers=(("HX-Request", "true"),)),
    PageEntry("home", "/reporting/", "public", 50, "the public home page: the month's ranking of every unit",
              service="reporting"),
)}


def say(message: str) -> None:
    print(f"[pages] {message}", file=sys.stderr, flush=True)


def admin_execute(statement: str) -> None:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


# -- the servers -------------------------------------------------------------------------------------

class Server:
    """A gunicorn process on a held loopback socket."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], ready_path: str, logs: Path,
                 cwd: Path = ROOT):
        self.name, self.ready_path = name, ready_path
        self.socket = listening_socket()
        self.port = self.socket.getsockname()[1]
        self.log = logs / f"{name}.log"
        log = open(self.log, "ab")  # noqa: SIM115 (kept open for the child's life)
        args = [a.replace("{fd}", str(self.socket.fileno())) for a in args]
        self.process = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, pass_fds=(self.socket.fileno(),))

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", self.ready_path)
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
                raise SystemExit(f"{self.name} did not start; {self.log}:\n{tail}")
            time.sleep(0.3)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.socket.close()


def serve(service: str, url: str, secret: str, logs: Path, code: Path) -> Server:
    """`kycuong serve <service>` on `url`, migrated first, as production runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYCUONG_")}
    service_env = {**env, f"KYCUONG_{service.upper()}_DATABASE_URL": url, "KYCUONG_BROKER_URL": "memory://",
                   "KYCUONG_JWT_SECRET": secret, "KYCUONG_SESSION_SECRET": secret,
                   "KYCUONG_TRUST_ANY_PUBLISHER": "1", "KYCUONG_INSTANCE": "bench-pages", "PYTHONUNBUFFERED": "1"}
    # The checkout measured (`--code`) may have migrations this one has not: production migrates, then serves.
    migrate = subprocess.run([sys.executable, "-m", "kycuong.cli", "migrate", service], cwd=code, env=service_env,
                             capture_output=True, text=True, timeout=600)
    if migrate.returncode != 0:
        raise SystemExit(f"kycuong migrate {service} failed in {code}:\n{migrate.stderr[-3000:]}")
    return Server(f"web_{service}", ["-m", "kycuong.cli", "serve", service, "--fd", "{fd}", "--workers",
                                     str(WORKERS), "--threads", str(THREADS)], service_env, f"/{service}/healthz",
                  logs, cwd=code)


def start_servers(url: str | None, reporting_url: str | None, logs: Path,
                  code: Path) -> tuple[dict[str, Server], Server | None, str]:
    """The web process of each service measured ({service: Server}), the baseline beside dossiers', the secret."""
    secret = secrets.token_hex(32)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYCUONG_")}
    webs, baseline = {}, None
    if url:
        webs["dossiers"] = serve("dossiers", url, secret, logs, code)
        baseline = Server(BASELINE, ["-m", "gunicorn", "--bind", "fd://{fd}", "--workers", str(WORKERS), "--threads",
                                     str(THREADS), "--worker-class", "gthread", "--graceful-timeout", "10",
                                     "bench.baseline_pages_app:app"],
                          {**env, "BASELINE_DATABASE_URL": url}, "/baseline/workbench?official=", logs)
    if reporting_url:
        webs["reporting"] = serve("reporting", reporting_url, secret, logs, code)
    for server in (*webs.values(), baseline):
        if server is not None:
            server.wait_ready()
    return webs, baseline, secret


# -- the client --------------------------------------------------------------------------------------

class Client:
    """One keep-alive connection, as a browser keeps one."""

    def __init__(self, port: int, cookie: str | None = None, headers: tuple[tuple[str, str], ...] = ()):
        self.port = port
        self.headers = {"Accept": "text/html"} | ({"Cookie": f"{session.COOKIE}={cookie}"} if cookie else {}) \
            | dict(headers)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[int, dict[str, float], float, bytes]:
        """(status, the app's Server-Timing metrics in ms (`app`, `cpu`), the client's milliseconds, body)."""
        for attempt in range(2):
            try:
                sent = time.perf_counter()
                self.conn.request("GET", path, headers=self.headers)
                response = self.conn.getresponse()
                body = response.read()
                client_ms = (time.perf_counter() - sent) * 1000
                return response.status, server_timing(response.getheader("Server-Timing") or ""), client_ms, body
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def server_timing(header: str) -> dict[str, float]:
    """`app;dur=12.3, cpu;dur=4.5` -> {"app": 12.3, "cpu": 4.5}."""
    metrics = {}
    for metric in header.split(","):
        name, _, params = metric.strip().partition(";")
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "dur" and name:
                metrics[name] = float(value)
    return metrics


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def measure(client: Client, path: str, n: int) -> dict:
    server, cpu, client_times, statuses, untimed = [], [], [], set(), 0
    for _ in range(n):
        status, timing, client_ms, _body = client.get(path)
        statuses.add(status)
        untimed += "app" not in timing
        server.append(timing.get("app", client_ms))
        if "cpu" in timing:
            cpu.append(timing["cpu"])
        client_times.append(client_ms)
    if statuses != {200}:
        raise SystemExit(f"{path} answered {sorted(statuses)} during the measurement")
    # A server without the Server-Timing header (an older checkout) is timed by the client, on loopback.
    return {"requests": n, **{f"p{q}_ms": round(percentile(server, q / 100), 2) for q in (50, 95, 99)},
            "max_ms": round(max(server), 2), "client_p95_ms": round(percentile(client_times, 0.95), 2),
            "cpu_p50_ms": round(percentile(cpu, 0.5), 2) if cpu else None, "client_timed": untimed}


def table_rows(body: bytes) -> int:
    return body.count(b"<tr") - body.count(b"<thead") if b"<thead" in body else body.count(b"<tr")


# -- the run -----------------------------------------------------------------------------------------

def targets(entries: list[PageEntry], data: Dataset, webs: dict[str, Server], baseline: Server | None,
            secret: str) -> dict:
    """name -> (client, path, entry or None); pages whose route answers 404 are left out with a message."""
    people = {"officer": Principal(data.officer, data.officer_unit, frozenset({"officer"})),
              "head": Principal(data.head, data.unit, frozenset({"head"})),
              "office": Principal("VP-BENCH-01", "TINH", frozenset({"office"})), "public": None}
    found = {}
    if baseline is not None:
        found[BASELINE] = (Client(baseline.port), f"/baseline/workbench?official={data.officer}", None)
        status, _, _, body = found[BASELINE][0].get(found[BASELINE][1])
        say(f"baseline: {status}, {table_rows(body)} table rows, {len(body):,} bytes")
    for entry in entries:
        web = webs[entry.service]
        who = people[entry.who]
        client = Client(web.port, session.issue(secret, who) if who else None, entry.headers)
        path = entry.path.format(**data.__dict__)
        status, _, _, body = client.get(path)
        if status == 404:
            say(f"{entry.name}: SKIPPED — {path} answers 404 (the page has not landed yet)")
            client.close()
            continue
        if status != 200:
            tail = web.log.read_text(errors="replace")[-2000:]
            raise SystemExit(f"{entry.name}: {path} answered {status} as {entry.who}; {web.log}:\n{tail}")
        say(f"{entry.name}: 200 as {entry.who} {who.sub if who else ''}, {table_rows(body)} table rows, "
            f"{len(body):,} bytes")
        found[entry.name] = (client, path, entry)
    return found


def run(found: dict, requests: int, repeats: int) -> list[dict]:
    for client, path, _ in found.values():
        for _ in range(WARM_UP):
            client.get(path)
    runs = []
    for repeat in range(1, repeats + 1):
        order = list(found)
        if repeat % 2 == 0:  # the baseline first in odd repeats, last in even ones
            order = order[1:] + order[:1]
        results = {}
        for name in order:
            client, path, _ = found[name]
            started = time.perf_counter()
            results[name] = measure(client, path, requests)
            say(f"repeat {repeat}: {name} p50 {results[name]['p50_ms']} ms, p95 {results[name]['p95_ms']} ms, "
                f"p99 {results[name]['p99_ms']} ms ({requests} requests in {time.perf_counter() - started:.0f} s)")
        for name in results:
            entry = found[name][2]
            # The baseline renders the workbench's rows: a ratio only for the dossiers service's pages.
            compared = BASELINE in results and (entry is None or entry.service == "dossiers")
            results[name]["ratio_p95"] = round(results[name]["p95_ms"] / results[BASELINE]["p95_ms"], 2) \
                if compared else None
        runs.append(results)
    return runs


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    with psycopg.connect(psycopg_url(f"{PG_SERVER}/postgres")) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
        shared_buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(int(memory) / 1024 / 1024, 1),
            "postgresql": postgres, "shared_buffers": shared_buffers, "python": platform.python_version()}


def report(runs: list[dict], found: dict, data: Dataset, reporting: reporting_data.ReportingDataset | None, args,
           load_seconds: dict[str, float]) -> str:
    def median(name, key):
        values = [r[name][key] for r in runs if r[name][key] is not None]
        return statistics.median(values) if values else None

    said = []
    if data.dossiers:
        said.append(f"dossiers service: {data.dossiers:,} dossiers ({data.open:,} open, {data.overdue:,} overdue), "
                    f"{data.units:,} units")
    if reporting is not None:
        said.append(f"reporting: the facts of {reporting.dossiers:,} dossiers ({reporting.open:,} open, "
                    f"{reporting.due_soon:,} due soon, {reporting.overdue:,} overdue), {reporting.units:,} units, "
                    f"{reporting.board_rows:,} board counters")
    lines = ["; ".join(said) + f"; {args.requests} requests per page per repeat, {len(runs)} repeats; server time "
             "(Server-Timing), ms, medians of the repeats",
             "", "| page | signed in as | p50 | p95 | p99 | p95 ÷ baseline p95 | budget p95 | p95 per repeat | "
             "app thread CPU p50 |", "|---|---|---|---|---|---|---|---|---|"]
    for name, (_, path, entry) in found.items():
        per_repeat = ", ".join(f"{r[name]['p95_ms']:.1f}" for r in runs)
        cpu = median(name, "cpu_p50_ms")
        cpu = f"{cpu:.1f}" if cpu is not None else "—"
        if entry is None:
            who = data.officer
        else:
            who = {"officer": f"officer {data.officer}", "head": f"head {data.head}", "office": "office",
                   "public": "nobody (public)"}[entry.who]
        budget = f"{entry.budget_ms:.0f}" + (" met" if median(name, "p95_ms") < entry.budget_ms else " **missed**") \
            if entry else "—"
        label = f"`{path}`" if entry is None else f"{name} `{entry.path}`"
        if entry is not None and entry.headers:
            label += " (" + ", ".join(f"{k}: {v}" for k, v in entry.headers) + ")"
        if any(r[name]["client_timed"] for r in runs):
            label += " (client time: no Server-Timing)"
        ratio = median(name, "ratio_p95")
        lines.append(f"| {label} | {who} | {median(name, 'p50_ms'):.1f} | **{median(name, 'p95_ms'):.1f}** | "
                     f"{median(name, 'p99_ms'):.1f} | {'—' if ratio is None else f'{ratio:.2f}'} | {budget} | "
                     f"{per_repeat} | {cpu} |")
    if load_seconds:
        seconds = {**{f"dossiers {k}": v for k, v in data.seconds.items()},
                   **({f"reporting {k}": v for k, v in reporting.seconds.items()} if reporting else {})}
        lines += ["", f"Load: {sum(load_seconds.values()):.0f} s "
                      f"({', '.join(f'{k} {v:.0f} s' for k, v in seconds.items())})."]
    return "\n".join(lines)


def load_dossiers(args, url: str, load_seconds: dict) -> Dataset:
    if args.database:
        data = Dataset(url, 0, 0)
        with psycopg.connect(psycopg_url(url)) as conn:
            data.dossiers, data.open = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE status IN ('received', 'awaiting_supplement')) "
                "FROM dossiers").fetchone()
            data.overdue = conn.execute("SELECT count(*) FROM dossiers WHERE status = 'received' "
                                        "AND due_at <= now()").fetchone()[0]
            data.units = conn.execute("SELECT count(DISTINCT unit) FROM dossiers").fetchone()[0]
            _choose_people(conn, data)
        say(f"measuring the existing database {args.database}")
    else:
        say(f"creating {url.rsplit('/', 1)[1]} and loading {args.dossiers:,} dossiers in {args.units:,} units")
        admin_execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
        started = time.perf_counter()
        data = load(url, args.dossiers, args.units, progress=say)
        load_seconds["dossiers"] = time.perf_counter() - started
        say(f"loaded in {load_seconds['dossiers']:.0f} s")
    say(f"officer {data.officer} holds {data.officer_open} open dossiers (most urgent {data.most_urgent}); "
        f"unit {data.unit} has the most open, {data.unit_open}, its head {data.head} holds {data.head_open}")
    return data


def load_reporting(args, url: str, load_seconds: dict) -> reporting_data.ReportingDataset:
    name = url.rsplit("/", 1)[1]
    if args.reporting_database:
        data = reporting_data.ReportingDataset(url, 0, 0)
        with psycopg.connect(psycopg_url(url)) as conn:
            data.dossiers = conn.execute("SELECT count(*) FROM dossier_facts").fetchone()[0]
            data.open, data.due_soon, data.overdue, data.board_rows = conn.execute(
                "SELECT sum(open), sum(due_soon), sum(overdue), count(*) FROM board_counts").fetchone()
            data.units = conn.execute("SELECT count(DISTINCT unit) FROM board_counts").fetchone()[0]
        say(f"measuring the existing reporting database {name}")
        return data
    say(f"creating {name} and loading the facts of {args.dossiers:,} dossiers in {args.units:,} units")
    admin_execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    data = reporting_data.load(url, args.dossiers, args.units, progress=say)
    load_seconds["reporting"] = time.perf_counter() - started
    say(f"reporting loaded in {load_seconds['reporting']:.0f} s")
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of: {', '.join(PAGES)}")
    parser.add_argument("--dossiers", type=int, default=None, help="default 1,000,000 (--quick: 20,000)")
    parser.add_argument("--units", type=int, default=None, help="default 1,000 (--quick: 20)")
    parser.add_argument("--requests", type=int, default=None, help="per page per repeat, default 300 (--quick: 50)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a small run to try the bench: 20,000 dossiers")
    parser.add_argument("--keep", action="store_true", help="keep the databases (their names are printed)")
    parser.add_argument("--database", help="measure this dossiers database, loaded by an earlier --keep run; "
                                           "not dropped")
    parser.add_argument("--reporting-database", help="likewise for reporting's pages")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the checkout whose services are served (default: this one), e.g. a "
                             "`git archive` of another branch; migrated first")
    args = parser.parse_args()
    args.dossiers = args.dossiers or (20_000 if args.quick else 1_000_000)
    args.units = args.units or (20 if args.quick else 1_000)
    args.requests = args.requests or (50 if args.quick else 300)
    unknown = [p for p in args.pages.split(",") if p not in PAGES]
    if unknown or not (1 <= args.repeats <= 10 and 1 <= args.requests <= 10_000):
        parser.error(f"unknown pages {unknown}" if unknown else "bounded: 1-10 repeats, 1-10,000 requests")
    entries = [PAGES[p] for p in args.pages.split(",")]
    services = {entry.service for entry in entries}

    logs = RESULTS / "pages-logs"
    logs.mkdir(parents=True, exist_ok=True)
    name = args.database or f"kyc_bench_pages_{os.getpid()}"
    reporting_name = args.reporting_database or f"kyc_bench_pages_rep_{os.getpid()}"
    url = f"{PG_SERVER}/{name}" if "dossiers" in services else None
    reporting_url = f"{PG_SERVER}/{reporting_name}" if "reporting" in services else None
    load_seconds: dict[str, float] = {}
    servers: list[Server] = []
    found: dict = {}
    data, reporting = Dataset("", 0, 0), None
    try:
        if url:
            data = load_dossiers(args, url, load_seconds)
        if reporting_url:
            reporting = load_reporting(args, reporting_url, load_seconds)
        load_average = {"before": os.getloadavg()}
        webs, baseline, secret = start_servers(url, reporting_url, logs, args.code.resolve())
        servers = [*webs.values(), *([baseline] if baseline else [])]
        found = targets(entries, data, webs, baseline, secret)
        runs = run(found, args.requests, args.repeats)
        load_average["after"] = os.getloadavg()
    finally:
        for client, _, _ in found.values():
            client.close()
        for server in servers:
            server.close()
        for database, given, wanted in ((name, args.database, url), (reporting_name, args.reporting_database,
                                                                     reporting_url)):
            if not wanted or given:
                continue
            if args.keep:
                say(f"kept the database {database} (measure it again with --database / --reporting-database "
                    f"{database}; drop it when done)")
            else:
                admin_execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_1_5_15_min": load_average,
        "code": str(args.code.resolve()),
        "settings": {"dossiers": args.dossiers, "units": args.units, "requests": args.requests,
                     "repeats": args.repeats, "web_workers": WORKERS, "web_threads": THREADS, "warm_up": WARM_UP},
        "data": data.summary() if url else None,
        "reporting_data": reporting.summary() if reporting else None,
        "load_seconds": load_seconds,
        "pages": {n: {"path": p, "who": e.who, "budget_ms": e.budget_ms, "headers": dict(e.headers)} if e
                  else {"path": p} for n, (_, p, e) in found.items()},
        "median": {n: {k: statistics.median(values) if (values := [r[n][k] for r in runs if r[n][k] is not None])
                       else None for k in runs[0][n]} for n in found},
        "runs": runs,
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if services == {"dossiers"} else "-" + "-".join(sorted(services))
    out = RESULTS / (f"pages{suffix}-quick.json" if args.quick else f"pages{suffix}.json")
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(report(runs, found, data, reporting, args, load_seconds))
    say(f"wrote {out}")
    missed = [n for n, (_, _, e) in found.items() if e and result["median"][n]["p95_ms"] >= e.budget_ms]
    say("every page within its budget" if not missed else f"over budget at p95: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
