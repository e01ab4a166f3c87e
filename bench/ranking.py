"""The ranking of 1,000 units for a period, read from reporting's projections.

    .venv/bin/python bench/ranking.py [--units 1000] [--months 12] [--repeats 50] [--database-url URL]

Fills a reporting database of its own (SQLite file in a temporary directory by default, or the given
PostgreSQL URL, an existing disposable database) with what the projections hold for `--units` units
(a quarter of them departments, the rest wards) over `--months` months: every unit's stored month rows
(`scorecards`) and open dossiers (`unit_open`), plus for the composite score three explanation requests,
two feedback steps, five ratings and four task facts per unit and month (half of them never completed, so
about 26,000 tasks are in scope of a month), with the task month rows (`task_months`, `unit_tasks`) and
sort keys and month counts of explanations, feedback and ratings (`figure_months`) the projection derives
from them. Then, each repeat, times:
- `get_ranking(period="2026-11", page_size=50)`: the 766 progress ranking of all units, with the previous
  month's ranks (two rankings computed, one page returned);
- the same by `kind=ward`, for the quarter `2026-Q4`, and `by=composite` (every unit's tasks, ratings,
  feedback and discipline figures too);
- the baseline, in the same run: a plain SELECT of the same stored rows (the month's rows and every
  unit's open dossiers), fetched, nothing computed.
Prints medians and ratios to the baseline as a Markdown table, writes bench/results/ranking.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kycuong.registry import spec  # noqa: E402
from services.reporting.domain.occurrences import (  # noqa: E402
    FIGURE_COUNTERS,
    add_counts,
    occurrence_figure_counts,
    rating_figure_counts,
)
from services.reporting.domain.periods import Month  # noqa: E402
from services.reporting.domain.ranking import unit_sort_key  # noqa: E402
from services.reporting.domain.task_facts import (  # noqa: E402
    TASK_COUNTERS,
    TaskCounts,
    TaskView,
    counted_in_months,
    task_month_changes,
)
from services.reporting.models import (  # noqa: E402
    FigureMonth,
    Occurrence,
    Rating,
    Scorecard,
    TaskFact,
    TaskMonth,
    Unit,
    UnitOpen,
    UnitTasks,
)
from services.reporting.use_cases import rankings  # noqa: E402
from shared.clock import ManualClock  # noqa: E402
from shared.migrations import upgrade  # noqa: E402
from shared.runtime import ServiceRuntime  # noqa: E402
from shared.settings import Settings  # noqa: E402

HANOI = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 20, 9, tzinfo=HANOI)
RESULTS = Path(__file__).with_name("results") / "ranking.json"


def say(message: str) -> None:
    print(f"[ranking] {message}", file=sys.stderr, flush=True)


def fill(runtime: ServiceRuntime, units: int, months: int) -> None:
    rng = random.Random(7)
    month_list = []
    year, month = 2026, 11
    for _ in range(months):
        month_list.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    unit_rows, open_rows, score_rows, occurrences, ratings, tasks = [], [], [], [], [], []
    for u in range(units):
        code = f"U{u:04d}"
        name = f"{'Sở' if u % 4 == 0 else 'Phường'} số {u}"
        unit_rows.append({"code": code, "name": name, "parent": "HN", "kind": "department" if u % 4 == 0 else "ward",
                          "first_seen_at": NOW, "sort_key": unit_sort_key(code, name)})
        open_rows.append({"unit": code, "open_within": rng.randint(0, 40), "open_overdue": rng.randint(0, 8)})
        for y, m in month_list:
            score_rows.append({"period": f"{y:04d}-{m:02d}", "unit": code, "completed_early": rng.randint(0, 30),
                               "completed_on_time": rng.randint(0, 60), "completed_late": rng.randint(0, 10),
                               "open_within_change": rng.randint(-3, 3), "open_overdue_change": rng.randint(-1, 1)})
            at = datetime(y, m, 10, 9, tzinfo=HANOI)
            for k in range(3):
                occurrences.append({"kind": "explanation.requested", "subject": f"GT-{code}-{y}{m}-{k}", "key": "",
                                    "unit": code, "at": at, "official": "CB", "on_time": None,
                                    "related": f"D-{code}", "detail": {}})
            for k, kind in enumerate(("feedback.answered", "feedback.forwarded")):
                occurrences.append({"kind": kind, "subject": f"PA-{code}-{y}{m}-{k}", "key": "", "unit": code,
                                    "at": at, "official": None, "on_time": bool(k), "related": None, "detail": {}})
            for k in range(5):
                ratings.append({"code": f"R-{code}-{y}{m}-{k}", "unit": code, "subject_type": "dossier",
                                "subject": f"D-{code}-{k}", "overall": rng.randint(1, 5), "factors": {},
                                "period": f"{y:04d}-{m:02d}", "submitted_at": at})
            for k in range(4):
                assigned = at - timedelta(days=5)
                done = k % 2 == 0
                tasks.append({"code": f"NV-{code}-{y}{m}-{k}", "lead_unit": code, "assigned_at": assigned,
                              "due_at": assigned + timedelta(days=10), "completed_at": at if done else None,
                              "timeliness": "on_time" if done else None, "overdue_detected_at": None,
                              "overdue_cleared_at": None, "updated_at": NOW})
    # The task month rows, as the projection keeps them (task_month_changes of every task).
    task_months: dict = {}
    for task in tasks:
        view = TaskView(task["assigned_at"], task["due_at"], task["completed_at"], task["timeliness"], None, None)
        task["in_counters"] = counted_in_months(view, HANOI)
        for key, counts in task_month_changes(view, task["lead_unit"], HANOI).items():
            task_months[key] = task_months.get(key, TaskCounts()) + counts
    month_rows, totals = [], {}
    for (unit, month), counts in task_months.items():
        month_rows.append({"period": str(month), "unit": unit,
                           **dict(zip(TASK_COUNTERS, counts.as_tuple(), strict=True))})
        totals[unit] = totals.get(unit, TaskCounts()) + counts
    total_rows = [{"unit": unit, "entered": t.entered, "left": t.left, "overdue_change": t.overdue_change}
                  for unit, t in totals.items()]
    # The month counts of explanations, feedback and ratings, as the projection keeps them.
    figure_months: dict = {}
    for key, counts in [((o["unit"], Month.of(o["at"], HANOI)), occurrence_figure_counts(o["kind"], o["on_time"]))
                        for o in occurrences] + [((r["unit"], Month.of(r["submitted_at"], HANOI)),
                                                  rating_figure_counts(r["overall"])) for r in ratings]:
        if counts is not None:
            figure_months[key] = add_counts(figure_months.get(key, (0,) * len(counts)), counts)
    figure_rows = [{"period": str(month), "unit": unit, **dict(zip(FIGURE_COUNTERS, counts, strict=True))}
                   for (unit, month), counts in figure_months.items()]
    with runtime.engine.begin() as conn:
        for model, rows in ((Unit, unit_rows), (UnitOpen, open_rows), (Scorecard, score_rows),
                            (Occurrence, occurrences), (Rating, ratings), (TaskFact, tasks),
                            (TaskMonth, month_rows), (UnitTasks, total_rows), (FigureMonth, figure_rows)):
            conn.execute(model.__table__.delete())
            for start in range(0, len(rows), 5000):
                conn.execute(insert(model.__table__), rows[start:start + 5000])
    if runtime.engine.dialect.name == "postgresql":
        # Statistics of the tables just filled, as autovacuum gathers them within a minute of a bulk load:
        # without them the planner takes a thousand-unit join for a tiny one (0.4 s for the wards' ranking).
        with runtime.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")


def plain_select(runtime: ServiceRuntime) -> int:
    with runtime.engine.connect() as conn:
        month = conn.execute(select(Scorecard.__table__).where(Scorecard.__table__.c.period == "2026-11")).all()
        open_now = conn.execute(select(UnitOpen.__table__)).all()
    return len(month) + len(open_now)


def timed(function, repeats: int) -> list[float]:
    function()  # warm: statement caches, pool
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    overrides = {"database_urls": {"reporting": args.database_url}} if args.database_url else {}
    settings = Settings.from_env(env={}, var_dir=Path(tempfile.mkdtemp(prefix="kyc-ranking-")),
                                 broker_url="memory://", **overrides)
    runtime = ServiceRuntime(spec("reporting"), settings, clock=ManualClock(NOW))
    upgrade(runtime.spec.migrations, runtime.database_url)
    fill(runtime, args.units, args.months)
    say(f"{args.units:,} units × {args.months} months on {runtime.engine.dialect.name}")

    def ranking(period="2026-11", kind=None, by="progress"):
        expected = args.units - args.units // 4 if kind == "ward" else args.units

        def run():
            body = rankings.get_ranking(runtime.uow(), period, 1, 50, kind=kind, by=by)
            assert body["total"] == expected, body["total"]
        return run

    cases = {"baseline: plain SELECT of the same rows": lambda: plain_select(runtime),
             "ranking, month, all units (766 progress)": ranking(),
             "ranking, month, wards only": ranking(kind="ward"),
             "ranking, quarter 2026-Q4, all units": ranking(period="2026-Q4"),
             "ranking, month, all units by composite": ranking(by="composite")}
    results = {}
    for name, function in cases.items():
        results[name] = timed(function, args.repeats)
        say(f"{name}: median {statistics.median(results[name]):.1f} ms")
    base = statistics.median(results["baseline: plain SELECT of the same rows"])
    print(f"| {args.units:,} units, {runtime.engine.dialect.name} | median ms | p90 ms | ÷ plain SELECT |")
    print("|---|---|---|---|")
    for name, times in results.items():
        ordered = sorted(times)
        print(f"| {name} | {statistics.median(times):.1f} | {ordered[int(0.9 * (len(ordered) - 1))]:.1f} | "
              f"{statistics.median(times) / base:.1f} |")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"units": args.units, "dialect": runtime.engine.dialect.name,
                                   "runs_ms": results}, indent=2, ensure_ascii=False))
    runtime.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
