"""A late dossier, as the dossiers service announces it on the broker, becomes explanation requests for
the official and the unit's head, and repeated lateness becomes a sanction proposal."""

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from conftest import drain, publish, wait_until

from services.discipline.use_cases.directory import assign_head, upsert_official, upsert_unit
from shared.events.envelope import Event

API = "/discipline/api/v1"
HANOI = timezone(timedelta(hours=7))
DETECTED = datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)


def at(day, hour=17):
    return datetime(2026, 11, day, hour, 0, tzinfo=HANOI)


def overdue(code, due_at, *, official="CB-001", unit="W00070", detected_at=DETECTED, event_id=None):
    data = {"code": code, "procedure_code": "1.001234", "unit": unit, "received_at": (due_at - timedelta(days=5))
            .isoformat(), "due_at": due_at.isoformat(), "detected_at": detected_at.isoformat(),
            "step": "tham_dinh", "official": official}
    return Event(type="dossier.overdue", source="/kycuong/test/dossiers", subject=code, data=data, unit=unit,
                 id=event_id or str(uuid.uuid4())).to_json()


def outbox_count(svc, event_type):
    return svc.scalar("SELECT count(*) FROM outbox WHERE routing_key = :t", t=event_type)


def processed(svc, n):
    """Wait until the consumer has applied n events (each applied event leaves one inbox row)."""
    wait_until(lambda: svc.scalar("SELECT count(*) FROM inbox") >= n, message=f"{n} events applied")


def explanations(svc, headers=None, **query):
    response = svc.client.get(f"{API}/explanations", query_string={"page_size": 100, **query},
                              headers=headers or svc.headers(roles=["inspector"]))
    assert response.status_code == 200, response.json
    return response.json


def directory(svc):
    uow = svc.runtime.uow
    upsert_unit(uow(), "P01", "Thành phố Hà Nội", None, "province")
    upsert_unit(uow(), "W00070", "Phường Hoàn Kiếm", "P01", "ward")
    upsert_unit(uow(), "W00004", "Phường Ba Đình", "P01", "ward")
    upsert_official(uow(), "CB-001", "Nguyễn Thị Lan", "W00070", "cong_chuc", "Chuyên viên")
    upsert_official(uow(), "CB-002", "Phạm Văn Hùng", "W00070", "cong_chuc", "Chuyên viên")
    upsert_official(uow(), "CB-100", "Trần Văn Minh", "W00070", "can_bo", "Chủ tịch UBND phường", True)
    upsert_official(uow(), "CB-200", "Lê Thị Hoa", "W00070", "can_bo", "Chủ tịch UBND phường", True)
    assign_head(uow(), "W00070", "CB-100", "2025-07-01")


@pytest.fixture
def discipline(start_service):
    """start_service for discipline that also waits for its worker threads to end after the test: a
    consumer still polling the in-memory queue would take the next test's messages."""
    started = []

    def start(**settings):
        running = start_service("discipline", **settings)
        directory(running)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop.set()
    for running in started:
        for thread in running.runtime._threads:
            thread.join(timeout=5)


@pytest.fixture
def svc(discipline):
    return discipline()


def test_a_late_dossier_asks_the_official_and_the_head_to_explain_within_three_working_days(svc, memory_broker):
    publish(memory_broker, overdue("HS-001", at(13)), "dossier.overdue")

    page = wait_until(lambda: (p := explanations(svc, subject="HS-001"))["total"] == 2 and p,
                      message="two explanation requests for HS-001")
    by_role = {item["role"]: item for item in page["items"]}
    assert by_role["official"]["official"] == "CB-001"
    assert by_role["head"]["official"] == "CB-100"
    for item in by_role.values():
        assert item["status"] == "requested" and item["unit"] == "W00070" and item["subject_type"] == "dossier"
        # Monday 16/11 09:00 + 3 working days = Thursday 19/11 09:00
        assert datetime.fromisoformat(item["due_at"]) == datetime(2026, 11, 19, 9, 0, tzinfo=HANOI)
        assert "HS-001" in item["reason"] and "13/11/2026" in item["reason"]
    assert outbox_count(svc, "explanation.requested") == 2
    with svc.runtime.engine.connect() as conn:
        bodies = [json.loads(b) for (b,) in conn.exec_driver_sql(
            "SELECT body FROM outbox WHERE routing_key = 'explanation.requested'")]
    assert {b["data"]["role"] for b in bodies} == {"official", "head"}
    assert all(b["subject"] == b["data"]["code"] and b["unit"] == "W00070" for b in bodies)


def test_the_same_delivery_twice_and_the_same_fact_under_another_id_ask_once(svc, memory_broker):
    body = overdue("HS-001", at(13))
    publish(memory_broker, body, "dossier.overdue")
    publish(memory_broker, body, "dossier.overdue")
    publish(memory_broker, overdue("HS-001", at(13)), "dossier.overdue")  # another id, same dossier and due
    publish(memory_broker, overdue("HS-SENTINEL", at(13)), "dossier.overdue")
    processed(svc, 3)  # the exact duplicate leaves no inbox row
    wait_until(lambda: explanations(svc, subject="HS-SENTINEL")["total"] == 2, message="sentinel applied")

    assert explanations(svc, subject="HS-001")["total"] == 2
    assert outbox_count(svc, "explanation.requested") == 4
    assert svc.scalar("SELECT count(*) FROM late_facts") == 2


def test_the_head_asked_is_the_one_in_office_on_the_due_date(svc, memory_broker):
    assign_head(svc.runtime.uow(), "W00070", "CB-200", "2026-11-10")
    publish(memory_broker, overdue("HS-EARLY", at(6)), "dossier.overdue")
    publish(memory_broker, overdue("HS-LATE", at(13)), "dossier.overdue")
    processed(svc, 2)

    early = explanations(svc, subject="HS-EARLY", role="head")["items"]
    late = explanations(svc, subject="HS-LATE", role="head")["items"]
    assert [e["official"] for e in early] == ["CB-100"]
    assert [e["official"] for e in late] == ["CB-200"]


def test_a_late_dossier_without_anyone_to_ask_is_kept_unassigned_until_someone_can_be_named(svc, memory_broker):
    publish(memory_broker, overdue("HS-900", at(13), unit="W00004", official=None), "dossier.overdue")
    processed(svc, 1)
    items = explanations(svc, subject="HS-900")["items"]
    assert sorted((e["role"], e["status"], e["official"]) for e in items) == [
        ("head", "unassigned", None), ("official", "unassigned", None)]
    assert outbox_count(svc, "explanation.requested") == 0

    assign_head(svc.runtime.uow(), "W00004", "CB-200", "2026-01-01")
    publish(memory_broker, overdue("HS-900", at(13), unit="W00004", official=None), "dossier.overdue")
    processed(svc, 2)
    items = explanations(svc, subject="HS-900")["items"]
    assert sorted((e["role"], e["status"], e["official"]) for e in items) == [
        ("head", "requested", "CB-200"), ("official", "unassigned", None)]
    assert outbox_count(svc, "explanation.requested") == 1


def test_three_late_dossiers_of_one_official_within_30_days_propose_one_reprimand(svc, memory_broker):
    for code, day in [("HS-101", 2), ("HS-102", 9), ("HS-103", 13), ("HS-104", 13)]:
        publish(memory_broker, overdue(code, at(day)), "dossier.overdue")
    processed(svc, 4)
    inspector = svc.headers(roles=["inspector"])

    page = svc.client.get(f"{API}/sanction-proposals?official=CB-001", headers=inspector).json
    assert page["total"] == 1
    proposal = page["items"][0]
    assert proposal["rule"] == "official-late-dossiers"
    assert proposal["rule_set"] == "ND172-2025/local-1"
    assert "172/2025" in proposal["legal_basis"]
    assert proposal["form"] == "khien_trach" and proposal["form_label"] == "Khiển trách"
    assert proposal["facts"] == ["HS-101", "HS-102", "HS-103"]
    assert proposal["joint_liability"] is False and proposal["status"] == "proposed"
    assert outbox_count(svc, "sanction.proposed") == 1
    body = json.loads(svc.scalar("SELECT body FROM outbox WHERE routing_key = 'sanction.proposed'"))
    assert body["data"]["facts"] == ["HS-101", "HS-102", "HS-103"] and body["data"]["official"] == "CB-001"


def test_five_late_dossiers_in_a_unit_make_its_head_jointly_liable(svc, memory_broker):
    officials = ["CB-001", "CB-002", "CB-001", "CB-002", "CB-002"]
    for n, official in enumerate(officials, start=1):
        publish(memory_broker, overdue(f"HS-20{n}", at(2 + n), official=official), "dossier.overdue")
    processed(svc, 5)

    page = svc.client.get(f"{API}/sanction-proposals?official=CB-100",
                          headers=svc.headers(roles=["inspector"])).json
    assert page["total"] == 1
    assert page["items"][0]["rule"] == "head-joint-liability" and page["items"][0]["joint_liability"] is True
    assert len(page["items"][0]["facts"]) == 5
    # CB-002 reached 3 in the window as well; CB-001 had only 2
    everyone = svc.client.get(f"{API}/sanction-proposals", headers=svc.headers(roles=["inspector"])).json
    assert sorted(p["official"] for p in everyone["items"]) == ["CB-002", "CB-100"]


def test_officers_see_their_own_requests_and_heads_their_units(svc, memory_broker):
    publish(memory_broker, overdue("HS-301", at(13), official="CB-001"), "dossier.overdue")
    publish(memory_broker, overdue("HS-302", at(13), official="CB-002"), "dossier.overdue")
    processed(svc, 2)

    officer = svc.headers(sub="CB-001", unit="W00070", roles=["officer"])
    mine = explanations(svc, officer)["items"]
    assert [(e["subject"], e["official"]) for e in mine] == [("HS-301", "CB-001")]
    head = svc.headers(sub="CB-100", unit="W00070", roles=["head"])
    assert explanations(svc, head)["total"] == 4
    city_head = svc.headers(sub="CB-999", unit="P01", roles=["head"])
    assert explanations(svc, city_head)["total"] == 4
    stranger = svc.headers(sub="CB-777", unit="W00004", roles=["head"])
    assert explanations(svc, stranger)["total"] == 0

    peek = svc.client.get(f"{API}/explanations?official=CB-002", headers=officer)
    assert peek.status_code == 403
    outside = svc.client.get(f"{API}/sanction-proposals?unit=W00070", headers=stranger)
    assert outside.status_code == 403
    assert svc.client.get(f"{API}/explanations").status_code == 401


def test_an_overdue_event_missing_a_field_is_dead_lettered_with_the_reason(svc, memory_broker):
    event = json.loads(overdue("HS-BAD", at(13)))
    del event["data"]["unit"]
    publish(memory_broker, json.dumps(event).encode(), "dossier.overdue")
    dead = wait_until(lambda: drain(memory_broker, "discipline.events.dlq"), message="dead letter")
    body, headers = dead[0]
    assert json.loads(body)["subject"] == "HS-BAD"
    assert "unit" in headers["x-kycuong-reason"] and "dossier.overdue" in headers["x-kycuong-reason"]
    assert explanations(svc, subject="HS-BAD")["total"] == 0


def test_the_rules_file_named_in_the_settings_replaces_the_shipped_one(discipline, memory_broker, tmp_path):
    strict = [{"version": "HN-2026/strict", "effective_from": "2025-07-01", "legal_basis": "Nghị định 172/2025/NĐ-CP",
               "explanation_days": 1, "rules": [{"id": "two-strikes", "applies_to": "official", "threshold": 2,
                                                 "window_days": 7, "form": "khien_trach"}]}]
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(strict, ensure_ascii=False), encoding="utf-8")
    svc = discipline(rules={"sanction_rules_path": str(path)})

    publish(memory_broker, overdue("HS-401", at(12)), "dossier.overdue")
    publish(memory_broker, overdue("HS-402", at(13)), "dossier.overdue")
    processed(svc, 2)
    request = explanations(svc, subject="HS-401", role="official")["items"][0]
    assert datetime.fromisoformat(request["due_at"]) == datetime(2026, 11, 17, 9, 0, tzinfo=HANOI)
    assert request["rule_set"] == "HN-2026/strict"
    proposals = svc.client.get(f"{API}/sanction-proposals", headers=svc.headers(roles=["office"])).json
    assert [(p["rule"], p["rule_set"]) for p in proposals["items"]] == [("two-strikes", "HN-2026/strict")]
    rules = svc.client.get(f"{API}/sanction-rules", headers=svc.headers(roles=["officer"])).json
    assert [r["version"] for r in rules] == ["HN-2026/strict"] and rules[0]["in_force"] is True
