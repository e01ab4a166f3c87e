"""The ingest consumer's batched path (the batch's dossiers, and which have events waiting, read in one
statement each) leaves the same rows as the per-event path, on the same external events out of order
(hand-overs and completions before their dossier is received), twice, and resent under new ids."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

from batch_equivalence import apply_batched, apply_one_by_one, messages, rows, with_duplicates_shuffled

HANOI = timezone(timedelta(hours=7))
API = "/dossiers/api/v1"
UNIT = "PHUONG-HOAN-KIEM"
PROCEDURE = "1.001612"


def at(day: int, hour: int, minute: int = 0) -> str:
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI).isoformat()


def ce(event_type: str, data: dict) -> bytes:
    return json.dumps({"specversion": "1.0", "id": str(uuid.uuid4()), "source": "/mot-cua/ha-noi",
                       "type": event_type, "time": datetime(2026, 11, 20, 9, tzinfo=UTC).isoformat(),
                       "subject": data["code"], "datacontenttype": "application/json", "data": data}).encode()


def stream() -> list[bytes]:
    """24 dossiers: received only, received and handed over, or received, handed over and completed."""
    bodies = []
    for i in range(24):
        code = f"000.00.20.H26-261116-{i:04d}"
        bodies.append(ce("dossier.received", {"code": code, "unit": UNIT, "procedure_code": PROCEDURE,
                                              "received_at": at(16, 9, i), "handler": "CB-001"}))
        if i % 3:
            bodies.append(ce("dossier.handed_over", {"code": code, "unit": UNIT, "at": at(16, 14, i),
                                                     "from_step": "receive", "to_step": "appraise",
                                                     "from_official": "CB-001", "to_official": "CB-002"}))
        if i % 3 == 2:
            bodies.append(ce("dossier.completed", {"code": code, "unit": UNIT, "completed_at": at(18, 15, i),
                                                   "official": "CB-003"}))
    for body in bodies[:8:3]:
        resent = json.loads(body)
        resent["id"] = str(uuid.uuid4())
        bodies.append(json.dumps(resent).encode())
    return bodies


TABLES = {
    "dossiers": "SELECT code, unit, status, received_at, due_at, current_step, current_official, completed_at "
                "FROM dossiers",
    "dossier_steps": "SELECT dossier_code, position, key FROM dossier_steps",
    "dossier_handovers": "SELECT dossier_code, to_step, to_official FROM dossier_handovers",
    "ingest_waiting": "SELECT dossier_code, event_type FROM ingest_waiting",
    "ingest_rejections": "SELECT dossier_code, reason FROM ingest_rejections",
    "outbox": "SELECT routing_key, count(*) FROM outbox GROUP BY routing_key",
    "inbox": "SELECT event_type, count(*) FROM inbox GROUP BY event_type",
}


def steps_in_order(bodies: list[bytes]) -> list[bytes]:
    """A dossier's hand-over still comes before its completion (a hand-over after it is refused, and a refusal
    undoes the whole batch by design); its receipt may come anywhere, even last."""
    documents = [json.loads(body) for body in bodies]
    order = {"dossier.handed_over": 0, "dossier.completed": 1}
    by_code: dict[str, list[int]] = {}
    for position, document in enumerate(documents):
        if document["type"] in order:
            by_code.setdefault(document["data"]["code"], []).append(position)
    result = list(bodies)
    for positions in by_code.values():
        ordered = sorted((bodies[i] for i in positions), key=lambda body: order[json.loads(body)["type"]])
        for position, body in zip(positions, ordered, strict=True):
            result[position] = body
    return result


def start(start_service, pg_database, label):
    svc = start_service("dossiers", workers=False, database_url=pg_database(label))
    created = svc.client.post(f"{API}/procedures", headers=svc.headers(roles=("admin",)), json={
        "code": PROCEDURE, "name": "Cấp giấy phép xây dựng", "processing_days": 3,
        "steps": [{"key": "receive", "name": "Tiếp nhận", "days": 0.5},
                  {"key": "appraise", "name": "Thẩm định", "days": 1.5},
                  {"key": "approve", "name": "Phê duyệt", "days": 1}]})
    assert created.status_code == 201, created.get_json()
    return svc


def test_dossiers_batched_ingest_leaves_the_same_rows_as_one_by_one(start_service, pg_database, clock):
    clock.set(datetime(2026, 11, 20, 17, 0, tzinfo=HANOI))
    batched = start(start_service, pg_database, "dos_batch")
    single = start(start_service, pg_database, "dos_single")
    delivered = messages(steps_in_order(with_duplicates_shuffled(stream(), seed=16)))

    batch_results = apply_batched(batched, delivered, size=10, stream="ingest")
    single_results = apply_one_by_one(single, delivered, stream="ingest")

    assert [outcome for outcome, _ in batch_results] == [outcome for outcome, _ in single_results]
    for table, sql in TABLES.items():
        assert rows(batched, sql) == rows(single, sql), table
    assert len(rows(batched, TABLES["dossiers"])) == 24
    assert rows(batched, TABLES["ingest_waiting"]) == []  # every early event found its dossier
    assert rows(batched, "SELECT count(*) FROM dossiers WHERE status = 'completed'") == \
        rows(single, "SELECT count(*) FROM dossiers WHERE status = 'completed'") != [(0,)]
