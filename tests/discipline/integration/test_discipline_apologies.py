"""A dossier late without its unit's apology, and an apologised dossier that broke its promise, as the
dossiers service announces them: the head who should have signed the apology answers for it; a broken
promise is a second late fact of the dossier (Decree 61/2018/ND-CP art. 19; Circular 01/2018/TT-VPCP)."""

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from conftest import publish, wait_until

from services.discipline.use_cases.directory import assign_head, upsert_official, upsert_unit
from shared.events.envelope import Event

API = "/discipline/api/v1"
HANOI = timezone(timedelta(hours=7))
DETECTED = datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)


def at(day, hour=17):
    return datetime(2026, 11, day, hour, 0, tzinfo=HANOI)


def event(event_type, code, **data):
    body = {"code": code, "procedure_code": "1.001234", "unit": "W00070", "detected_at": DETECTED.isoformat(),
            "step": "tham_dinh", **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}}
    return Event(type=event_type, source="/kycuong/test/dossiers", subject=code, data=body, unit="W00070",
                 id=str(uuid.uuid4())).to_json()


def overdue(code, due_at, official="CB-001"):
    return event("dossier.overdue", code, due_at=due_at, received_at=due_at - timedelta(days=5), official=official)


def apology_missed(code, due_at):
    return event("dossier.apology_missed", code, due_at=due_at, official="CB-001")


def promise_broken(code, due_at, promised_at, official="CB-001"):
    return event("dossier.promise_broken", code, due_at=due_at, promised_at=promised_at, official=official)


def get(svc, path, **query):
    response = svc.client.get(f"{API}{path}", query_string={"page_size": 100, **query},
                              headers=svc.headers(roles=["inspector"]))
    assert response.status_code == 200, response.json
    return response.json


def outbox(svc, event_type):
    with svc.runtime.engine.connect() as conn:
        return [json.loads(b)["data"] for (b,) in conn.exec_driver_sql(
            "SELECT body FROM outbox WHERE routing_key = ? ORDER BY id", (event_type,))]


def processed(svc, n):
    wait_until(lambda: svc.scalar("SELECT count(*) FROM inbox") >= n, message=f"{n} events applied")


@pytest.fixture
def svc(start_service):
    running = start_service("discipline")
    uow = running.runtime.uow
    upsert_unit(uow(), "P01", "Thành phố Hà Nội", None, "province")
    upsert_unit(uow(), "W00070", "Phường Hoàn Kiếm", "P01", "ward")
    upsert_official(uow(), "CB-001", "Nguyễn Thị Lan", "W00070", "cong_chuc", "Chuyên viên")
    upsert_official(uow(), "CB-100", "Trần Văn Minh", "W00070", "can_bo", "Chủ tịch UBND phường", True)
    upsert_official(uow(), "CB-200", "Lê Thị Hoa", "W00070", "can_bo", "Chủ tịch UBND phường", True)
    assign_head(uow(), "W00070", "CB-100", "2025-07-01")
    assign_head(uow(), "W00070", "CB-200", "2026-11-14")  # a new head from the day after the due date
    yield running
    running.stop.set()
    for thread in running.runtime._threads:
        thread.join(timeout=5)


def test_no_apology_is_a_violation_of_the_head_in_office_that_day_with_an_explanation_once(svc, memory_broker):
    """Decree 61/2018/ND-CP art. 19 and Form 04 of Circular 01/2018/TT-VPCP: the unit at fault apologises,
    its head signs; a dossier past its legal due time without an apology is a breach in itself, of the
    head in office on the due date (not today's head), asked to explain; once per dossier."""
    body = apology_missed("HS-A", at(13))
    publish(memory_broker, body, "dossier.apology_missed")
    publish(memory_broker, body, "dossier.apology_missed")
    publish(memory_broker, apology_missed("HS-A", at(13)), "dossier.apology_missed")  # same fact, another id
    processed(svc, 2)  # two event ids; the last one published is applied

    request, = get(svc, "/explanations", subject="HS-A")["items"]
    assert (request["role"], request["official"], request["status"]) == ("head", "CB-100", "requested")
    assert "phiếu xin lỗi" in request["reason"] and "61/2018/NĐ-CP" in request["reason"]
    assert "13/11/2026" in request["reason"]
    violation, = get(svc, "/violations", source="HS-A")["items"]
    assert (violation["official"], violation["kind"], violation["responsibility"]) == ("CB-100", "no_apology", "direct")
    assert violation["fact_date"] == "2026-11-13" and "Mẫu 04" in violation["facts"]
    assert violation["rule_set"] == "ND172-2025/local-1" and violation["rule_set_verified"] is True
    assert "172/2025" in violation["rule_set_source"]
    assert datetime.fromisoformat(violation["discovered_at"]) == DETECTED
    requested, = outbox(svc, "explanation.requested")
    assert (requested["official"], requested["subject_type"], requested["subject"]) == ("CB-100", "dossier", "HS-A")
    recorded, = outbox(svc, "violation.recorded")
    assert recorded["kind"] == "no_apology" and datetime.fromisoformat(recorded["discovered_at"]) == DETECTED


def test_a_broken_promise_is_a_second_late_fact_counted_toward_the_late_dossier_threshold(svc, memory_broker):
    """An apology does not excuse the delay and its new date is a second promise (Circular
    01/2018/TT-VPCP, Form 04): breaking it is a second failure, explained by the official and the head,
    and counted with the late dossiers (local policy: 3 in 30 days → khiển trách); once per dossier."""
    publish(memory_broker, overdue("HS-1", at(10)), "dossier.overdue")
    publish(memory_broker, overdue("HS-2", at(11)), "dossier.overdue")
    processed(svc, 2)
    assert get(svc, "/sanction-proposals", official="CB-001")["total"] == 0  # two late dossiers: below 3

    body = promise_broken("HS-1", at(10), at(13, 10))
    publish(memory_broker, body, "dossier.promise_broken")
    publish(memory_broker, body, "dossier.promise_broken")
    publish(memory_broker, promise_broken("HS-1", at(10), at(13, 10)), "dossier.promise_broken")  # another id
    processed(svc, 4)

    asked = get(svc, "/explanations", subject="HS-1")["items"]
    assert sorted((r["role"], r["official"]) for r in asked) == [
        ("head", "CB-100"), ("head", "CB-100"), ("official", "CB-001"), ("official", "CB-001")]
    promise = [r for r in asked if "hẹn lại" in r["reason"]]
    assert len(promise) == 2 and all("13/11/2026" in r["reason"] for r in promise)
    kinds = sorted(v["kind"] for v in get(svc, "/violations", official="CB-001")["items"])
    assert kinds == ["broken_promise", "late_dossier", "late_dossier"]
    proposal, = get(svc, "/sanction-proposals", official="CB-001")["items"]
    assert (proposal["rule"], proposal["form"]) == ("official-late-dossiers", "khien_trach")
    assert proposal["facts"] == ["HS-1", "HS-2", "HS-1 (trễ hẹn lại)"]
    assert proposal["rule_source"].startswith("chính sách địa phương")
    assert len(outbox(svc, "sanction.proposed")) == 1
    assert len(outbox(svc, "explanation.requested")) == 6


def test_a_dossier_overdue_again_at_the_same_legal_due_time_counts_once(svc, memory_broker):
    """dossier.overdue keeps its meaning (the legal due time): the same fact delivered as overdue and as a
    late completion is one late dossier, not a promise broken."""
    publish(memory_broker, overdue("HS-1", at(10)), "dossier.overdue")
    publish(memory_broker, overdue("HS-1", at(10)), "dossier.overdue")
    publish(memory_broker, overdue("HS-2", at(11)), "dossier.overdue")
    processed(svc, 3)
    assert len(get(svc, "/explanations", subject="HS-1")["items"]) == 2
    assert get(svc, "/sanction-proposals", official="CB-001")["total"] == 0


def test_a_completion_after_the_promised_date_is_the_same_broken_promise_once(svc, memory_broker):
    """A dossier finished after the date its apology promised (`promise_kept` false) broke the promise:
    the same second late fact as dossier.promise_broken, recorded once whichever arrives first."""
    completed = event("dossier.completed", "HS-9", received_at=at(5), due_at=at(10), completed_at=at(16, 10),
                      timeliness="late", promised_at=at(13, 10), promise_kept=False,
                      responsible_official="CB-001", responsible_step="tham_dinh")
    publish(memory_broker, completed, "dossier.completed")
    publish(memory_broker, promise_broken("HS-9", at(10), at(13, 10)), "dossier.promise_broken")
    processed(svc, 2)
    asked = get(svc, "/explanations", subject="HS-9")["items"]
    assert len(asked) == 4 and len([r for r in asked if "hẹn lại" in r["reason"]]) == 2
    kinds = sorted(v["kind"] for v in get(svc, "/violations", official="CB-001")["items"])
    assert kinds == ["broken_promise", "late_dossier"]
