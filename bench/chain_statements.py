"""SQL statements and CPU per late dossier in each hot consumer of the chain, without a broker: a figure the
machine's load does not move.

    .venv/bin/python bench/chain_statements.py [--dossiers 500] [--batch 50]

For each of dossiers (ingest of `dossier.received`), discipline (`dossier.overdue` and `dossier.apology_missed`)
and reporting (`dossier.received` and `dossier.overdue`; `--services reporting-all`: the eight messages it takes
per late dossier in the chain), a PostgreSQL database of its own is created and
migrated, and `ConsumerRunner.process_batch` is given the events of `--dossiers` late dossiers in batches of
`--batch` (the consumers' prefetch), as the worker would. Counted: statements sent to PostgreSQL (each
`execute`; an `executemany` or `COPY` counts once), commits, and the process's CPU time, per dossier. Run it in
an older checkout (`git archive <commit> | tar -x -C DIR`, then this file copied there) to compare.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, event, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kycuong import registry  # noqa: E402
from shared import migrations  # noqa: E402
from shared.clock import ManualClock  # noqa: E402
from shared.consumer import ConsumerRunner  # noqa: E402
from shared.events.envelope import CONTENT_TYPE, Event  # noqa: E402
from shared.runtime import ServiceRuntime  # noqa: E402
from shared.settings import Settings  # noqa: E402

HANOI = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
UNITS = [f"W{i:05d}" for i in range(10)]
PROCEDURE = "1.001612"


def database(label: str) -> str:
    name = f"kyc_stmt_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name


def drop(name: str) -> None:
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def runtime(service: str, name: str, var: Path) -> ServiceRuntime:
    settings = Settings.from_env(env={}, var_dir=var, broker_url="memory://",
                                 database_urls={service: f"{PG}/{name}"})
    rt = ServiceRuntime(registry.spec(service), settings, clock=ManualClock(NOW))
    migrations.upgrade(rt.spec.migrations, rt.database_url)
    return rt


def body(event_type: str, code: str, unit: str, data: dict, source: str = "/kycuong/bench/dossiers") -> bytes:
    return Event(type=event_type, source=source, subject=code, unit=unit, data=data).to_json()


def late(i: int) -> tuple[str, str, dict]:
    code, unit = f"HS-{i:06d}", UNITS[i % len(UNITS)]
    received_at = NOW - timedelta(days=10)
    due_at = NOW - timedelta(days=5)
    return code, unit, {"code": code, "procedure_code": PROCEDURE, "unit": unit,
                        "received_at": received_at.isoformat(), "due_at": due_at.isoformat(),
                        "detected_at": NOW.isoformat(), "step": "tham_dinh", "official": f"{unit}-CB"}


def setup_discipline(rt: ServiceRuntime) -> None:
    from services.discipline.use_cases.directory import assign_head, upsert_official, upsert_unit

    for unit in UNITS:
        upsert_unit(rt.uow(), unit, f"Phường {unit}", None, "ward")
        upsert_official(rt.uow(), f"{unit}-CB", "Cán bộ", unit, "cong_chuc", "Chuyên viên")
        upsert_official(rt.uow(), f"{unit}-GD", "Chủ tịch", unit, "can_bo", "Chủ tịch UBND phường", True)
        assign_head(rt.uow(), unit, f"{unit}-GD", "2024-01-01")


def discipline_messages(n: int) -> list[bytes]:
    bodies = []
    for i in range(n):
        code, unit, data = late(i)
        bodies.append(body("dossier.overdue", code, unit, {**data, "apologised": False}))
        bodies.append(body("dossier.apology_missed", code, unit, {k: v for k, v in data.items()
                                                                    if k != "received_at"}))
    return bodies


def reporting_messages(n: int) -> list[bytes]:
    bodies = []
    for i in range(n):
        code, unit, data = late(i)
        bodies.append(body("dossier.received", code, unit, {
            k: data[k] for k in ("code", "procedure_code", "unit", "received_at", "due_at")} | {
            "processing_days": "3", "channel": "external", "handler": data["official"]}))
    for i in range(n):
        code, unit, data = late(i)
        bodies.append(body("dossier.overdue", code, unit, {**data, "apologised": False}))
    return bodies


def reporting_all_messages(n: int) -> list[bytes]:
    """Every message reporting takes per late dossier in the chain: its receipt, the overdue and the missed
    apology (from dossiers), the three explanation requests and the two violations (from discipline)."""
    bodies = reporting_messages(n)
    discipline = "/kycuong/bench/discipline"
    for i in range(n):
        code, unit, data = late(i)
        head = f"{unit}-GD"
        bodies.append(body("dossier.apology_missed", code, unit, {k: v for k, v in data.items()
                                                                  if k != "received_at"}))
        for j, (role, person, subject_type) in enumerate((("official", data["official"], "dossier"),
                                                           ("head", head, "dossier"), ("head", head, "dossier"))):
            request = f"GT-{i:06d}-{j}"
            bodies.append(body("explanation.requested", request, unit, {
                "code": request, "subject_type": subject_type, "subject": code, "official": person, "unit": unit,
                "role": role, "due_at": (NOW + timedelta(days=3)).isoformat(), "reason": "Hồ sơ quá hạn"},
                source=discipline))
        for j, (person, kind) in enumerate(((data["official"], "late_dossier"), (head, "no_apology"))):
            violation = f"VP-{i:06d}-{j}"
            bodies.append(body("violation.recorded", violation, unit, {
                "code": violation, "official": person, "unit": unit, "responsibility": "direct", "kind": kind,
                "source_type": "dossier", "source": code, "fact_date": data["due_at"][:10],
                "recorded_at": NOW.isoformat(), "discovered_at": NOW.isoformat()}, source=discipline))
    return bodies


def setup_dossiers(rt: ServiceRuntime) -> None:
    from shared.auth import mint_token
    from shared.web import create_service_app

    token = mint_token(rt.settings.jwt_secret, sub="bench", unit=None, roles=["admin"], now=datetime.now(HANOI))
    response = create_service_app(rt).test_client().post(
        "/dossiers/api/v1/procedures", headers={"Authorization": f"Bearer {token}"},
        json={"code": PROCEDURE, "name": "Đăng ký thành lập hộ kinh doanh", "processing_days": 3})
    assert response.status_code == 201, response.get_json()
    # The directory has reached dossiers, as in the chain: each dossier's unit is checked against it.
    from services.dossiers.use_cases.directory import UnitUpserted, record_unit

    for unit in UNITS:
        record_unit(rt.uow(), UnitUpserted(unit, f"Phường {unit}", None, "ward"), NOW)


def dossiers_messages(n: int) -> list[bytes]:
    bodies = []
    for i in range(n):
        code, unit, data = late(i)
        bodies.append(json.dumps({
            "specversion": "1.0", "id": str(uuid.uuid4()), "source": "/mot-cua/bench", "type": "dossier.received",
            "time": NOW.isoformat(), "subject": code, "datacontenttype": "application/json",
            "data": {"code": code, "procedure_code": PROCEDURE, "unit": unit, "received_at": data["received_at"],
                     "handler": data["official"]}}).encode())
    return bodies


CASES = {
    "dossiers": ("ingest", setup_dossiers, dossiers_messages),
    "discipline": ("events", setup_discipline, discipline_messages),
    "reporting": ("events", lambda rt: None, reporting_messages),
    # reporting as the chain feeds it: eight messages per dossier, not only the two above
    "reporting-all": ("events", lambda rt: None, reporting_all_messages),
}


def measure(service: str, n: int, batch: int) -> dict:
    stream_name, setup, make = CASES[service]
    label = service
    service = service.split("-")[0]
    name = database(service)
    try:
        with tempfile.TemporaryDirectory() as var:
            rt = runtime(service, name, Path(var))
            setup(rt)
            [stream] = [s for s in rt.spec.all_streams() if s.name == stream_name]
            consumer = ConsumerRunner(rt, stream)
            counts = {"statements": 0, "commits": 0}

            def count(conn, cursor, statement, parameters, context, executemany):
                counts["statements"] += 1

            def commit(conn):
                counts["commits"] += 1

            event.listen(rt.engine, "before_cursor_execute", count)
            event.listen(rt.engine, "commit", commit)
            messages = [(b, {}, CONTENT_TYPE, None) for b in make(n)]
            cpu, wall = time.process_time(), time.perf_counter()
            outcomes = []
            for start in range(0, len(messages), batch):
                outcomes += [o for o, _ in consumer.process_batch(messages[start:start + batch])]
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            event.remove(rt.engine, "before_cursor_execute", count)
            bad = [o for o in outcomes if o != "done"]
            assert not bad, f"{service}: {len(bad)} messages not applied: {set(bad)}"
            rt.dispose()
    finally:
        drop(name)
    return {"service": label, "messages": len(messages), "statements_per_dossier": counts["statements"] / n,
            "commits_per_dossier": counts["commits"] / n, "cpu_ms_per_dossier": 1000 * cpu / n,
            "wall_ms_per_dossier": 1000 * wall / n}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=500)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--services", default="dossiers,discipline,reporting")
    args = parser.parse_args()
    results = [measure(service, args.dossiers, args.batch) for service in args.services.split(",")]
    print(f"| consumer ({args.dossiers} late dossiers, batches of {args.batch}) | messages | SQL statements per "
          "dossier | commits per dossier | CPU ms per dossier | wall ms per dossier |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['service']} | {r['messages']} | {r['statements_per_dossier']:.1f} | "
              f"{r['commits_per_dossier']:.2f} | {r['cpu_ms_per_dossier']:.1f} | {r['wall_ms_per_dossier']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
