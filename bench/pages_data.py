"""The data bench/pages.py measures the workbench pages on: units and dossiers of a province, in the dossiers
service's own schema (its migrations), loaded with COPY.

    load(url, dossiers=1_000_000, units=1_000) -> Dataset

What it writes, in a database that already has the dossiers migrations applied:
- the procedure list shipped with the service (services/dossiers/data/procedures.csv), through the same use
  case as `kycuong procedures`; dossiers use the procedures with a budget of 2 working days or more;
- `units`: the directory's read copy: a province, `units` units below it (a twentieth departments, the rest
  wards and communes);
- `dossiers`: about `dossiers / units` per unit (each unit between half and one and a half of that), 20
  officials per unit (`<unit>-CB00` the head, CB01–CB02 the one-stop desk, CB03–CB19 specialists, the lower
  numbers busier); a fifth open (a tenth of those waiting for the citizen's supplement), received over the
  last weeks, so some are overdue and some due soon; the rest finished over the past year; due instants
  computed by the working calendar the service uses;
- `dossier_steps` (the procedure's plan frozen into every dossier), `dossier_applicants` (every dossier),
  `dossier_handovers` (the steps an open dossier has passed) and `dossier_pauses` (the pending supplement
  requests).
Then VACUUM ANALYZE, as autovacuum would after a bulk load.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, pool, text

from kycuong.registry import spec
from services.dossiers.domain.dossier import AWAITING_SUPPLEMENT, OPEN_STATUSES, RECEIVED
from shared.calendar import WorkingCalendar
from shared.migrations import upgrade
from shared.runtime import ServiceRuntime
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PROCEDURE_LIST = ROOT / "services" / "dossiers" / "data" / "procedures.csv"
OFFICIALS_PER_UNIT = 20
OPEN_SHARE = 0.20
AWAITING_SHARE = 0.10  # of the open ones
BATCH = 20_000  # dossiers per COPY chunk
HEAD, DESK, SPECIALISTS = 0, (1, 2), tuple(range(3, OFFICIALS_PER_UNIT))
# Who holds a step: the head assigns and approves, the desk receives and returns, specialists do the rest.
HOLDER = {"receive": "desk", "return": "desk", "assign": "head", "approve": "head"}
SPECIALIST_WEIGHTS = list(itertools.accumulate(1 / (k + 1) for k in range(len(SPECIALISTS))))
FIRST_NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung", "Hoàng Minh Đức",
               "Vũ Thị Hà", "Đặng Quốc Huy", "Bùi Thanh Lan", "Đỗ Văn Long", "Ngô Thị Mai")


@dataclass
class Dataset:
    url: str
    dossiers: int
    units: int
    open: int = 0
    overdue: int = 0
    awaiting_supplement: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    # Who the pages are measured as: the busiest official (not a head) and the head of the busiest unit.
    unit: str = ""
    officer: str = ""
    officer_unit: str = ""
    officer_open: int = 0
    head: str = ""
    head_open: int = 0
    unit_open: int = 0
    most_urgent: str = ""  # the officer's open dossier due first

    def summary(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "url"}


def unit_code(i: int) -> str:
    return f"U{i:04d}"


def official_code(unit: str, n: int) -> str:
    return f"{unit}-CB{n:02d}"


def psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _ts(moment: datetime | None) -> str:
    return "\\N" if moment is None else moment.isoformat()


def _import_procedures(url: str) -> list[dict]:
    """The shipped procedure list through the service's own import; the versions dossiers can use."""
    from services.dossiers.use_cases.procedures import import_procedure_list

    rt = ServiceRuntime(spec("dossiers"), Settings(database_urls={"dossiers": url}))
    try:
        import_procedure_list(rt.uow(), PROCEDURE_LIST, "csv")
    finally:
        rt.dispose()
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            versions = conn.execute(text(
                "SELECT procedure_code, version, processing_days, supplements_allowed FROM procedure_versions "
                "WHERE processing_days >= 2 ORDER BY procedure_code, version")).all()
            steps = conn.execute(text(
                "SELECT procedure_code, version, position, key, name, days, performer FROM procedure_version_steps "
                "ORDER BY procedure_code, version, position")).all()
    finally:
        engine.dispose()
    latest = {}
    for code, version, days, supplements in versions:
        latest[code] = {"code": code, "version": version, "days": days, "supplements": supplements, "steps": []}
    for code, version, position, key, name, days, performer in steps:
        if code in latest and latest[code]["version"] == version:
            latest[code]["steps"].append((position, key, name, days, performer))
    return [p for p in latest.values() if len(p["steps"]) >= 2]


def _holder(unit: str, step_key: str, rng: random.Random) -> str:
    role = HOLDER.get(step_key, "specialist")
    if role == "head":
        return official_code(unit, HEAD)
    if role == "desk":
        return official_code(unit, rng.choice(DESK))
    # Zipf-like: the k-th specialist gets a share proportional to 1/k.
    return official_code(unit, rng.choices(SPECIALISTS, cum_weights=SPECIALIST_WEIGHTS)[0])


class _Copy:
    """Buffered COPY FROM STDIN of tab-separated lines into one table."""

    def __init__(self, conn: psycopg.Connection, table: str, columns: str):
        self.statement = f"COPY {table} ({columns}) FROM STDIN"
        self.conn = conn
        self.lines: list[str] = []
        self.rows = 0

    def add(self, *values) -> None:
        self.lines.append("\t".join(values))

    def flush(self) -> None:
        if not self.lines:
            return
        with self.conn.cursor() as cur, cur.copy(self.statement) as copy:
            copy.write("\n".join(self.lines) + "\n")
        self.rows += len(self.lines)
        self.lines = []


def _unit_sizes(total: int, units: int, rng: random.Random) -> list[int]:
    weights = [rng.uniform(0.5, 1.5) for _ in range(units)]
    scale = total / sum(weights)
    sizes = [int(w * scale) for w in weights]
    for i in range(total - sum(sizes)):
        sizes[i % units] += 1
    return sizes


def load(url: str, dossiers: int = 1_000_000, units: int = 1_000, *, seed: int = 13, now: datetime | None = None,
         progress: Callable[[str], None] = lambda _m: None) -> Dataset:
    """Migrate `url` (an empty PostgreSQL database) and fill it; see the module's docstring."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    data = Dataset(url, dossiers, units)
    started = time.perf_counter()
    upgrade(spec("dossiers").migrations, url)
    procedures = _import_procedures(url)
    data.seconds["migrate_and_procedures"] = time.perf_counter() - started
    progress(f"migrated; {len(procedures)} procedures of the shipped list used for dossiers")

    calendar = WorkingCalendar()
    tz = calendar.tz
    rules_version = calendar.rules.version
    due_cache: dict[tuple, tuple[datetime, datetime]] = {}

    def deadline(received: datetime, days) -> tuple[datetime, datetime]:
        key = (received, days)
        if key not in due_cache:
            due_cache[key] = (calendar.counting_start(received)[0], calendar.due_at(received, days))
        return due_cache[key]

    def office_instant(days_ago: float) -> datetime:
        """A weekday instant in office hours about `days_ago` days before now, on a quarter hour."""
        day = (now.astimezone(tz) - timedelta(days=days_ago)).date()
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        local = datetime(day.year, day.month, day.day, rng.choice((7, 8, 9, 10, 13, 14, 15, 16)),
                         rng.choice((0, 15, 30, 45)), tzinfo=tz)
        return min(local.astimezone(UTC), now - timedelta(minutes=1))

    started = time.perf_counter()
    with psycopg.connect(psycopg_url(url)) as conn:
        unit_rows = _Copy(conn, "units", "code, name, parent, kind, event_time")
        unit_rows.add("TINH", "Ủy ban nhân dân tỉnh (đo hiệu năng)", "\\N", "province", _ts(now))
        for i in range(units):
            department = i % 20 == 0
            name = f"Sở đo hiệu năng {i:04d}" if department else f"Phường đo hiệu năng {i:04d}"
            unit_rows.add(unit_code(i), name, "TINH", "department" if department else "ward", _ts(now))
        unit_rows.flush()

        columns = ("code, procedure_code, unit, handler, channel, status, received_at, counting_starts_at, "
                   "processing_days, procedure_version, due_at, rules_version, completed_at, timeliness, "
                   "created_at, current_step, current_official, current_unit, step_started_at, "
                   "supplements_allowed, supplements, paused_since, paused_seconds, sent_back, returned_for_fault, "
                   "ended_at, end_reason")
        rows = _Copy(conn, "dossiers", columns)
        steps = _Copy(conn, "dossier_steps", "dossier_code, position, key, name, days, performer")
        applicants = _Copy(conn, "dossier_applicants", "dossier_code, name, phone, email, address")
        handovers = _Copy(conn, "dossier_handovers", "dossier_code, at, from_step, to_step, from_official, "
                          "to_official, to_unit, recorded_at")
        pauses = _Copy(conn, "dossier_pauses", "dossier_code, number, requested_at, resumed_at, reasons, official, "
                       "step, paused_seconds")
        reasons = json.dumps(["Thiếu bản sao giấy tờ tùy thân có chứng thực"], ensure_ascii=False)
        proc_weights = list(itertools.accumulate(1 / (k + 1) for k in range(len(procedures))))
        written = 0
        last_said = time.perf_counter()
        for u, size in enumerate(_unit_sizes(dossiers, units, rng)):
            unit = unit_code(u)
            for j in range(size):
                code = f"{unit}-{j:06d}"
                procedure = rng.choices(procedures, cum_weights=proc_weights)[0]
                plan = procedure["steps"]
                days = procedure["days"]
                desk = official_code(unit, rng.choice(DESK))
                is_open = rng.random() < OPEN_SHARE
                completed_at = ended_at = timeliness = end_reason = paused_since = None
                supplements = 0
                if is_open:
                    # Received up to ~1.1 times the budget ago (in calendar days): about a tenth overdue.
                    received = office_instant(rng.uniform(0, float(days) * 1.1 * 7 / 5))
                    counting, due = deadline(received, days)
                    position = rng.randrange(len(plan))
                    step_key = plan[position][1]
                    holder = _holder(unit, step_key, rng)
                    step_started = received + (now - received) * rng.uniform(0.3, 0.9)
                    status = RECEIVED
                    if rng.random() < AWAITING_SHARE and procedure["supplements"]:
                        status, supplements = AWAITING_SUPPLEMENT, 1
                        paused_since = step_started + (now - step_started) * rng.uniform(0.1, 0.9)
                        pauses.add(code, "1", _ts(paused_since), "\\N", reasons, holder, step_key, "\\N")
                        data.awaiting_supplement += 1
                    data.open += 1
                    data.overdue += status == RECEIVED and due <= now
                    current_step, current_official = step_key, holder
                    previous_official = desk
                    for k in range(position):
                        to_official = _holder(unit, plan[k + 1][1], rng) if k + 1 < position else holder
                        at = counting + (step_started - counting) * (k + 1) / max(position, 1)
                        handovers.add(code, _ts(at), plan[k][1], plan[k + 1][1], previous_official, to_official,
                                      unit, _ts(at))
                        previous_official = to_official
                else:
                    received = office_instant(rng.uniform(0, 330) + float(days) * 2)
                    counting, due = deadline(received, days)
                    late = rng.random() < 0.08
                    completed_at = due + timedelta(hours=rng.uniform(2, 72)) if late else \
                        counting + (due - counting) * rng.uniform(0.2, 0.98)
                    completed_at = min(completed_at, now - timedelta(minutes=5))
                    timeliness = "late" if completed_at > due else "on_time"
                    roll = rng.random()
                    status = "returned" if roll < 0.7 else "completed" if roll < 0.96 else "withdrawn"
                    if status == "withdrawn":
                        ended_at, end_reason, timeliness = completed_at, "Công dân rút hồ sơ", None
                        completed_at = None
                    current_step, current_official, step_started = None, desk, completed_at or ended_at
                rows.add(code, procedure["code"], unit, desk, rng.choice(("direct", "online", "online", "post")),
                         status, _ts(received), _ts(counting), str(days), str(procedure["version"]), _ts(due),
                         rules_version, _ts(completed_at), timeliness or "\\N", _ts(received),
                         current_step or "\\N", current_official, unit, _ts(step_started),
                         "t" if procedure["supplements"] else "f", str(supplements), _ts(paused_since), "0", "0",
                         "0", _ts(ended_at), end_reason or "\\N")
                for position, key, name, step_days, performer in plan:
                    steps.add(code, str(position), key, name, str(step_days), performer or "\\N")
                applicants.add(code, rng.choice(FIRST_NAMES), f"09{rng.randrange(10**8):08d}", "\\N",
                               f"Số {rng.randrange(1, 300)}, {unit}")
                written += 1
                if written % BATCH == 0:
                    for copy in (rows, steps, applicants, handovers, pauses):
                        copy.flush()
                    conn.commit()
                    if time.perf_counter() - last_said > 5 or written == dossiers:
                        elapsed = time.perf_counter() - started
                        progress(f"{written:,}/{dossiers:,} dossiers ({written / elapsed:,.0f}/s, "
                                 f"{steps.rows:,} steps, {handovers.rows:,} hand-overs)")
                        last_said = time.perf_counter()
        for copy in (rows, steps, applicants, handovers, pauses):
            copy.flush()
        conn.commit()
        data.seconds["copy"] = time.perf_counter() - started
        progress(f"{written:,} dossiers, {steps.rows:,} steps, {applicants.rows:,} applicants, "
                 f"{handovers.rows:,} hand-overs, {pauses.rows:,} pauses in {data.seconds['copy']:.0f} s; "
                 "VACUUM ANALYZE")
        started = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        data.seconds["vacuum_analyze"] = time.perf_counter() - started
        _choose_people(conn, data)
    return data


def _choose_people(conn: psycopg.Connection, data: Dataset) -> None:
    """The official other than a head holding the most open dossiers, and the head of the unit with the most."""
    open_statuses = list(OPEN_STATUSES)
    data.unit, data.unit_open = conn.execute(
        "SELECT unit, count(*) FROM dossiers WHERE status = ANY(%s) GROUP BY unit ORDER BY 2 DESC, 1 LIMIT 1",
        (open_statuses,)).fetchone()
    data.head = official_code(data.unit, HEAD)
    data.officer, data.officer_open, data.officer_unit = conn.execute(
        "SELECT current_official, count(*), min(unit) FROM dossiers WHERE status = ANY(%s) "
        "AND current_official NOT LIKE %s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
        (open_statuses, f"%-CB{HEAD:02d}")).fetchone()
    data.head_open = conn.execute("SELECT count(*) FROM dossiers WHERE current_official = %s AND status = ANY(%s)",
                                  (data.head, open_statuses)).fetchone()[0]
    data.most_urgent = conn.execute(
        "SELECT code FROM dossiers WHERE current_official = %s AND status = %s ORDER BY due_at, code LIMIT 1",
        (data.officer, RECEIVED)).fetchone()[0]
