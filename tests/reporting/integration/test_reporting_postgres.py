"""Reporting on PostgreSQL: the same projections with row locks, and two workers sharing one queue."""

import random
import threading
from datetime import datetime, timedelta, timezone

import pytest
from conftest import drain, publish, wait_until

from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))


# Tests take pg_database before start_service so the database is dropped after the workers stop.
@pytest.fixture(autouse=True)
def _workers_stopped_after_each_test():
    # start_service only signals its threads to stop; wait for them so none outlives its database.
    yield
    for thread in threading.enumerate():
        if thread.name.startswith("reporting-"):
            thread.join(timeout=5)


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI)


def dossier_events(code, unit, outcome):
    """received plus, by outcome, an on-time completion or an overdue notice (open, past due)."""
    received_at, due_at = at(11, 2), at(11, 9, 17)
    base = {"code": code, "procedure_code": "1.001234", "unit": unit, "received_at": received_at.isoformat(),
            "due_at": due_at.isoformat()}
    events = [Event(type="dossier.received", source="/kycuong/test/dossiers", subject=code, unit=unit,
                    time=received_at, data=dict(base))]
    if outcome == "on_time":
        events.append(Event(type="dossier.completed", source="/kycuong/test/dossiers", subject=code, unit=unit,
                            time=at(11, 9, 10), data={**base, "completed_at": at(11, 9, 10).isoformat(),
                                                      "timeliness": "on_time"}))
    else:
        events.append(Event(type="dossier.overdue", source="/kycuong/test/dossiers", subject=code, unit=unit,
                            time=at(11, 9, 17, 5), data={**base, "detected_at": at(11, 9, 17, 5).isoformat()}))
    return events


def names():
    return [Event(type="directory.unit_upserted", source="/kycuong/test/discipline", subject=code, unit=code,
                  time=at(11, 1), data={"code": code, "name": name, "parent": "HN", "kind": "ward"})
            for code, name in [("U0", "Phường Ba Đình"), ("U1", "Phường Đống Đa"), ("U2", "Phường Hoàn Kiếm"),
                               ("U3", "Phường Tây Hồ")]]


def stream():
    """Unit Ui has 10 dossiers: 2·i overdue and open, the rest finished on time.
    Scores 20 − 4·i: U0 20.00, U1 16.00, U2 12.00, U3 8.00 → ranks 1 to 4."""
    events = []
    for i in range(4):
        for j in range(10):
            events += dossier_events(f"U{i}-D{j}", f"U{i}", "overdue" if j < 2 * i else "on_time")
    return events


def processed(service, count):
    try:
        wait_until(lambda: service.scalar("SELECT count(*) FROM inbox") >= count, timeout=30,
                   message=f"reporting to consume {count} events")
    except pytest.fail.Exception:
        reasons = [headers.get("x-kycuong-reason") for _, headers in drain("memory://", "reporting.events.dlq")]
        pytest.fail(f"consumed {service.scalar('SELECT count(*) FROM inbox')} of {count}; dead letters: {reasons}")


def expected_ranking():
    return [("U0", "Phường Ba Đình", 1, 20.0), ("U1", "Phường Đống Đa", 2, 16.0),
            ("U2", "Phường Hoàn Kiếm", 3, 12.0), ("U3", "Phường Tây Hồ", 4, 8.0)]


def test_reporting_on_postgresql_scorecards_ranking_and_archive(pg_database, start_service):
    service = start_service("reporting", database_url=pg_database("reporting"))
    events = names() + stream()
    for event in events:
        publish("memory://", event.to_json(), event.type)
    processed(service, len(events))

    body = service.client.get("/reporting/api/v1/rankings?period=2026-11").get_json()
    assert [(i["unit"], i["unit_name"], i["rank"], i["score"]) for i in body["items"]] == expected_ranking()
    card = service.client.get("/reporting/api/v1/units/U2/scorecard?period=2026-11").get_json()
    assert (card["received"], card["on_time"], card["overdue_open"], card["score"]) == (10, 6, 4, 12.0)
    assert service.scalar("SELECT count(*) FROM event_archive") == len(events)
    assert service.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'ranking.updated'") > 0


def test_reporting_two_workers_on_postgresql_agree_with_one(pg_database, start_service):
    url = pg_database("reporting")
    first = start_service("reporting", database_url=url)
    start_service("reporting", database_url=url)  # a second worker on the same queue and database
    events = names() + stream()
    random.Random(7).shuffle(events)  # completions and overdue notices often before their receipts
    for event in events:
        publish("memory://", event.to_json(), event.type)
    processed(first, len(events))

    body = first.client.get("/reporting/api/v1/rankings?period=2026-11").get_json()
    assert [(i["unit"], i["unit_name"], i["rank"], i["score"]) for i in body["items"]] == expected_ranking()
    # The ranking stored for the next comparison is the final one, not one computed from a stale read.
    with first.runtime.engine.connect() as conn:
        from sqlalchemy import text

        stored = conn.execute(text("SELECT entries FROM published_rankings "
                                   "WHERE period = '2026-11' AND unit_kind = ''")).scalar_one()
    assert sorted((unit, rank, float(score)) for unit, (rank, score) in stored.items()) == [
        (u, r, s) for u, _, r, s in expected_ranking()]
