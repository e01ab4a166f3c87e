"""Reporting's batched path (the batch's dossier facts read and locked in one statement) leaves the same rows
as the per-event path, on the same dossiers' events out of order, twice, and resent under new ids."""

import json
import uuid
from datetime import datetime, timedelta, timezone

from batch_equivalence import apply_batched, apply_one_by_one, messages, rows, with_duplicates_shuffled

from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))
SOURCE = "/kycuong/test/dossiers"


def at(month, day, hour=9):
    return datetime(2026, month, day, hour, 0, tzinfo=HANOI)


def life(code, unit, outcome, received_at):
    """received, then overdue (still open), or completed early / on time / late."""
    due_at = received_at + timedelta(days=3)
    base = {"code": code, "procedure_code": "1.001234", "unit": unit, "received_at": received_at.isoformat(),
            "due_at": due_at.isoformat()}
    events = [Event(type="dossier.received", source=SOURCE, subject=code, unit=unit, time=received_at,
                    data={**base, "processing_days": "3", "channel": "direct"})]
    if outcome == "overdue":
        detected = due_at + timedelta(minutes=5)
        events.append(Event(type="dossier.overdue", source=SOURCE, subject=code, unit=unit, time=detected,
                            data={**base, "detected_at": detected.isoformat(), "step": "appraise",
                                  "official": "CB-017"}))
    else:
        done = {"early": due_at - timedelta(days=1), "on_time": due_at, "late": due_at + timedelta(days=2)}[outcome]
        events.append(Event(type="dossier.completed", source=SOURCE, subject=code, unit=unit, time=done,
                            data={**base, "completed_at": done.isoformat(), "timeliness": outcome}))
    return events


def stream():
    """30 dossiers of three units over October and November; three events resent under new ids."""
    events = []
    outcomes = ["overdue", "early", "on_time", "late", "overdue"]
    for i in range(30):
        events += life(f"HS-{i:03d}", f"U{i % 3}", outcomes[i % 5], at(10 + i % 2, 3 + i % 20))
    bodies = [event.to_json() for event in events]
    for body in bodies[:6:2]:
        resent = json.loads(body)
        resent["id"] = str(uuid.uuid4())
        bodies.append(json.dumps(resent).encode())
    return bodies


TABLES = {
    "dossier_facts": "SELECT code, unit, procedure_code, received_at, due_at, completed_at, timeliness, "
                     "overdue_detected_at, overdue_step, overdue_official FROM dossier_facts",
    "scorecards": "SELECT * FROM scorecards",
    "unit_open": "SELECT * FROM unit_open",
    "occurrences": "SELECT kind, subject, unit, official, on_time FROM occurrences",
    "figure_months": "SELECT * FROM figure_months",
    "units": "SELECT code FROM units",
    "archive": "SELECT type, subject, count(*) FROM event_archive GROUP BY type, subject",
    # The ranking as published last (a batch re-ranks a period once, so the number of `ranking.updated`
    # events differs by design; where each unit stands at the end does not).
    "published_rankings": "SELECT period, unit_kind, units_ranked, entries::text FROM published_rankings",
}


def test_reporting_batched_dossier_events_leave_the_same_rows_as_one_by_one(start_service, pg_database):
    batched = start_service("reporting", workers=False, database_url=pg_database("rep_batch"))
    single = start_service("reporting", workers=False, database_url=pg_database("rep_single"))
    delivered = messages(with_duplicates_shuffled(stream(), seed=16))

    batch_results = apply_batched(batched, delivered, size=11)
    single_results = apply_one_by_one(single, delivered)

    assert [outcome for outcome, _ in batch_results] == [outcome for outcome, _ in single_results]
    for table, sql in TABLES.items():
        assert rows(batched, sql) == rows(single, sql), table
    assert len(rows(batched, TABLES["dossier_facts"])) == 30
    # 12 of the 30 are overdue and still open, whatever the order the events came in.
    assert rows(batched, "SELECT sum(open_overdue) FROM unit_open") == [(12,)]
