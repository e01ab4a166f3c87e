"""Deadline computation: `WorkingCalendar.due_at` beside `holidays`' own `get_nth_working_day`.

    .venv/bin/python bench/deadlines.py [--calls 100000] [--repeats 3] [--seed 20261121]

Same N seeded, aware receipt instants (uniform over 2016-2035, in UTC as they come out of the
database) and the same whole-day budgets for both: ours gets the instant and the budget as a Decimal
(what the dossiers service passes, from a Numeric column); the package gets the receipt's local date,
already converted outside the timed loop, and the budget as an int. Budget mixes: a realistic spread of
procedure times and fixed n = 1, 3, 10, 30. Each repeat times both on every mix, alternating which goes
first; the figures are the median per-call time over the repeats and the ratio within each repeat.

Agreement: for a receipt on a working day inside office hours and not after the cut-off the deadline's
date must be the package's n-th working day from the receipt date; for every other receipt (a day off,
before opening, after the cut-off) counting starts at the next working opening, and the date must be
the package's answer from there. Every mismatch is counted and the first few printed.

Prints a Markdown table and writes bench/results/deadlines.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import holidays

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.calendar import WorkingCalendar  # noqa: E402

RESULTS = Path(__file__).with_name("results") / "deadlines.json"

# Processing times of real procedures (days) and a rough share of dossiers for each: most
# procedures promise 3 to 10 working days, few promise a whole month. Half-day procedures exist too,
# but the package only counts whole days, so they are timed for ours alone (see "realistic+0.5").
REALISTIC = {1: 8, 3: 16, 5: 18, 7: 14, 10: 18, 15: 12, 20: 8, 30: 6}
FIXED = (1, 3, 10, 30)
FIRST = datetime(2016, 1, 1, tzinfo=UTC)
LAST = datetime(2036, 1, 1, tzinfo=UTC)


def say(message: str) -> None:
    print(f"[deadlines] {message}", file=sys.stderr, flush=True)


def receipts(rng: random.Random, n: int) -> list[datetime]:
    span = int((LAST - FIRST).total_seconds())
    return [FIRST + timedelta(seconds=rng.randrange(span)) for _ in range(n)]


def mixes(rng: random.Random, n: int) -> dict[str, list[int]]:
    days, weights = zip(*REALISTIC.items(), strict=True)
    result = {"realistic": rng.choices(days, weights=weights, k=n)}
    for fixed in FIXED:
        result[f"n={fixed}"] = [fixed] * n
    return result


def time_ours(calendar: WorkingCalendar, instants: list[datetime], budgets: list[Decimal]) -> tuple[float, list]:
    due_at = calendar.due_at
    started = time.perf_counter()
    answers = [due_at(at, days) for at, days in zip(instants, budgets, strict=True)]
    return time.perf_counter() - started, answers


def time_package(package: holidays.HolidayBase, dates: list, budgets: list[int]) -> tuple[float, list]:
    nth = package.get_nth_working_day
    started = time.perf_counter()
    answers = [nth(day, n) for day, n in zip(dates, budgets, strict=True)]
    return time.perf_counter() - started, answers


def check(calendar: WorkingCalendar, package: holidays.HolidayBase, instants: list[datetime], budgets: list[int],
          ours: list[datetime], theirs: list) -> dict:
    """Compare deadline dates with the package's answers (see the module docstring)."""
    opening, _ = calendar.rules.office_hours[0]
    cutoff = calendar.rules.cutoff
    compared = {"in_hours": 0, "other": 0}
    mismatches = {"in_hours": 0, "other": 0}
    examples = []
    for at, n, mine, nth in zip(instants, budgets, ours, theirs, strict=True):
        local = at.astimezone(calendar.tz)
        day, moment = local.date(), local.time()
        if package.is_working_day(day) and opening < moment and (cutoff is None or moment <= cutoff):
            kind, expected = "in_hours", nth
        else:
            # Counting starts at the next working opening, so a budget of n days ends at closing time
            # of the (n-1)-th working day from that opening.
            start = day if package.is_working_day(day) and moment <= opening else package.get_nth_working_day(day, 1)
            kind, expected = "other", package.get_nth_working_day(start, n - 1)
        compared[kind] += 1
        if mine.date() != expected:
            mismatches[kind] += 1
            if len(examples) < 5:
                examples.append({"received_at": local.isoformat(), "days": n, "ours": mine.isoformat(),
                                 "expected_date": expected.isoformat()})
    return {"compared": compared, "mismatches": mismatches, "examples": examples}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    say("building the calendar and the package's VN holidays 2015-2040")
    calendar = WorkingCalendar()
    package = holidays.country_holidays("VN", years=range(2015, 2041))
    instants = receipts(rng, args.calls)
    local_dates = [at.astimezone(calendar.tz).date() for at in instants]
    budget_mixes = mixes(rng, args.calls)
    half_day_mix = [Decimal("0.5") if rng.random() < 0.1 else Decimal(d) for d in budget_mixes["realistic"]]

    runs: dict[str, dict[str, list[float]]] = {name: {"ours_us": [], "package_us": [], "ratio": []}
                                               for name in budget_mixes}
    runs["realistic+0.5"] = {"ours_us": []}
    # The package is handed local dates converted outside its loop; the same courtesy for ours shows
    # what the UTC-to-local conversion costs.
    local_instants = [at.astimezone(calendar.tz) for at in instants]
    runs["realistic, local instants"] = {"ours_us": [], "ratio": []}
    agreement: dict[str, dict] = {}
    for repeat in range(args.repeats):
        for index, (name, budgets) in enumerate(budget_mixes.items()):
            decimals = [Decimal(d) for d in budgets]
            package_first = (repeat + index) % 2 == 1
            if package_first:
                package_s, theirs = time_package(package, local_dates, budgets)
            ours_s, ours = time_ours(calendar, instants, decimals)
            if not package_first:
                package_s, theirs = time_package(package, local_dates, budgets)
            ours_us = ours_s / args.calls * 1e6
            package_us = package_s / args.calls * 1e6
            runs[name]["ours_us"].append(ours_us)
            runs[name]["package_us"].append(package_us)
            runs[name]["ratio"].append(package_us / ours_us)
            say(f"run {repeat + 1}/{args.repeats} {name}: ours {ours_us:.2f} µs, package {package_us:.2f} µs, "
                f"ratio {package_us / ours_us:.1f}")
            if repeat == 0:
                agreement[name] = check(calendar, package, instants, budgets, ours, theirs)
        ours_s, _ = time_ours(calendar, instants, half_day_mix)
        runs["realistic+0.5"]["ours_us"].append(ours_s / args.calls * 1e6)
        ours_s, _ = time_ours(calendar, local_instants, [Decimal(d) for d in budget_mixes["realistic"]])
        ours_us = ours_s / args.calls * 1e6
        runs["realistic, local instants"]["ours_us"].append(ours_us)
        runs["realistic, local instants"]["ratio"].append(runs["realistic"]["package_us"][-1] / ours_us)

    summary = {name: {key: statistics.median(values) for key, values in figures.items()}
               for name, figures in runs.items()}
    result = {"measured_at": datetime.now(UTC).isoformat(), "calls": args.calls, "repeats": args.repeats,
              "seed": args.seed, "holidays_version": holidays.__version__, "realistic_mix": REALISTIC,
              "runs": runs, "medians": summary, "agreement": agreement}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")

    print("| budgets | ours µs/call (runs) | package µs/call (runs) | package ÷ ours (runs) | mismatches |")
    print("|---|---|---|---|---|")
    for name in budget_mixes:
        r, m, a = runs[name], summary[name], agreement[name]
        print(f"| {name} | {m['ours_us']:.2f} ({_list(r['ours_us'])}) | {m['package_us']:.2f} "
              f"({_list(r['package_us'])}) | **{m['ratio']:.1f}×** ({_list(r['ratio'], 1)}) | "
              f"{a['mismatches']['in_hours']}/{a['compared']['in_hours']} in hours, "
              f"{a['mismatches']['other']}/{a['compared']['other']} other |")
    print(f"| realistic with 10 % half days, ours only | {summary['realistic+0.5']['ours_us']:.2f} "
          f"({_list(runs['realistic+0.5']['ours_us'])}) | — | — | — |")
    local = runs["realistic, local instants"]
    print(f"| realistic, instants already in local time, ours only | "
          f"{summary['realistic, local instants']['ours_us']:.2f} ({_list(local['ours_us'])}) | — | "
          f"{summary['realistic, local instants']['ratio']:.1f}× ({_list(local['ratio'], 1)}) | — |")
    for name, a in agreement.items():
        for example in a["examples"]:
            print(f"mismatch ({name}): {example}")
    return 0


def _list(values: list[float], places: int = 2) -> str:
    return ", ".join(f"{v:.{places}f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
