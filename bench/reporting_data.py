"""The data bench/pages.py measures reporting's pages on (the live board, the home page's ranking): what the
projections would hold after a province's dossiers' events, in reporting's own schema (its migrations),
loaded with COPY.

    load(url, dossiers=1_000_000, units=1_000) -> ReportingDataset

What it writes, in an empty PostgreSQL database it migrates first:
- `units`: a province and `units` units below it (a twentieth departments, the rest wards), named, with
  their sort keys, as the directory's events leave them;
- `dossier_facts`: about `dossiers / units` per unit (each unit between half and one and a half of that),
  each with its receipt slot and the effective columns; a fifth open, received over the last weeks, of
  which a tenth overdue and a tenth due soon (a warning seen), each at one step of five with an official;
  the rest finished over the past year. Each unit handles a dozen of the shipped procedures (Zipf-like);
- `board_counts`: the open ones counted per (unit, procedure, step), exactly as the projection adds them, and
  `board_units` and `board_steps`, their sums per unit and per (procedure, step);
- `scorecards` (this month's completions by timeliness) and `unit_open`: what the home page ranks.
Then VACUUM ANALYZE, as autovacuum would after a bulk load.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from bench.pages_data import _unit_sizes, psycopg_url
from kycuong.registry import spec
from services.reporting.domain.ranking import unit_sort_key
from shared.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]
PROCEDURE_LIST = ROOT / "services" / "dossiers" / "data" / "procedures.csv"
OPEN_SHARE = 0.20
OVERDUE_SHARE, DUE_SOON_SHARE = 0.10, 0.10  # of the open ones
STEPS = ("receive", "assign", "appraise", "approve", "return")
STEP_WEIGHTS = (1, 1, 4, 2, 1)
PROCEDURES_PER_UNIT = 12
BATCH = 50_000


@dataclass
class ReportingDataset:
    url: str
    dossiers: int
    units: int
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    board_rows: int = 0
    worst_unit: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "url"}


def _procedure_codes() -> list[str]:
    codes = []
    for line in PROCEDURE_LIST.read_text(encoding="utf-8").splitlines()[1:]:
        code = line.split(",", 1)[0]
        if code and not code.startswith("#") and code not in codes:
            codes.append(code)
    return codes


def _ts(moment: datetime | None) -> str:
    return "\\N" if moment is None else moment.isoformat()


def _copy(conn: psycopg.Connection, table: str, columns: str, lines: list[str]) -> None:
    if lines:
        with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write("\n".join(lines) + "\n")


def load(url: str, dossiers: int = 1_000_000, units: int = 1_000, *, seed: int = 17, now: datetime | None = None,
         progress: Callable[[str], None] = lambda _m: None) -> ReportingDataset:
    """Migrate `url` (an empty PostgreSQL database) and fill it; see the module's docstring."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    data = ReportingDataset(url, dossiers, units)
    started = time.perf_counter()
    upgrade(spec("reporting").migrations, url)
    data.seconds["migrate"] = time.perf_counter() - started
    procedures = _procedure_codes()
    month = now.strftime("%Y-%m")
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    weights = [1 / (k + 1) for k in range(PROCEDURES_PER_UNIT)]
    counters: Counter = Counter()  # (unit, procedure, step, column) -> n
    open_by_unit: Counter = Counter()
    month_rows: Counter = Counter()

    started = time.perf_counter()
    with psycopg.connect(psycopg_url(url)) as conn:
        unit_lines = [f"TINH\tỦy ban nhân dân tỉnh (đo hiệu năng)\t\\N\tprovince\t{unit_sort_key('TINH', 'x')}"
                      f"\t{_ts(now)}\t{_ts(now)}"]
        codes = []
        for i in range(units):
            code = f"U{i:04d}"
            name = f"Sở đo hiệu năng {i:04d}" if i % 20 == 0 else f"Phường đo hiệu năng {i:04d}"
            codes.append(code)
            unit_lines.append(f"{code}\t{name}\tTINH\t{'department' if i % 20 == 0 else 'ward'}\t"
                              f"{unit_sort_key(code, name)}\t{_ts(now)}\t{_ts(now)}")
        _copy(conn, "units", "code, name, parent, kind, sort_key, directory_event_at, first_seen_at", unit_lines)

        columns = ("code, unit, procedure_code, received_at, due_at, completed_at, timeliness, overdue_detected_at, "
                   "receipt, updated_at, warning_due_at, warning_detected_at, board_state, board_step, board_official")
        lines: list[str] = []
        written = 0
        for unit, size in zip(codes, _unit_sizes(dossiers, units, rng), strict=True):
            mine = rng.sample(procedures, min(PROCEDURES_PER_UNIT, len(procedures)))
            for j in range(size):
                code = f"{unit}-{j:06d}"
                procedure = rng.choices(mine, weights=weights[:len(mine)])[0]
                is_open = rng.random() < OPEN_SHARE
                state = step = official = completed = timeliness = detected = warned = None
                if is_open:
                    received = now - timedelta(days=rng.uniform(0, 20))
                    roll = rng.random()
                    state = "overdue" if roll < OVERDUE_SHARE else "due_soon" if roll < OVERDUE_SHARE + \
                        DUE_SOON_SHARE else "within"
                    due = now - timedelta(days=rng.uniform(0.1, 5)) if state == "overdue" else \
                        now + timedelta(days=rng.uniform(0.1, 1)) if state == "due_soon" else \
                        now + timedelta(days=rng.uniform(1, 15))
                    if state == "overdue":
                        detected = due + timedelta(minutes=1)
                    if state == "due_soon":
                        warned = due - timedelta(days=1)
                    step = rng.choices(STEPS, weights=STEP_WEIGHTS)[0]
                    official = f"{unit}-CB{rng.randrange(1, 20):02d}"
                    counters[(unit, procedure, step, "open")] += 1
                    counters[(unit, procedure, step, state)] += 1
                    open_by_unit[(unit, "overdue" if state == "overdue" else "within")] += 1
                    data.open += 1
                    data.overdue += state == "overdue"
                    data.due_soon += state == "due_soon"
                else:
                    received = now - timedelta(days=rng.uniform(5, 365))
                    due = received + timedelta(days=rng.uniform(3, 15))
                    completed = min(now - timedelta(minutes=5), received + (due - received) * rng.uniform(0.3, 1.2))
                    timeliness = "late" if completed > due else "on_time" if completed.date() == due.date() \
                        else "early"
                    if completed >= month_start:
                        month_rows[(unit, timeliness)] += 1
                receipt = json.dumps({"event_at": received.isoformat(), "unit": unit,
                                      "received_at": received.isoformat(), "due_at": due.isoformat(),
                                      "handler": f"{unit}-CB01"})
                lines.append("\t".join((
                    code, unit, procedure, _ts(received), _ts(due), _ts(completed), timeliness or "\\N",
                    _ts(detected), receipt, _ts(now), _ts(due if warned else None), _ts(warned), state or "\\N",
                    step or "\\N", official or "\\N")))
                written += 1
                if len(lines) >= BATCH:
                    _copy(conn, "dossier_facts", columns, lines)
                    conn.commit()
                    lines = []
                    progress(f"reporting: {written:,}/{dossiers:,} dossier facts")
        _copy(conn, "dossier_facts", columns, lines)
        board_lines = []
        for unit, procedure, step in sorted({key[:3] for key in counters}):
            board_lines.append("\t".join((unit, procedure, step, *(str(counters[(unit, procedure, step, name)])
                                                                   for name in ("open", "due_soon", "overdue")))))
        _copy(conn, "board_counts", "unit, procedure_code, step, open, due_soon, overdue", board_lines)
        data.board_rows = len(board_lines)
        unit_totals: Counter = Counter()
        step_totals: Counter = Counter()
        for (unit, procedure, step, column), n in counters.items():
            unit_totals[(unit, column)] += n
            step_totals[(procedure, step, column)] += n
        _copy(conn, "board_steps", "procedure_code, step, open, due_soon, overdue",
              ["\t".join((procedure, step, *(str(step_totals[(procedure, step, column)])
                                              for column in ("open", "due_soon", "overdue"))))
               for procedure, step in sorted({key[:2] for key in step_totals})])
        _copy(conn, "board_units", "unit, open, due_soon, overdue",
              ["\t".join((u, *(str(unit_totals[(u, column)]) for column in ("open", "due_soon", "overdue"))))
               for u in codes])
        _copy(conn, "unit_open", "unit, open_within, open_overdue",
              [f"{u}\t{open_by_unit[(u, 'within')]}\t{open_by_unit[(u, 'overdue')]}" for u in codes])
        _copy(conn, "scorecards", "period, unit, completed_early, completed_on_time, completed_late, "
              "open_within_change, open_overdue_change",
              [f"{month}\t{u}\t{month_rows[(u, 'early')]}\t{month_rows[(u, 'on_time')]}\t{month_rows[(u, 'late')]}"
               f"\t{open_by_unit[(u, 'within')]}\t{open_by_unit[(u, 'overdue')]}" for u in codes])
        conn.commit()
        data.seconds["copy"] = time.perf_counter() - started
        progress(f"reporting: {written:,} dossier facts, {data.board_rows:,} board counters in "
                 f"{data.seconds['copy']:.0f} s; VACUUM ANALYZE")
        started = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        data.seconds["vacuum_analyze"] = time.perf_counter() - started
        data.worst_unit = conn.execute("SELECT unit FROM board_counts GROUP BY unit ORDER BY sum(overdue) DESC, "
                                       "unit LIMIT 1").fetchone()[0]
    return data
