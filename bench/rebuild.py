"""`kycuong reporting rebuild` speed: events replayed per second from the archive.

    .venv/bin/python bench/rebuild.py [--dossiers 6000] [--units 200] [--repeats 3] [--database-url URL]

Fills a reporting database of its own (SQLite file in a temporary directory by default, or the given
PostgreSQL URL, emptied first) with an archive of realistic events: per dossier a receipt, and either a
completion (early, on time or late, with hand-overs) or an overdue notice; every tenth one a supplement
request and its receipt; a late one an explanation request; plus a task and a rating per ten dossiers.
Each repeat times `services.reporting.use_cases.rebuild` (empty the projections, replay in batches of
2,000, re-rank every period once) and, as the baseline in the same run, reading the same archive in the
same batches into Event objects without projecting them. Prints a Markdown table and writes
bench/results/rebuild.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kycuong.registry import spec  # noqa: E402
from services.reporting.models import ArchivedEvent  # noqa: E402
from services.reporting.use_cases.rebuild import event_from_archive, rebuild  # noqa: E402
from shared.clock import ManualClock  # noqa: E402
from shared.events.envelope import Event  # noqa: E402
from shared.migrations import upgrade  # noqa: E402
from shared.runtime import ServiceRuntime  # noqa: E402
from shared.settings import Settings  # noqa: E402

HANOI = timezone(timedelta(hours=7))
NOW = datetime(2026, 12, 20, 9, tzinfo=HANOI)
RESULTS = Path(__file__).with_name("results") / "rebuild.json"


def say(message: str) -> None:
    print(f"[rebuild] {message}", file=sys.stderr, flush=True)


def stream(dossiers: int, units: int) -> list[Event]:
    events = [Event(type="directory.unit_upserted", source="/b/discipline", subject=f"U{u}",
                    time=NOW - timedelta(days=90), data={"code": f"U{u}", "name": f"Phường số {u}", "parent": "HN",
                          "kind": "ward" if u % 4 else "department"}) for u in range(units)]
    start = datetime(2026, 9, 1, 8, tzinfo=HANOI)
    for i in range(dossiers):
        unit = f"U{i % units}"
        code = f"D{i}"
        received = start + timedelta(minutes=29 * i % (100 * 24 * 60))
        due = received + timedelta(days=7)
        base = {"code": code, "procedure_code": "1.001", "unit": unit, "received_at": received.isoformat(),
                "due_at": due.isoformat()}
        events.append(Event(type="dossier.received", source="/b/dossiers", subject=code, time=received, data=base))
        events.append(Event(type="dossier.handed_over", source="/b/dossiers", subject=code,
                            time=received + timedelta(hours=2), data={
                                "code": code, "unit": unit, "at": (received + timedelta(hours=2)).isoformat(),
                                "from_step": "receive", "to_step": "appraise", "from_official": "CB-1",
                                "to_official": "CB-2", "step_on_time": True}))
        if i % 10 == 0:
            for kind, at in (("dossier.supplement_requested", received + timedelta(days=1)),
                             ("dossier.supplement_received", received + timedelta(days=2))):
                data = {"code": code, "unit": unit, "at": at.isoformat()}
                data.update({"reasons": ["Thiếu giấy tờ"], "request_number": 1, "counts_as_late": False}
                            if kind.endswith("requested") else {"paused_days": "1",
                                                                  "due_at": (due + timedelta(days=1)).isoformat()})
                events.append(Event(type=kind, source="/b/dossiers", subject=code, time=at, data=data))
        outcome = i % 5
        if outcome == 4 and due < NOW:
            events.append(Event(type="dossier.overdue", source="/b/dossiers", subject=code,
                                time=due + timedelta(minutes=5),
                                data={**base, "detected_at": (due + timedelta(minutes=5)).isoformat(),
                                      "step": "appraise", "official": "CB-2"}))
            events.append(Event(type="explanation.requested", source="/b/discipline", subject=f"GT{i}",
                                time=due + timedelta(minutes=6), data={
                                    "code": f"GT{i}", "subject_type": "dossier", "subject": code, "official": "CB-2",
                                    "unit": unit, "role": "official", "due_at": (due + timedelta(days=3)).isoformat(),
                                    "reason": "Hồ sơ quá hạn"}))
        elif outcome != 4:
            done = received + timedelta(days=(3, 7, 9, 5)[outcome])
            if done < NOW:
                events.append(Event(type="dossier.completed", source="/b/dossiers", subject=code, time=done, data={
                    **base, "completed_at": done.isoformat(),
                    "timeliness": "late" if done > due else ("on_time" if done.date() == due.date() else "early")}))
        if i % 10 == 5:
            events.append(Event(type="task.assigned", source="/b/tasks", subject=f"NV{i}", time=received,
                                data={"code": f"NV{i}", "title": "Nhiệm vụ", "lead_unit": unit,
                                      "due_at": due.isoformat()}))
            events.append(Event(type="rating.submitted", source="/b/feedback", subject=f"R{i}",
                                time=received + timedelta(days=1),
                                data={"code": f"R{i}", "subject_type": "dossier", "subject": code, "unit": unit,
                                      "overall": 1 + i % 5,
                                      "submitted_at": (received + timedelta(days=1)).isoformat()}))
    return events


def archive(runtime: ServiceRuntime, events: list[Event]) -> None:
    rows = [{"event_id": e.id, "type": e.type, "source": e.source, "subject": e.subject, "unit": e.unit,
             "time": e.time, "correlation_id": e.correlationid, "causation_id": None, "data_version": "1",
             "data": e.data, "archived_at": NOW} for e in events]
    with runtime.engine.begin() as conn:
        conn.execute(ArchivedEvent.__table__.delete())
        for start in range(0, len(rows), 5000):
            conn.execute(insert(ArchivedEvent.__table__), rows[start:start + 5000])


def read_archive_only(runtime: ServiceRuntime, batch_size: int = 2000) -> int:
    table = ArchivedEvent.__table__
    count, after = 0, None
    while True:
        with runtime.uow() as uow:
            query = select(table).order_by(table.c.time, table.c.event_id)
            if after is not None:
                query = query.where((table.c.time > after[0]) | ((table.c.time == after[0])
                                                                 & (table.c.event_id > after[1])))
            rows = uow.session.execute(query.limit(batch_size)).all()
            if not rows:
                return count
            [event_from_archive(row) for row in rows]
            count += len(rows)
            after = (rows[-1].time, rows[-1].event_id)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=6000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database-url", help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/kyc_bench "
                                               "(an existing, disposable database)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="kyc-rebuild-")
    overrides = {"database_urls": {"reporting": args.database_url}} if args.database_url else {}
    settings = Settings.from_env(env={}, var_dir=Path(tmp), broker_url="memory://", **overrides)
    runtime = ServiceRuntime(spec("reporting"), settings, clock=ManualClock(NOW))
    upgrade(runtime.spec.migrations, runtime.database_url)
    events = stream(args.dossiers, args.units)
    archive(runtime, events)
    say(f"{len(events):,} events archived on {runtime.engine.dialect.name}")
    rebuild(runtime)  # warm-up: statement caches, the first ranking rows
    runs = []
    for repeat in range(args.repeats):
        started = time.perf_counter()
        read = read_archive_only(runtime)
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        result = rebuild(runtime)
        seconds = time.perf_counter() - started
        assert result["events"] == read == len(events)
        runs.append({"rebuild_s": seconds, "read_only_s": baseline, "events_per_s": len(events) / seconds,
                     "read_events_per_s": len(events) / baseline, "ratio": seconds / baseline})
        say(f"repeat {repeat + 1}: rebuild {seconds:.2f} s ({len(events) / seconds:,.0f} ev/s), "
            f"read only {baseline:.2f} s")
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print(f"| figure ({len(events):,} events, {runtime.engine.dialect.name}) | median of {args.repeats} | runs |")
    print("|---|---|---|")
    for key, label in (("events_per_s", "rebuild, events per second"), ("rebuild_s", "rebuild, seconds"),
                       ("read_events_per_s", "reading the archive alone, events per second"),
                       ("ratio", "rebuild ÷ reading alone (time)")):
        print(f"| {label} | {median[key]:,.2f} | {', '.join(f'{run[key]:,.2f}' for run in runs)} |")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"events": len(events), "dialect": runtime.engine.dialect.name, "runs": runs,
                                   "median": median}, indent=2))
    runtime.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
