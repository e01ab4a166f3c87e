"""Discipline's batched path (late facts, requests and violations read once per batch) leaves the same rows
as the per-event path, on the same late dossiers delivered out of order, twice, and under a second id."""

import json
import uuid
from datetime import datetime, timedelta, timezone

from batch_equivalence import apply_batched, apply_one_by_one, messages, rows, with_duplicates_shuffled

from services.discipline.use_cases.directory import assign_head, upsert_official, upsert_unit
from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))
DETECTED = datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)


def directory(svc):
    uow = svc.runtime.uow
    upsert_unit(uow(), "P01", "Thành phố Hà Nội", None, "province")
    for unit, head in (("W00070", "CB-100"), ("W00004", "CB-200")):
        upsert_unit(uow(), unit, f"Phường {unit}", "P01", "ward")
        upsert_official(uow(), head, f"Chủ tịch {unit}", unit, "can_bo", "Chủ tịch UBND phường", True)
        assign_head(uow(), unit, head, "2025-07-01")
    for official, unit in (("CB-001", "W00070"), ("CB-002", "W00070"), ("CB-003", "W00004")):
        upsert_official(uow(), official, f"Cán bộ {official}", unit, "cong_chuc", "Chuyên viên")
    # W00004 changes heads on 6 November: dossiers due before answer to the first, after to the second.
    upsert_official(uow(), "CB-201", "Chủ tịch mới W00004", "W00004", "can_bo", "Chủ tịch UBND phường", True)
    assign_head(uow(), "W00004", "CB-201", "2026-11-06")


def late_dossier(code, unit, official, due_at, *, kind="dossier.overdue", event_id=None):
    data = {"code": code, "procedure_code": "1.001234", "unit": unit, "due_at": due_at.isoformat(),
            "detected_at": DETECTED.isoformat(), "step": "tham_dinh", "official": official}
    if kind == "dossier.overdue":
        data |= {"received_at": (due_at - timedelta(days=5)).isoformat(), "apologised": False}
    return Event(type=kind, source="/kycuong/test/dossiers", subject=code, data=data, unit=unit,
                 id=event_id or str(uuid.uuid4())).to_json()


DOSSIERS = 16


def stream():
    """16 late dossiers of three officials in two units (enough for reprimands and the heads' joint
    liability), each overdue and without an apology, on both sides of a unit's change of head; one of an
    official and one of a unit the directory does not know; one overdue fact sent again under another id."""
    bodies = []
    people = [("W00070", "CB-001"), ("W00070", "CB-002"), ("W00004", "CB-003")]
    for i in range(DOSSIERS):
        unit, official = people[i % 3] if i < 14 else (("W00004", "CB-404"), ("W09999", "CB-999"))[i - 14]
        due_at = datetime(2026, 11, 2 + i % 10, 17, 0, tzinfo=HANOI)
        code = f"HS-{i:03d}"
        bodies.append(late_dossier(code, unit, official, due_at))
        bodies.append(late_dossier(code, unit, official, due_at, kind="dossier.apology_missed"))
    resent = json.loads(bodies[0])
    resent["id"] = str(uuid.uuid4())
    bodies.append(json.dumps(resent).encode())
    return bodies


TABLES = {
    "late_facts": "SELECT subject_type, subject, subject_due_at, fact_day, unit, official, step FROM late_facts",
    "explanation_requests": "SELECT subject_type, subject, subject_due_at, official, unit, role, status, due_at, "
                            "reason, rule_set, requested_at FROM explanation_requests",
    "violations": "SELECT official, unit, kind, source_type, source, fact_date, responsibility, rule_set, "
                  "discovered_at FROM violations",
    "sanction_proposals": "SELECT official, unit, rule, form, threshold, fact_day, status "
                          "FROM sanction_proposals",
    "audit": "SELECT action, actor, count(*) FROM audit_entries GROUP BY action, actor",
    "outbox": "SELECT routing_key, count(*) FROM outbox GROUP BY routing_key",
    "inbox": "SELECT event_type, count(*) FROM inbox GROUP BY event_type",
}


def test_discipline_batched_late_dossiers_leave_the_same_rows_as_one_by_one(start_service, pg_database):
    batched = start_service("discipline", workers=False, database_url=pg_database("disc_batch"))
    single = start_service("discipline", workers=False, database_url=pg_database("disc_single"))
    for svc in (batched, single):
        directory(svc)
    delivered = messages(with_duplicates_shuffled(stream(), seed=16))

    batch_results = apply_batched(batched, delivered, size=9)
    single_results = apply_one_by_one(single, delivered)

    assert [outcome for outcome, _ in batch_results] == [outcome for outcome, _ in single_results]
    assert {outcome for outcome, _ in batch_results} == {"done", "duplicate"}
    for table, sql in TABLES.items():
        assert rows(batched, sql) == rows(single, sql), table
    # What the dossiers caused: three requests each (official and head for the delay, the head for the
    # missing apology), a late fact each, and the audit chain still whole.
    assert len(rows(batched, TABLES["explanation_requests"])) == 3 * DOSSIERS
    assert len(rows(batched, TABLES["late_facts"])) == DOSSIERS
    heads = {official for official, in rows(batched, "SELECT DISTINCT official FROM explanation_requests "
                                                      "WHERE unit = 'W00004' AND role = 'head'")}
    assert heads == {"CB-200", "CB-201"}
    assert rows(batched, TABLES["sanction_proposals"])  # thresholds were crossed inside batches
    assert rows(batched, "SELECT count(*) FROM audit_entries") == rows(batched, "SELECT seq FROM audit_head")
