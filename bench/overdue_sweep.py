"""One overdue sweep of the dossiers service on PostgreSQL, over many open dossiers and few newly late.

    .venv/bin/python bench/overdue_sweep.py [--open 1000000] [--small-open 100000] [--overdue 10000]
                                            [--completed 300000] [--repeats 3]

Builds two databases of its own (dropped at the end), migrated with the dossiers migrations:
- large: `--open` open dossiers, `--overdue` of them (spread evenly through the table) past their due
  instant and never alerted, the rest due within the next 60 days, plus `--completed` completed ones;
- small: the same with `--small-open` open dossiers (same overdue and completed counts), the baseline
  showing whether the work follows the newly overdue or all open dossiers.
Rows are generated inside PostgreSQL (generate_series), then VACUUM ANALYZE.

Each repeat, on each database (alternating which goes first), after resetting the alerts, the outbox
and the alert markers and a VACUUM ANALYZE:
1. on the large database only, a sweep whose clock stands before every due instant: 0 newly overdue;
2. the full sweep, `services.dossiers.sweeps.sweep_overdue(runtime)` with a ManualClock at the chosen
   now, timed; it must return `--overdue` and leave exactly that many `dossier.overdue` outbox rows;
3. the next sweep straight after (0 newly overdue, the just-updated rows' old index entries still there).
A ServiceRuntime (in-memory broker, no workers) runs them; before timing, one untimed sweep on the small
database warms the connection pool and the event catalog, as in a worker that has been running.

Prints a Markdown table and writes bench/results/overdue_sweep.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, pool, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kycuong.registry import spec  # noqa: E402
from services.dossiers.sweeps import sweep_overdue  # noqa: E402
from shared.clock import ManualClock  # noqa: E402
from shared.migrations import upgrade  # noqa: E402
from shared.runtime import ServiceRuntime  # noqa: E402
from shared.settings import Settings  # noqa: E402

RESULTS = Path(__file__).with_name("results") / "overdue_sweep.json"
PG_SERVER = os.environ.get("KYCUONG_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hà Nội
BEFORE_EVERY_DUE = NOW - timedelta(days=400)
PROCEDURE = "BENCH.SWEEP"


def say(message: str) -> None:
    print(f"[overdue_sweep] {message}", file=sys.stderr, flush=True)


def admin_execute(statement: str) -> None:
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def build(url: str, open_count: int, overdue: int, completed: int) -> None:
    """Migrate and fill one database; every `open_count // overdue`-th open dossier is the late one."""
    upgrade(spec("dossiers").migrations, url)
    step = open_count // overdue
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO procedures (code, name, created_at) "
                "VALUES (:code, 'Thủ tục đo hiệu năng', :now)"), {"code": PROCEDURE, "now": NOW})
            say(f"  inserting {open_count:,} open dossiers ({overdue:,} overdue)")
            started = time.perf_counter()
            # Late ones: due between 1 minute and ~30 days ago; the rest: due within the next 60 days.
            conn.execute(text("""
                INSERT INTO dossiers (code, procedure_code, unit, handler, channel, status, received_at,
                                      counting_starts_at, processing_days, due_at, rules_version,
                                      completed_at, timeliness, overdue_alerted_due_at, created_at)
                SELECT 'HS-O-' || i, :procedure, 'unit-' || (i % 50), 'can-bo-' || (i % 500), 'online',
                       'received', due - interval '14 days', due - interval '14 days', 10, due, 'default',
                       NULL, NULL, NULL, due - interval '14 days'
                FROM (
                    SELECT i, CASE WHEN i % :step = 0 AND i / :step <= :overdue
                                   THEN CAST(:now AS timestamptz) - (i / :step) * interval '4 minutes 19 seconds'
                                   ELSE CAST(:now AS timestamptz) + interval '1 minute'
                                        + (i % 86400) * interval '60 seconds'
                              END AS due
                    FROM generate_series(1, :open) AS i
                ) AS g
            """), {"procedure": PROCEDURE, "step": step, "overdue": overdue, "now": NOW, "open": open_count})
            say(f"  open dossiers in {time.perf_counter() - started:.1f} s; inserting {completed:,} completed")
            started = time.perf_counter()
            conn.execute(text("""
                INSERT INTO dossiers (code, procedure_code, unit, handler, channel, status, received_at,
                                      counting_starts_at, processing_days, due_at, rules_version,
                                      completed_at, timeliness, overdue_alerted_due_at, created_at)
                SELECT 'HS-C-' || i, :procedure, 'unit-' || (i % 50), 'can-bo-' || (i % 500), 'online',
                       'completed', due - interval '14 days', due - interval '14 days', 10, due, 'default',
                       due - interval '1 day', 'on_time', NULL, due - interval '14 days'
                FROM (SELECT i, CAST(:now AS timestamptz) - (i % 500) * interval '1 day' AS due
                      FROM generate_series(1, :completed) AS i) AS g
            """), {"procedure": PROCEDURE, "now": NOW, "completed": completed})
            say(f"  completed dossiers in {time.perf_counter() - started:.1f} s")
        vacuum(engine)
    finally:
        engine.dispose()


def vacuum(engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE dossiers, dossier_alerts, outbox"))


def reset(runtime: ServiceRuntime) -> None:
    """Back to 'nothing alerted yet', then VACUUM so every run starts from the same clean table."""
    with runtime.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
        conn.execute(text("DELETE FROM dossier_alerts"))
        conn.execute(text("UPDATE dossiers SET overdue_alerted_due_at = NULL "
                          "WHERE overdue_alerted_due_at IS NOT NULL"))
    vacuum(runtime.engine)


def timed_sweep(runtime: ServiceRuntime, now: datetime) -> tuple[float, int]:
    runtime.clock.set(now)
    started = time.perf_counter()
    emitted = sweep_overdue(runtime)
    return time.perf_counter() - started, emitted


def overdue_events(runtime: ServiceRuntime) -> int:
    with runtime.engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM outbox WHERE routing_key = 'dossier.overdue'"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", type=int, default=1_000_000)
    parser.add_argument("--small-open", type=int, default=100_000)
    parser.add_argument("--overdue", type=int, default=10_000)
    parser.add_argument("--completed", type=int, default=300_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="do not drop the databases (to profile them)")
    args = parser.parse_args()

    tag = f"{os.getpid()}"
    databases = {"large": (f"kyc_bench_sweep_large_{tag}", args.open),
                 "small": (f"kyc_bench_sweep_small_{tag}", args.small_open)}
    runtimes: dict[str, ServiceRuntime] = {}
    dossiers = spec("dossiers")
    try:
        for label, (name, open_count) in databases.items():
            say(f"building the {label} database {name}")
            url = f"{PG_SERVER}/{name}"
            build(url, open_count, args.overdue, args.completed)
            settings = Settings(database_urls={"dossiers": url})
            runtimes[label] = ServiceRuntime(dossiers, settings, clock=ManualClock(NOW))

        say("warm-up sweep on the small database (untimed)")
        timed_sweep(runtimes["small"], NOW)

        runs: dict[str, list[float]] = {"large": [], "small": [], "large_zero": [], "large_next": [],
                                        "small_next": [], "ratio": []}
        for repeat in range(args.repeats):
            order = ["large", "small"] if repeat % 2 == 0 else ["small", "large"]
            for label in order:
                runtime = runtimes[label]
                reset(runtime)
                if label == "large":
                    seconds, emitted = timed_sweep(runtime, BEFORE_EVERY_DUE)
                    if emitted:
                        raise SystemExit(f"a sweep before every due instant emitted {emitted}")
                    runs["large_zero"].append(seconds)
                    say(f"run {repeat + 1}: large, 0 newly overdue: {seconds * 1000:.1f} ms")
                seconds, emitted = timed_sweep(runtime, NOW)
                events = overdue_events(runtime)
                if emitted != args.overdue or events != args.overdue:
                    raise SystemExit(f"{label}: the sweep returned {emitted} and left {events} dossier.overdue "
                                     f"rows, expected {args.overdue}")
                runs[label].append(seconds)
                next_seconds, emitted = timed_sweep(runtime, NOW)
                if emitted:
                    raise SystemExit(f"{label}: the next sweep emitted {emitted} again")
                runs[f"{label}_next"].append(next_seconds)
                say(f"run {repeat + 1}: {label}, {args.overdue:,} newly overdue: {seconds:.3f} s "
                    f"({events:,} dossier.overdue rows); next sweep {next_seconds * 1000:.1f} ms")
            runs["ratio"].append(runs["large"][-1] / runs["small"][-1])
    finally:
        for runtime in runtimes.values():
            runtime.engine.dispose()
        if not args.keep:
            for name, _ in databases.values():
                admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    medians = {key: statistics.median(values) for key, values in runs.items()}
    result = {"measured_at": datetime.now(UTC).isoformat(), "open": args.open, "small_open": args.small_open,
              "overdue": args.overdue, "completed": args.completed, "repeats": args.repeats, "runs": runs,
              "medians": medians}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2), encoding="utf-8")

    def listed(key: str, scale: float = 1.0, places: int = 3) -> str:
        return ", ".join(f"{v * scale:.{places}f}" for v in runs[key])

    print("| figure | median | runs |")
    print("|---|---|---|")
    print(f"| sweep, {args.open:,} open / {args.overdue:,} newly overdue, s | **{medians['large']:.3f}** "
          f"| {listed('large')} |")
    print(f"| sweep, {args.small_open:,} open / {args.overdue:,} newly overdue, s | {medians['small']:.3f} "
          f"| {listed('small')} |")
    print(f"| ratio large ÷ small (same repeat) | **{medians['ratio']:.2f}** | {listed('ratio', places=2)} |")
    print(f"| sweep, {args.open:,} open / 0 newly overdue, ms | {medians['large_zero'] * 1000:.1f} "
          f"| {listed('large_zero', 1000, 1)} |")
    print(f"| next sweep straight after, {args.open:,} open, ms | {medians['large_next'] * 1000:.1f} "
          f"| {listed('large_next', 1000, 1)} |")
    print(f"| next sweep straight after, {args.small_open:,} open, ms | {medians['small_next'] * 1000:.1f} "
          f"| {listed('small_next', 1000, 1)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
