"""Violations, rule-backed proposals judged by the rule set in force on the fact's date, the disciplinary
procedure with its working-day deadlines and limits, decisions and the eligibility they drive (SQLite and
the in-memory broker)."""

import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import publish, wait_until

from services.discipline.use_cases.audit import verify_audit_chain
from services.discipline.use_cases.directory import assign_head, upsert_official, upsert_unit
from services.discipline.use_cases.violations import record_violation
from shared.events.envelope import Event

API = "/discipline/api/v1"
HANOI = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)  # the clock fixture: Monday 16/11/2026


def directory(svc):
    uow = svc.runtime.uow
    upsert_unit(uow(), "P01", "Thành phố Hà Nội", None, "province")
    upsert_unit(uow(), "W00070", "Phường Hoàn Kiếm", "P01", "ward")
    upsert_unit(uow(), "W00004", "Phường Ba Đình", "P01", "ward")
    for code, name, unit, category, leader in [
        ("CB-001", "Nguyễn Thị Lan", "W00070", "cong_chuc", False),
        ("CB-002", "Phạm Văn Hùng", "W00070", "cong_chuc", False),
        ("CB-100", "Trần Văn Minh", "W00070", "can_bo", True),
        ("CB-200", "Lê Thị Hoa", "W00070", "can_bo", True),
        ("VC-001", "Đỗ Minh Châu", "W00004", "vien_chuc", False),
        ("VC-002", "Vũ Thu Trang", "W00004", "vien_chuc", False),
    ]:
        upsert_official(uow(), code, name, unit, category, None, leader)
    assign_head(uow(), "W00070", "CB-100", "2025-07-01")


@pytest.fixture
def svc(start_service):
    running = start_service("discipline")
    directory(running)
    return running


def violation(svc, official="CB-001", kind="misconduct", source=None, fact_date="2026-11-02", unit="W00070",
              source_type="misconduct"):
    return record_violation(svc.runtime.uow(), official=official, unit=unit, kind=kind,
                                    source_type=source_type, source=source or f"XM-{uuid.uuid4().hex[:6]}",
                                    fact_date=fact_date, facts="Gây phiền hà cho người dân khi tiếp nhận hồ sơ.",
                                    actor="TT-01")


def get(svc, path, roles=("inspector",), **query):
    response = svc.client.get(f"{API}{path}", query_string=query, headers=svc.headers(roles=list(roles)))
    assert response.status_code == 200, response.json
    return response.json


def proposals(svc, **query):
    return get(svc, "/sanction-proposals", page_size=100, **query)["items"]


def outbox(svc, event_type):
    with svc.runtime.engine.connect() as conn:
        return [json.loads(b)["data"] for (b,) in conn.exec_driver_sql(
            "SELECT body FROM outbox WHERE routing_key = ? ORDER BY id", (event_type,))]


def step(svc, code, body, roles=("office",), sub="VP-UBND-01"):
    return svc.client.post(f"{API}/sanction-proposals/{code}/steps", json=body,
                           headers=svc.headers(sub=sub, roles=list(roles)))


def local(day, hour=10, month=11, year=2026):
    return datetime(year, month, day, hour, 0, tzinfo=HANOI)


def test_a_late_dossier_is_a_violation_of_the_official_who_held_it(svc, memory_broker):
    data = {"code": "HS-001", "procedure_code": "1.001234", "unit": "W00070",
            "received_at": local(9, 8).isoformat(), "due_at": local(13, 17).isoformat(),
            "detected_at": NOW.isoformat(), "step": "tham_dinh", "official": "CB-001"}
    publish(memory_broker, Event(type="dossier.overdue", source="/kycuong/test/dossiers", subject="HS-001",
                                 data=data, unit="W00070").to_json(), "dossier.overdue")
    items = wait_until(lambda: get(svc, "/violations", official="CB-001")["items"], message="the violation")
    [item] = items
    assert (item["kind"], item["source_type"], item["source"], item["responsibility"]) == \
        ("late_dossier", "dossier", "HS-001", "direct")
    assert item["fact_date"] == "2026-11-13" and item["rule_set"] == "ND172-2025/local-1"
    assert "HS-001" in item["facts"] and "13/11/2026" in item["facts"] and "Phường Hoàn Kiếm" in item["facts"]
    assert [e["code"] for e in outbox(svc, "violation.recorded")] == [item["code"]]
    # The official sees it; a colleague does not.
    mine = svc.client.get(f"{API}/violations", headers=svc.headers(sub="CB-001", unit="W00070", roles=["officer"]))
    other = svc.client.get(f"{API}/violations", headers=svc.headers(sub="CB-002", unit="W00070", roles=["officer"]))
    assert mine.json["total"] == 1 and other.json["total"] == 0


def test_joint_liability_falls_on_the_head_in_office_on_the_date_of_each_fact(svc):
    assign_head(svc.runtime.uow(), "W00070", "CB-200", "2026-11-10")
    before = violation(svc, kind="conduct", source_type="inspection", source="KT-1", fact_date="2026-11-05")
    after = violation(svc, kind="conduct", source_type="inspection", source="KT-2", fact_date="2026-11-12")

    joint = get(svc, "/violations", responsibility="joint")["items"]
    assert sorted((v["official"], v["source"], v["joint_of"]) for v in joint) == [
        ("CB-100", "KT-1", before.code), ("CB-200", "KT-2", after.code)]
    assert all("liên đới" in v["facts"] and "Phường Hoàn Kiếm" in v["facts"] for v in joint)
    events = outbox(svc, "violation.recorded")
    assert sorted((e["official"], e["responsibility"]) for e in events) == [
        ("CB-001", "direct"), ("CB-001", "direct"), ("CB-100", "joint"), ("CB-200", "joint")]


def test_a_kind_without_joint_liability_names_only_the_official(svc):
    violation(svc, kind="working_hours", source_type="inspection", source="KT-3")
    assert get(svc, "/violations", responsibility="joint")["total"] == 0


def test_recording_the_same_violation_again_changes_nothing(svc):
    first = violation(svc, source="XM-REPLAY")
    again = violation(svc, source="XM-REPLAY")
    assert again.code == first.code
    assert get(svc, "/violations", official="CB-001")["total"] == 1
    assert len(outbox(svc, "violation.recorded")) == 2  # CB-001 direct + CB-100 joint, once each
    assert len(proposals(svc, official="CB-001")) == 1


def test_a_violation_with_a_bad_field_is_refused_naming_it_and_nothing_is_saved(svc):
    from shared.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        record_violation(svc.runtime.uow(), official="CB-001", unit="W00070", kind="Late Dossier",
                                 source_type="rumour", source="X", fact_date="13/11/2026", facts=" ")
    assert set(error.value.errors) == {"kind", "source_type", "fact_date", "facts"}
    assert svc.scalar("SELECT count(*) FROM violations") == 0


def test_facts_of_30_june_2025_are_judged_by_decree_112_and_of_1_july_2025_by_decree_172(svc):
    violation(svc, official="CB-001", fact_date="2025-06-30")
    violation(svc, official="CB-002", fact_date="2025-07-01")
    old, = proposals(svc, official="CB-001")
    new, = proposals(svc, official="CB-002")
    assert (old["rule_set"], new["rule_set"]) == ("ND112-2020/local-0", "ND172-2025/local-1")
    assert "112/2020" in old["legal_basis"] and "172/2025" in new["legal_basis"]
    assert "ND112-2020/local-0" in old["statement"] and "30/06/2025" in old["statement"]
    # Reprimand-level limitation: 5 years for both, since the period is the one in force when the case is
    # handled (2026), not on the fact's date (Resolution 76/2022/QH15; Decree 71/2023/ND-CP).
    assert (old["limitation_until"], new["limitation_until"]) == ("2030-06-29", "2030-06-30")
    # The second act of misconduct in the unit within 12 months makes the head in office jointly liable.
    head, = proposals(svc, official="CB-100")
    assert head["rule"] == "head-unit-misconduct" and head["joint_liability"] is True


def test_a_public_employee_stays_under_decree_112_until_an_admin_confirms_the_unverified_234_set(svc):
    """The set named Decree 234/2026 cannot be checked against a published text: it is shipped unverified,
    never chosen by default (viên chức stay under Decree 112/2020 as amended by Decree 71/2023), and
    chosen from 1/7/2026 once an admin confirms it; the confirmation is audited with who and when."""
    violation(svc, official="VC-001", unit="W00004", fact_date="2026-07-01")
    first, = proposals(svc, official="VC-001")
    assert first["rule_set"] == "ND112-2020/local-0" and first["rule_set_verified"] is True
    assert "Nghị định 112/2020" in first["rule_set_source"] and "Điều" in first["rule_set_source"]
    sets = {r["version"]: r for r in get(svc, "/rule-sets")}
    pending = sets["ND234-2026/local-1"]
    assert (pending["verified"], pending["in_force"], pending["confirmed_by"]) == (False, False, None)
    assert "Nghị định 112/2020" in pending["verification_note"] and "chưa xác minh" in pending["source"]
    assert {v: r["in_force"] for v, r in sets.items()} == {
        "ND234-2026/local-1": False, "ND172-2025/local-1": True, "ND112-2020/local-0": True}

    url = f"{API}/rule-sets/ND234-2026/local-1/confirm"
    assert svc.client.post(url, json={}, headers=svc.headers(roles=["inspector"])).status_code == 403
    confirmed = svc.client.post(url, json={"note": "Đã đối chiếu bản công báo"},
                                headers=svc.headers(sub="QT-01", roles=["admin"]))
    assert confirmed.status_code == 200, confirmed.json
    assert (confirmed.json["verified"], confirmed.json["confirmed_by"]) == (True, "QT-01")
    assert confirmed.json["confirmed_at"] is not None
    entry, = get(svc, "/audit", action="rule_set.confirmed")["items"]
    assert (entry["subject"], entry["actor"]) == ("ND234-2026/local-1", "QT-01")
    again = svc.client.post(url, json={}, headers=svc.headers(sub="QT-02", roles=["admin"]))
    assert again.status_code == 200 and again.json["confirmed_by"] == "QT-01"
    verified = svc.client.post(f"{API}/rule-sets/ND112-2020/local-0/confirm", json={}, headers=svc.headers())
    assert verified.status_code == 409 and "ND112-2020/local-0" in verified.json["message"]

    violation(svc, official="VC-002", unit="W00004", fact_date="2026-07-01")
    violation(svc, official="VC-002", unit="W00004", fact_date="2026-06-30")
    by_day = {p["fact_day"]: p for p in proposals(svc, official="VC-002")}
    assert by_day["2026-07-01"]["rule_set"] == "ND234-2026/local-1"
    assert by_day["2026-06-30"]["rule_set"] == "ND112-2020/local-0"
    event = next(e for e in outbox(svc, "sanction.proposed") if e["rule_set"] == "ND234-2026/local-1")
    assert event["rule_set_verified"] is True and event["rule_source"].startswith("chính sách địa phương")


def test_a_violation_outside_the_limitation_period_is_refused_with_the_reason(svc):
    """Decree 112/2020 art. 6 as amended by Decree 71/2023 (Resolution 76/2022/QH15): a reprimand-level
    violation handled in 2026 is out of time after 5 years."""
    violation(svc, official="CB-002", fact_date="2021-06-01")
    dropped, = proposals(svc, official="CB-002")
    assert dropped["status"] == "dropped" and dropped["next_step"] is None
    assert "hết thời hiệu" in dropped["dropped_reason"] and "01/06/2021" in dropped["dropped_reason"]
    assert "5 năm" in dropped["dropped_reason"] and "76/2022/QH15" in dropped["dropped_reason"]
    assert [e["proposal"] for e in outbox(svc, "sanction.dropped")] == [dropped["code"]]
    assert "Đã hết thời hiệu" in outbox(svc, "sanction.dropped")[0]["reason"]
    assert [e["official"] for e in outbox(svc, "sanction.proposed")] == []
    refused = step(svc, dropped["code"], {"step": "review", "at": NOW.isoformat()})
    assert refused.status_code == 409 and "dropped" in refused.json["message"]


def test_limitation_a_public_employees_violation_of_march_2024_proposed_in_april_2026_is_not_dropped(svc, clock):
    """Cases handled from 15/11/2022 have 5 years for a reprimand, viên chức included (Resolution
    76/2022/QH15; Decree 71/2023/ND-CP amending Decree 112/2020/ND-CP art. 6): not the old 2 years."""
    clock.set(datetime(2026, 4, 15, 9, 0, tzinfo=HANOI))
    violation(svc, official="VC-001", unit="W00004", fact_date="2024-03-15")
    proposal, = proposals(svc, official="VC-001")
    assert proposal["status"] == "proposed" and proposal["dropped_reason"] is None
    assert proposal["rule_set"] == "ND112-2020/local-0" and proposal["limitation_until"] == "2029-03-14"
    assert outbox(svc, "sanction.dropped") == []
    assert [e["official"] for e in outbox(svc, "sanction.proposed")] == ["VC-001"]


def test_the_procedure_from_proposal_to_decision_drives_eligibility(svc, clock):
    violation(svc)
    proposal, = proposals(svc, official="CB-001")
    code = proposal["code"]
    assert proposal["next_step"] == "review" and proposal["form"] == "khien_trach"
    assert datetime.fromisoformat(proposal["next_due_at"]) == local(19, 9)  # 3 working days
    assert proposal["handling_until"] == "2027-02-14"

    assert step(svc, code, {"step": "review", "at": NOW.isoformat()}, roles=("officer",)).status_code == 403
    assert step(svc, code, {"step": "review", "at": NOW.isoformat()}, roles=("head",)).status_code == 403
    wrong = step(svc, code, {"step": "council", "at": NOW.isoformat(), "members": ["A", "B", "C"]})
    assert wrong.status_code == 422 and "the next step is review" in wrong.json["errors"]["step"][0]

    clock.set(local(18))
    review = step(svc, code, {"step": "review", "at": local(18).isoformat(), "notes": "Họp kiểm điểm"})
    assert review.status_code == 200, review.json
    assert review.json["on_time"] is True
    # The council is due 5 working days after the review: 25/11 10:00 (24/11, Vietnam Cultural Day, is a
    # day off only by the operator's switch).
    clock.set(local(27))
    two = step(svc, code, {"step": "council", "at": local(27).isoformat(), "members": ["CB-100", "CB-200"]})
    assert two.status_code == 422 and "3 different members" in two.json["errors"]["members"][0]
    council = step(svc, code, {"step": "council", "at": local(27).isoformat(),
                               "members": ["CB-100", "CB-200", "TT-01"]})
    assert council.json["on_time"] is False
    assert datetime.fromisoformat(council.json["due_at"]) == local(25)
    clock.set(local(30))
    assert step(svc, code, {"step": "recommendation", "at": local(30).isoformat(),
                            "form": "canh_cao"}).status_code == 200
    bad_form = step(svc, code, {"step": "decision", "at": local(30, 15).isoformat(), "form": "ha_bac_luong"})
    assert bad_form.status_code == 422 and "ND172-2025/local-1" in bad_form.json["errors"]["form"][0]
    clock.set(local(1, month=12))
    decided = step(svc, code, {"step": "decision", "at": local(1, month=12).isoformat(), "form": "canh_cao"})
    assert decided.status_code == 200, decided.json

    steps = outbox(svc, "sanction.step_recorded")
    assert [(s["step"], s["on_time"]) for s in steps] == [
        ("review", True), ("council", False), ("recommendation", True), ("decision", True)]
    event, = outbox(svc, "sanction.decided")
    assert event["official_name"] == "Nguyễn Thị Lan" and event["form"] == "canh_cao"
    assert event["in_force_until"] == "2027-11-30" and event["rule_set"] == "ND172-2025/local-1"
    detail = get(svc, f"/sanction-proposals/{code}")
    assert detail["proposal"]["status"] == "decided" and detail["decision"]["code"] == event["code"]
    assert [s["step"] for s in detail["steps"]] == ["review", "council", "recommendation", "decision"]
    again = step(svc, code, {"step": "decision", "at": local(1, month=12).isoformat(), "form": "canh_cao"})
    assert again.status_code == 200 and len(outbox(svc, "sanction.decided")) == 1  # a replay changes nothing

    during = get(svc, "/officials/CB-001/eligibility", on="2027-11-30")
    assert (during["may_receive_award"], during["may_be_appointed"], during["may_be_planned"]) == (False,) * 3
    assert [d["code"] for d in during["decisions_in_force"]] == [event["code"]]
    assert during["evaluation_cap"] is None  # the decision was taken in 2026
    in_2026 = get(svc, "/officials/CB-001/eligibility", on="2026-12-31")
    assert in_2026["evaluation_cap"] == "khong_hoan_thanh_nhiem_vu"
    assert in_2026["evaluation_cap_label"] == "Không hoàn thành nhiệm vụ"
    after = get(svc, "/officials/CB-001/eligibility", on="2027-12-01")
    assert (after["may_receive_award"], after["may_be_appointed"], after["may_be_planned"]) == (True,) * 3
    assert get(svc, "/officials/CB-002/eligibility", on="2026-12-31")["may_be_appointed"] is True


def test_eligibility_is_for_the_official_their_heads_and_the_office(svc):
    def ask(sub, unit, roles):
        return svc.client.get(f"{API}/officials/CB-001/eligibility",
                              headers=svc.headers(sub=sub, unit=unit, roles=roles)).status_code
    assert ask("CB-001", "W00070", ["officer"]) == 200
    assert ask("CB-100", "W00070", ["head"]) == 200
    assert ask("VP-1", None, ["office"]) == 200
    assert ask("CB-002", "W00070", ["officer"]) == 403
    assert ask("VC-001", "W00004", ["head"]) == 403
    assert svc.client.get(f"{API}/officials/NOBODY/eligibility", headers=svc.headers()).status_code == 404


def test_a_step_after_the_90_day_limit_is_refused_until_an_extension_allows_150(svc, clock):
    violation(svc)
    code = proposals(svc, official="CB-001")[0]["code"]
    late = local(20, month=2, year=2027)
    clock.set(late)
    refused = step(svc, code, {"step": "review", "at": late.isoformat()})
    assert refused.status_code == 409
    assert "quá thời hạn xử lý" in refused.json["message"] and "14/02/2027" in refused.json["message"]
    assert svc.scalar("SELECT count(*) FROM proposal_steps") == 0

    extended = svc.client.post(f"{API}/sanction-proposals/{code}/extension", json={"reason": "Cần xác minh thêm"},
                               headers=svc.headers(roles=["inspector"]))
    assert extended.status_code == 200 and extended.json["handling_until"] == "2027-04-15"
    accepted = step(svc, code, {"step": "review", "at": late.isoformat()})
    assert accepted.status_code == 200 and accepted.json["on_time"] is False


def test_a_repeat_within_12_months_of_a_decision_is_proposed_one_level_higher(svc, clock):
    violation(svc, fact_date="2026-11-02")
    code = proposals(svc, official="CB-001")[0]["code"]
    clock.set(NOW + timedelta(hours=1))
    for n, (name, extra) in enumerate([("review", {}), ("council", {"members": ["CB-100", "CB-200", "TT-01"]}),
                                       ("recommendation", {"form": "khien_trach"}),
                                       ("decision", {"form": "khien_trach"})]):
        assert step(svc, code, {"step": name, "at": (NOW + timedelta(minutes=n)).isoformat(), **extra}) \
            .status_code == 200
    decision = outbox(svc, "sanction.decided")[0]["code"]
    clock.set(local(20))

    violation(svc, fact_date="2026-11-19")
    repeat = next(p for p in proposals(svc, official="CB-001") if p["code"] != code)
    assert (repeat["rule_form"], repeat["form"], repeat["escalated_from"]) == ("khien_trach", "canh_cao", decision)
    assert "Tái phạm" in repeat["statement"] and decision in repeat["statement"]
    # Another kind is not a repeat.
    violation(svc, kind="missed_explanation", source_type="explanation", fact_date="2026-11-19")
    other = [p for p in proposals(svc, official="CB-001") if p["violation_kind"] == "missed_explanation"]
    assert [(p["form"], p["escalated_from"]) for p in other] == [("phe_binh", None)]


def test_dropping_a_proposal_needs_a_reason_and_emits_sanction_dropped(svc):
    violation(svc)
    code = proposals(svc, official="CB-001")[0]["code"]
    url = f"{API}/sanction-proposals/{code}/drop"
    assert svc.client.post(url, json={"reason": ""}, headers=svc.headers(roles=["office"])).status_code == 422
    dropped = svc.client.post(url, json={"reason": "Hội đồng kết luận không đủ căn cứ"},
                              headers=svc.headers(roles=["office"]))
    assert dropped.status_code == 200 and dropped.json["status"] == "dropped"
    assert [e["reason"] for e in outbox(svc, "sanction.dropped")] == ["Hội đồng kết luận không đủ căn cứ"]


def test_every_proposal_step_and_decision_is_in_the_audit_chain(svc):
    violation(svc)
    code = proposals(svc, official="CB-001")[0]["code"]
    assert step(svc, code, {"step": "review", "at": NOW.isoformat()}).status_code == 200
    with svc.runtime.engine.connect() as conn:
        actions = [a for (a,) in conn.exec_driver_sql("SELECT action FROM audit_entries ORDER BY seq")]
    assert actions.count("violation.recorded") == 2 and "sanction.proposed" in actions
    assert actions[-1] == "sanction.step_recorded"
    assert verify_audit_chain(svc.runtime.uow())["ok"] is True


def test_the_day_the_head_rule_counts_is_the_fact_date_not_today(svc):
    # A fact dated before the head took office (1/7/2025) finds no head: no joint violation, nothing lost.
    violation(svc, kind="conduct", source_type="inspection", source="KT-OLD", fact_date="2025-06-15")
    assert get(svc, "/violations", responsibility="joint")["total"] == 0
    assert get(svc, "/violations", source="KT-OLD")["items"][0]["fact_date"] == str(date(2025, 6, 15))


def decide(svc, code, form, signed, effective_on=None):
    for name, day, extra in (("review", 17, {}), ("council", 18, {"members": ["CB-200", "TT-01", "TT-02"]}),
                             ("recommendation", 19, {"form": form})):
        assert step(svc, code, {"step": name, "at": local(day).isoformat(), **extra}).status_code == 200
    body = {"step": "decision", "at": signed.isoformat(), "form": form}
    if effective_on:
        body["effective_on"] = effective_on
    return step(svc, code, body)


def test_a_decision_is_in_force_12_months_from_its_effective_date_not_its_signing_day(svc, clock):
    """A decision takes effect on its effective date (which may follow the signing day, never precede it)
    and is in force 12 months from then; awards, appointment and planning are barred over those months
    (Law on Cadres and Civil Servants art. 82 as amended in 2019)."""
    violation(svc)
    code = proposals(svc, official="CB-001")[0]["code"]
    clock.set(local(20, 11))
    early = decide(svc, code, "khien_trach", local(20), effective_on="2026-11-19")
    assert early.status_code == 422 and "before it is signed" in early.json["errors"]["effective_on"][0]
    assert outbox(svc, "sanction.decided") == []
    decided = step(svc, code, {"step": "decision", "at": local(20).isoformat(), "form": "khien_trach",
                               "effective_on": "2026-12-01"})
    assert decided.status_code == 200, decided.json
    event, = outbox(svc, "sanction.decided")
    assert (event["effective_on"], event["in_force_until"]) == ("2026-12-01", "2027-11-30")
    assert event["rule_set_verified"] is True and "172/2025" in event["rule_source"]
    decision, = get(svc, "/decisions", official="CB-001")["items"]
    assert (decision["decided_on"], decision["effective_on"], decision["in_force_until"]) == (
        "2026-11-20", "2026-12-01", "2027-11-30")
    assert "172/2025" in decision["rule_source"] and decision["rule_set"] == "ND172-2025/local-1"
    signed_not_yet_in_force = get(svc, "/officials/CB-001/eligibility", on="2026-11-25")
    assert signed_not_yet_in_force["may_be_appointed"] is True
    in_force = get(svc, "/officials/CB-001/eligibility", on="2027-11-30")
    assert (in_force["may_receive_award"], in_force["may_be_appointed"], in_force["may_be_planned"]) == (False,) * 3
    assert "Điều 82" in in_force["legal_basis"]
    assert in_force["decisions_in_force"][0]["rule_set"] == "ND172-2025/local-1"
    assert get(svc, "/officials/CB-001/eligibility", on="2027-12-01")["may_be_appointed"] is True


def test_a_cadre_cannot_be_dismissed_under_decree_172(svc, clock):
    """Decree 172/2025/ND-CP: a cán bộ (elected or appointed to a term) may receive khiển trách, cảnh cáo,
    cách chức, bãi nhiệm — never buộc thôi việc; the refusal names the rule set, its article and the forms
    allowed, and nothing is decided."""
    violation(svc, official="CB-200")
    code = proposals(svc, official="CB-200")[0]["code"]
    clock.set(local(20, 11))
    for name, day, extra in (("review", 17, {}), ("council", 18, {"members": ["CB-100", "TT-01", "TT-02"]})):
        assert step(svc, code, {"step": name, "at": local(day).isoformat(), **extra}).status_code == 200
    refused = step(svc, code, {"step": "recommendation", "at": local(19).isoformat(), "form": "buoc_thoi_viec"})
    assert refused.status_code == 422
    message = refused.json["errors"]["form"][0]
    assert "cán bộ cannot be dismissed" in message and "ND172-2025/local-1" in message and "172/2025" in message
    assert "Bãi nhiệm (bai_nhiem)" in message
    assert step(svc, code, {"step": "recommendation", "at": local(19).isoformat(),
                            "form": "bai_nhiem"}).status_code == 200


def test_the_handling_limit_counts_from_the_discovery_of_the_violation(svc):
    """Decree 112/2020/ND-CP art. 6 (kept by Decree 172/2025/ND-CP): the 90-day handling limit runs from
    the discovery of the violation (here a report received on 1/10/2026), not from the fact (15/9) nor
    from the day the proposal is recorded (16/11)."""
    record_violation(svc.runtime.uow(), official="CB-001", unit="W00070", kind="misconduct",
                     source_type="misconduct", source="XM-1", fact_date="2026-09-15",
                     facts="Gây phiền hà cho người dân khi tiếp nhận hồ sơ.", actor="TT-01",
                     discovered_at=datetime(2026, 10, 1, 9, 0, tzinfo=HANOI))
    proposal, = proposals(svc, official="CB-001")
    assert proposal["handling_until"] == "2026-12-30"
    assert datetime.fromisoformat(proposal["discovered_at"]) == datetime(2026, 10, 1, 9, 0, tzinfo=HANOI)
    recorded, = [e for e in outbox(svc, "violation.recorded") if e["official"] == "CB-001"]
    assert datetime.fromisoformat(recorded["discovered_at"]) == datetime(2026, 10, 1, 9, 0, tzinfo=HANOI)
    violation_, = get(svc, "/violations", official="CB-001")["items"]
    assert violation_["rule_set_source"] and violation_["rule_set_verified"] is True
    assert proposal["rule_set_source"] and "Nghị định 172/2025" in proposal["rule_set_source"]
