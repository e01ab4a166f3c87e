"""From a real `dossier.overdue` on RabbitMQ to a decision and the eligibility it drives, across the
separate processes of the stack on PostgreSQL: the official and the head are asked to explain, each late
dossier is a violation of the official, the third one in 30 days meets the rule of the set in force and a
proposal cites it; the procedure is recorded step by step over HTTP; the decision bars the official from
appointment for 12 months."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import publish, wait_until
from e2e_topology import running_topology

from services.discipline.domain import rules
from services.discipline.use_cases.rule_book import SHIPPED_RULES
from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))
API = "/discipline/api/v1"
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    yield from running_topology(tmp_path_factory)


def overdue(code: str, unit: str, official: str, due_at: datetime) -> bytes:
    """What the dossiers service publishes when its sweep finds a dossier past its due time."""
    data = {"code": code, "procedure_code": "1.001612", "unit": unit,
            "received_at": (due_at - timedelta(days=5)).isoformat(), "due_at": due_at.isoformat(),
            "detected_at": datetime.now(HANOI).isoformat(), "step": "tham_dinh", "official": official}
    return Event(type="dossier.overdue", source="/kycuong/e2e/dossiers", subject=code, data=data,
                 unit=unit).to_json()


def test_late_dossiers_become_a_rule_backed_proposal_then_a_decision_that_drives_eligibility(topology):
    suffix = uuid.uuid4().hex[:5].upper()
    unit, official, head = f"HN-E2E-QD{suffix}", f"CB-E2E-Q{suffix}", f"CB-E2E-H{suffix}"
    admin = topology.auth(roles=("admin",))
    assert topology.post("discipline", f"{API}/units", headers=admin, json={
        "code": unit, "name": "Sở Tài chính (thử nghiệm)", "parent": None, "kind": "department"}).status_code == 200
    for code, name, leader in ((official, "Hoàng Văn Đức", False), (head, "Ngô Thị Mai", True)):
        assert topology.post("discipline", f"{API}/officials", headers=admin, json={
            "code": code, "name": name, "unit": unit, "position": None, "category": "cong_chuc",
            "is_leader": leader}).status_code == 200
    assert topology.post("discipline", f"{API}/units/{unit}/heads", headers=admin,
                         json={"official": head, "since": "2024-01-01"}).status_code == 200

    today = datetime.now(HANOI)
    dues = [(today - timedelta(days=d)).replace(hour=17, minute=0, second=0, microsecond=0) for d in (9, 5, 2)]
    codes = [f"HS-QD-{suffix}-{n}" for n in range(3)]
    for code, due in zip(codes, dues, strict=True):
        publish(topology.broker_url, overdue(code, unit, official, due), "dossier.overdue")

    inspector = topology.auth(roles=("inspector",))

    def listed(path):
        r = topology.get("discipline", f"{API}{path}", headers=inspector)
        return r.json()["items"] if r.status_code == 200 else []

    asked = wait_until(lambda: len(found := listed(f"/explanations?unit={unit}&page_size=50")) == 6 and found,
                       timeout=60, interval=0.5, message="two explanation requests per late dossier")
    assert {(e["subject"], e["role"], e["official"]) for e in asked} == (
        {(c, "official", official) for c in codes} | {(c, "head", head) for c in codes})
    violations = wait_until(lambda: len(found := listed(f"/violations?official={official}")) == 3 and found,
                            timeout=30, interval=0.5, message="one violation per late dossier")
    assert {v["source"] for v in violations} == set(codes)

    proposal = wait_until(lambda: listed(f"/sanction-proposals?official={official}"), timeout=30, interval=0.5,
                          message="a proposal once the third late dossier is in")[0]
    book = rules.parse_rule_book(json.loads(SHIPPED_RULES.read_text(encoding="utf-8")))
    expected = book.in_force(dues[-1].date(), "cong_chuc")
    assert proposal["rule"] == "official-late-dossiers" and proposal["facts"] == codes
    assert proposal["rule_set"] == expected.version and proposal["legal_basis"] == expected.legal_basis
    assert expected.version in proposal["statement"] and proposal["form"] == "khien_trach"

    office = topology.auth(sub="VP-E2E", roles=("office",))
    for step, extra in (("review", {}), ("council", {"members": [head, "TT-E2E-1", "TT-E2E-2"]}),
                        ("recommendation", {"form": "khien_trach"}), ("decision", {"form": "khien_trach"})):
        r = topology.post("discipline", f"{API}/sanction-proposals/{proposal['code']}/steps", headers=office,
                          json={"step": step, "at": datetime.now(HANOI).isoformat(), **extra})
        assert r.status_code == 200, r.text
        assert r.json()["on_time"] is True

    detail = topology.get("discipline", f"{API}/sanction-proposals/{proposal['code']}", headers=inspector).json()
    assert detail["proposal"]["status"] == "decided" and detail["decision"]["form"] == "khien_trach"
    decided_on = date.fromisoformat(detail["decision"]["decided_on"])

    def eligibility(on: date) -> dict:
        r = topology.get("discipline", f"{API}/officials/{official}/eligibility?on={on.isoformat()}",
                         headers=inspector)
        assert r.status_code == 200, r.text
        return r.json()

    now = eligibility(decided_on)
    assert (now["may_receive_award"], now["may_be_appointed"], now["may_be_planned"]) == (False, False, False)
    assert now["evaluation_cap"] == "khong_hoan_thanh_nhiem_vu"
    assert [d["code"] for d in now["decisions_in_force"]] == [detail["decision"]["code"]]
    later = eligibility(date.fromisoformat(detail["decision"]["in_force_until"]) + timedelta(days=1))
    assert (later["may_receive_award"], later["may_be_appointed"], later["may_be_planned"]) == (True, True, True)
