"""The dossier lifecycle through the HTTP API on SQLite: the control sheet and who answers for a delay,
supplements pausing the clock, the unit's apology once (never the platform's), ends, send-backs, warnings
once, officers' views."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from services.dossiers import sweeps
from services.dossiers.use_cases import directory

HANOI = timezone(timedelta(hours=7))
API = "/dossiers/api/v1"
UNIT = "PHUONG-HOAN-KIEM"
OTHER_UNIT = "PHUONG-BA-DINH"
APPLICANT = {"name": "Lê Thị Thu Hằng", "phone": "0903 111 222"}
STEPS = [{"key": "receive", "name": "Tiếp nhận", "days": "0.25"},
         {"key": "appraise", "name": "Thẩm định", "days": "0.5"},
         {"key": "approve", "name": "Phê duyệt", "days": "0.25"}]


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI)


def iso(day: int, hour: int, minute: int = 0, month: int = 11) -> str:
    return at(day, hour, minute, month).isoformat()


@pytest.fixture
def dossiers(start_service, clock):
    clock.set(at(16, 9))  # Monday 16 November 2026, 09:00
    return start_service("dossiers", workers=False)


def officer(svc, sub="CB-01", unit=UNIT, roles=("officer",)):
    return svc.headers(sub=sub, unit=unit, roles=roles)


def register(svc, code="1.000894", days="1", steps=None, **extra):
    body = {"code": code, "name": "Đăng ký khai sinh", "processing_days": days, **extra}
    if steps is not None:
        body["steps"] = steps
    response = svc.client.post(f"{API}/procedures", json=body, headers=svc.headers(roles=("office",)))
    assert response.status_code == 201, response.get_json()


def receive(svc, procedure_code="1.000894", received_at=None, handler="CB-01", unit=UNIT) -> str:
    response = svc.client.post(f"{API}/dossiers", json={
        "procedure_code": procedure_code, "unit": unit, "handler": handler, "applicant": APPLICANT,
        "received_at": received_at or iso(16, 8)}, headers=svc.headers(roles=("office",)))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def post(svc, code, action, body, headers=None):
    return svc.client.post(f"{API}/dossiers/{code}/{action}", json=body, headers=headers or officer(svc))


def events(svc, event_type):
    with svc.runtime.engine.connect() as conn:
        bodies = conn.execute(text("SELECT body FROM outbox WHERE routing_key = :t ORDER BY id"), {"t": event_type})
        return [json.loads(bytes(body))["data"] for body in bodies.scalars()]


# -- the control sheet and attribution -------------------------------------------------------------

def test_dossiers_a_late_dossier_names_the_step_that_overran_its_own_budget(dossiers, clock):
    register(dossiers, steps=STEPS)
    code = receive(dossiers)  # due Monday 17:00
    clock.set(at(16, 10))
    handed = post(dossiers, code, "handovers", {"to_step": "appraise", "to_official": "CB-02"})
    assert handed.status_code == 201, handed.get_json()
    assert (handed.get_json()["current_step"], handed.get_json()["current_official"]) == ("appraise", "CB-02")
    clock.set(at(16, 16))
    # Appraisal took 10:00-12:00 and 13:00-16:00: five office hours of its four.
    post(dossiers, code, "handovers", {"to_step": "approve", "to_official": "LD-01"})
    clock.set(at(17, 9))
    done = dossiers.client.post(f"{API}/dossiers/{code}/completion", json={}, headers=officer(dossiers))
    assert done.get_json()["timeliness"] == "late"

    first, second, last = events(dossiers, "dossier.handed_over")
    assert (first["from_step"], first["to_step"], first["step_used_days"], first["step_on_time"]) == (
        "receive", "appraise", "0.2500", True)
    assert (second["from_step"], second["step_budget_days"], second["step_used_days"], second["step_on_time"]) == (
        "appraise", "0.5", "0.6250", False)
    assert (last["from_step"], last["to_step"], last["step_on_time"]) == ("approve", None, True)
    [completed] = events(dossiers, "dossier.completed")
    assert (completed["responsible_step"], completed["responsible_official"], completed["responsible_unit"],
            completed["late_reason"]) == ("appraise", "CB-02", UNIT, "overran")

    sheet = dossiers.client.get(f"{API}/dossiers/{code}/control-sheet", headers=officer(dossiers)).get_json()
    assert [(s["key"], s["budget_days"], s["used_hours"], s["on_time"]) for s in sheet["steps"]] == [
        ("receive", 0.25, 2, True), ("appraise", 0.5, 5, False), ("approve", 0.25, 2, True)]
    assert [(h["from_step"], h["to_step"], h["from_official"], h["to_official"]) for h in sheet["handovers"]] == [
        ("receive", "appraise", "CB-01", "CB-02"), ("appraise", "approve", "CB-02", "LD-01"),
        ("approve", None, "LD-01", "LD-01")]
    other = dossiers.client.get(f"{API}/dossiers/{code}/control-sheet", headers=officer(dossiers, unit=OTHER_UNIT))
    assert other.status_code == 403


def test_dossiers_a_handover_must_name_a_planned_step_and_cannot_go_back_in_time(dossiers, clock):
    register(dossiers, steps=STEPS)
    code = receive(dossiers)
    clock.set(at(16, 11))
    unknown = post(dossiers, code, "handovers", {"to_step": "sign"})
    assert unknown.status_code == 422
    assert "receive, appraise, approve" in unknown.get_json()["errors"]["to_step"][0]
    assert post(dossiers, code, "handovers", {"to_step": "appraise", "at": iso(16, 10)}).status_code == 201
    earlier = post(dossiers, code, "handovers", {"to_step": "approve", "at": iso(16, 9, 30)})
    assert earlier.status_code == 422 and "at" in earlier.get_json()["errors"]
    elsewhere = post(dossiers, code, "handovers", {"to_step": "approve"}, headers=officer(dossiers, unit=OTHER_UNIT))
    assert elsewhere.status_code == 403
    assert len(events(dossiers, "dossier.handed_over")) == 1


# -- supplements -----------------------------------------------------------------------------------

def test_dossiers_the_clock_stops_for_the_citizen_and_the_deadline_moves_by_the_pause(dossiers, clock):
    register(dossiers)
    code = receive(dossiers)  # due Monday 16, 17:00
    clock.set(at(16, 11))
    asked = post(dossiers, code, "supplement-requests", {"reasons": ["Thiếu bản sao giấy chứng sinh"]})
    assert asked.status_code == 201, asked.get_json()
    assert (asked.get_json()["status"], asked.get_json()["paused_since"]) == ("awaiting_supplement", iso(16, 11))

    clock.set(at(17, 9))  # past the old due instant, but the clock stands still
    assert sweeps.sweep_overdue(dossiers.runtime) == 0
    assert dossiers.client.get(f"{API}/dossiers/{code}").get_json()["timeliness"] == "within_deadline"

    clock.set(at(18, 10))
    resumed = post(dossiers, code, "supplements", {})
    assert resumed.status_code == 201
    # Paused Mon 11:00 -> Wed 10:00: 1 + 4 + 8 + 2 = 15 office hours; Mon 17:00 + 15 h = Wed 16:00.
    assert (resumed.get_json()["status"], resumed.get_json()["due_at"]) == ("received", iso(18, 16))
    [received] = events(dossiers, "dossier.supplement_received")
    assert (received["paused_days"], received["due_at"]) == ("1.8750", iso(18, 16))
    [changed] = events(dossiers, "dossier.deadline_changed")
    assert (changed["previous_due_at"], changed["due_at"], changed["reason"]) == (
        iso(16, 17), iso(18, 16), "supplement_received")

    explained = dossiers.client.get(f"{API}/dossiers/{code}/deadline").get_json()
    assert (explained["base_due_at"], explained["due_at"], explained["paused_hours"]) == (
        iso(16, 17), iso(18, 16), 15)
    [pause] = explained["pauses"]
    assert (pause["requested_at"], pause["resumed_at"], pause["moved_due_at"]) == (iso(16, 11), iso(18, 10), True)
    assert pause["reasons"] == ["Thiếu bản sao giấy chứng sinh"]

    clock.set(at(18, 16))
    assert sweeps.sweep_overdue(dossiers.runtime) == 1


def test_dossiers_a_second_supplement_request_counts_the_dossier_late_whatever_the_dates(dossiers, clock):
    register(dossiers, days="2")
    code = receive(dossiers)
    clock.set(at(16, 10))
    post(dossiers, code, "supplement-requests", {"reasons": ["Thiếu tờ khai"]})
    again = post(dossiers, code, "supplement-requests", {"reasons": ["Thiếu ảnh"]})
    assert again.status_code == 409 and "awaiting_supplement" in again.get_json()["message"]
    clock.set(at(16, 11))
    post(dossiers, code, "supplements", {})
    clock.set(at(16, 14))
    second = post(dossiers, code, "supplement-requests", {"reasons": ["Ảnh không đúng quy cách"], "official": "CB-02"})
    assert second.status_code == 201 and second.get_json()["late_reason"] == "second_supplement"
    assert [(e["request_number"], e["counts_as_late"]) for e in events(dossiers, "dossier.supplement_requested")] == [
        (1, False), (2, True)]
    [marked] = events(dossiers, "dossier.marked_late")
    assert (marked["reason"], marked["official"]) == ("second_supplement", "CB-02")

    clock.set(at(16, 15))
    post(dossiers, code, "supplements", {})
    clock.set(at(16, 16))
    done = dossiers.client.post(f"{API}/dossiers/{code}/completion", json={}, headers=officer(dossiers))
    assert done.get_json()["timeliness"] == "late"  # two days early by the dates
    [completed] = events(dossiers, "dossier.completed")
    assert (completed["late_reason"], completed["supplements"], completed["responsible_official"]) == (
        "second_supplement", 2, "CB-02")
    assert completed["paused_days"] == "0.2500"  # one hour, then another


def test_dossiers_supplements_need_reasons_and_a_procedure_that_allows_them(dossiers):
    register(dossiers, code="1.000894")
    register(dossiers, code="2.002154", supplements_allowed=False)
    code = receive(dossiers)
    no_reason = post(dossiers, code, "supplement-requests", {"reasons": []})
    assert no_reason.status_code == 422 and "reasons" in no_reason.get_json()["errors"]
    blank = post(dossiers, code, "supplement-requests", {"reasons": ["   "]})
    assert blank.status_code == 422 and "reasons" in blank.get_json()["errors"]
    strict = receive(dossiers, procedure_code="2.002154")
    refused = post(dossiers, strict, "supplement-requests", {"reasons": ["Thiếu giấy tờ"]})
    assert refused.status_code == 409 and "does not allow" in refused.get_json()["message"]
    not_waiting = post(dossiers, code, "supplements", {})
    assert not_waiting.status_code == 409 and "received" in not_waiting.get_json()["message"]
    assert events(dossiers, "dossier.supplement_requested") == []


# -- apology (Decree 61/2018/ND-CP art. 19; Form 04 of Circular 01/2018/TT-VPCP) ------------------------

def head(svc, sub="CT-01", unit=UNIT):
    return svc.headers(sub=sub, unit=unit, roles=("head",))


def letter_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    text_of_letter = "\n".join(p.text for p in document.paragraphs)
    for table in document.tables:
        text_of_letter += "\n" + "\n".join(cell.text for row in table.rows for cell in row.cells)
    return text_of_letter


def test_dossiers_an_apology_signed_by_the_head_keeps_the_legal_due_date_and_promises_a_new_one(dossiers, clock):
    """Decree 61/2018/ND-CP art. 19; Form 04 of Circular 01/2018/TT-VPCP: the unit apologises, signed by its
    head, with a reason and one new return date. The apology does not excuse the delay: the legal due date
    stays (no `dossier.deadline_changed`), the new date is `promised_at`, a second promise judged apart. Before
    it is issued the letter is a draft marked "Dự thảo"; after, it carries the head's name."""
    directory.record_unit(dossiers.runtime.uow(), directory.UnitUpserted(
        code=UNIT, name="UBND phường Hoàn Kiếm", parent="HN", kind="ward"), at(1, 8))
    directory.record_unit(dossiers.runtime.uow(), directory.UnitUpserted(
        code="HN", name="UBND thành phố Hà Nội", parent=None, kind="province"), at(1, 8))
    register(dossiers, days="2")
    code = receive(dossiers, received_at=iso(16, 9))  # due Wednesday 18, 09:00
    clock.set(at(17, 9))

    draft = dossiers.client.get(f"{API}/dossiers/{code}/apology.docx", headers=officer(dossiers))
    assert draft.status_code == 200
    drafted = letter_text(draft.data)
    assert "DỰ THẢO" in drafted and "Dự thảo" in drafted
    assert "Lê Thị Thu Hằng" in drafted and code in drafted and "09 giờ 00, ngày 18 tháng 11 năm 2026" in drafted
    draft_pdf = dossiers.client.get(f"{API}/dossiers/{code}/apology.pdf", headers=officer(dossiers))
    assert draft_pdf.status_code == 200 and draft_pdf.data.startswith(b"%PDF")

    issued = post(dossiers, code, "apology", {"reason": "Cần xác minh thêm thông tin tại nơi cư trú",
                                              "new_due_at": iso(20, 17), "signer_name": "Nguyễn Văn An"},
                  headers=head(dossiers))
    assert issued.status_code == 201, issued.get_json()
    shown = issued.get_json()
    assert (shown["due_at"], shown["promised_at"], shown["promise_kept"]) == (iso(18, 9), iso(20, 17), None)
    [apology] = events(dossiers, "dossier.apology_issued")
    assert (apology["previous_due_at"], apology["due_at"], apology["issued_at"]) == (iso(18, 9), iso(20, 17),
                                                                                    iso(17, 9))
    assert (apology["signed_by"], apology["automatic"]) == ("CT-01", False)
    assert events(dossiers, "dossier.deadline_changed") == []

    again = post(dossiers, code, "apology", {"reason": "Lại chậm", "new_due_at": iso(25, 17),
                                             "signer_name": "Nguyễn Văn An"}, headers=head(dossiers))
    assert again.status_code == 409
    assert "17:00 20/11/2026" in again.get_json()["message"]
    assert again.get_json()["errors"]["new_due_at"] == [f"already reset to {iso(20, 17)}"]

    word = dossiers.client.get(f"{API}/dossiers/{code}/apology.docx", headers=officer(dossiers))
    issued_letter = letter_text(word.data)
    for expected in ("Lê Thị Thu Hằng", code, "Cần xác minh thêm thông tin tại nơi cư trú", "Nguyễn Văn An",
                     "17 giờ 00, ngày 20 tháng 11 năm 2026"):
        assert expected in issued_letter
    assert "DỰ THẢO" not in issued_letter
    assert "HOÀN KIẾM" in issued_letter.upper()
    assert dossiers.client.get(f"{API}/dossiers/{code}/apology.pdf",
                               headers=officer(dossiers, unit=OTHER_UNIT)).status_code == 403
    assert dossiers.client.get(f"{API}/dossiers/{code}/apology.pdf",
                               headers=dossiers.headers(roles=("inspector",))).status_code == 403

    # Finished Thursday 19: late against the legal date, though within the promise.
    clock.set(at(19, 10))
    assert post(dossiers, code, "completion", {}).status_code == 200
    [completed] = events(dossiers, "dossier.completed")
    assert (completed["timeliness"], completed["due_at"], completed["promised_at"], completed["promise_kept"]) == (
        "late", iso(18, 9), iso(20, 17), True)
    shown = dossiers.client.get(f"{API}/dossiers/{code}", headers=officer(dossiers)).get_json()
    assert (shown["timeliness"], shown["due_at"], shown["promised_at"], shown["promise_kept"]) == (
        "late", iso(18, 9), iso(20, 17), True)


def test_dossiers_an_apology_needs_the_heads_signature_a_reason_and_a_later_date(dossiers, clock):
    """Form 04 of Circular 01/2018/TT-VPCP: signed by the head, with the reason and a new date later than the
    legal due date and than now; a refused apology records nothing."""
    register(dossiers, days="2")
    code = receive(dossiers)
    good = {"reason": "Chậm", "new_due_at": iso(20, 17), "signer_name": "Nguyễn Văn An"}
    unsigned = post(dossiers, code, "apology", good)  # an officer's token, no signed_by
    assert unsigned.status_code == 422 and "signed_by" in unsigned.get_json()["errors"]
    earlier = post(dossiers, code, "apology", {**good, "new_due_at": iso(17, 17)}, headers=head(dossiers))
    assert earlier.status_code == 422 and "new_due_at" in earlier.get_json()["errors"]
    no_reason = post(dossiers, code, "apology", {**good, "reason": ""}, headers=head(dossiers))
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    no_name = post(dossiers, code, "apology", {"reason": "Chậm", "new_due_at": iso(20, 17)}, headers=head(dossiers))
    assert no_name.status_code == 422 and "signer_name" in no_name.get_json()["errors"]
    assert dossiers.scalar("SELECT count(*) FROM dossier_apologies") == 0
    assert dossiers.client.get(f"{API}/dossiers/{code}").get_json()["promised_at"] is None
    # The officer records it for the head, naming who signed.
    signed = post(dossiers, code, "apology", {**good, "signed_by": "CT-01"})
    assert signed.status_code == 201 and events(dossiers, "dossier.apology_issued")[0]["signed_by"] == "CT-01"


def test_dossiers_a_closed_dossier_without_apology_has_no_letter_to_draft(dossiers, clock):
    register(dossiers, days="2")
    code = receive(dossiers)
    assert post(dossiers, code, "end", {"end": "withdrawn"}).status_code == 200
    assert dossiers.client.get(f"{API}/dossiers/{code}/apology.docx", headers=officer(dossiers)).status_code == 404


# -- ends and send-backs ---------------------------------------------------------------------------

def test_dossiers_ends_follow_the_lifecycle(dossiers, clock):
    register(dossiers)
    first, second, third = receive(dossiers), receive(dossiers), receive(dossiers)
    early = post(dossiers, first, "end", {"end": "returned"})
    assert early.status_code == 409 and "received" in early.get_json()["message"]
    no_reason = post(dossiers, first, "end", {"end": "refused"})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    refused = post(dossiers, first, "end", {"end": "refused", "reason": "Không thuộc thẩm quyền giải quyết"})
    assert refused.status_code == 200
    assert (refused.get_json()["status"], refused.get_json()["end_reason"]) == (
        "refused", "Không thuộc thẩm quyền giải quyết")
    closed = post(dossiers, first, "supplement-requests", {"reasons": ["Thiếu"]})
    assert closed.status_code == 409 and "refused" in closed.get_json()["message"]
    assert post(dossiers, second, "end", {"end": "withdrawn"}).get_json()["status"] == "withdrawn"

    clock.set(at(16, 15))
    dossiers.client.post(f"{API}/dossiers/{third}/completion", json={}, headers=officer(dossiers))
    clock.set(at(17, 8))
    assert post(dossiers, third, "end", {"end": "returned"}).get_json()["status"] == "returned"
    twice = post(dossiers, third, "end", {"end": "returned"})
    assert twice.status_code == 409
    assert [e["code"] for e in events(dossiers, "dossier.refused")] == [first]
    assert [e["code"] for e in events(dossiers, "dossier.withdrawn")] == [second]
    [returned] = events(dossiers, "dossier.returned")
    assert (returned["code"], returned["at"], returned["procedure_code"]) == (third, iso(17, 8), "1.000894")


def test_dossiers_sending_back_through_officials_fault_is_counted(dossiers, clock):
    register(dossiers)
    code = receive(dossiers)
    for fault in (True, False, True):
        response = post(dossiers, code, "send-back", {"reason": "Hướng dẫn sai thành phần hồ sơ",
                                                     "officials_fault": fault})
        assert response.status_code == 201
    assert post(dossiers, code, "send-back", {"reason": "Thiếu"}).status_code == 422  # fault or not: say it
    assert [e["times_for_fault"] for e in events(dossiers, "dossier.sent_back")] == [1, 1, 2]
    clock.set(at(16, 16))
    body = dossiers.client.post(f"{API}/dossiers/{code}/completion", json={}, headers=officer(dossiers)).get_json()
    assert (body["sent_back"], body["returned_for_fault"]) == (3, 2)
    [completed] = events(dossiers, "dossier.completed")
    assert completed["returned_for_fault"] == 2


# -- warnings --------------------------------------------------------------------------------------

def test_dossiers_the_platform_chases_the_unit_for_its_apology_and_never_apologises_itself(dossiers, clock):
    """Decree 61/2018/ND-CP art. 19: at the latest one working day before the deadline the unit at fault
    apologises; the platform chases it (`dossier.due_soon` point "apology", once) and never apologises in its
    name. At the legal due instant the dossier is overdue and, without an apology, the missed apology is a
    breach of its own (once). A late apology still promises a date; breaking it is a second failure (once)."""
    register(dossiers, days="2")
    code = receive(dossiers, received_at=iso(16, 9))  # due Wednesday 18, 09:00
    run = sweeps.sweep_warnings
    clock.set(at(17, 8, 59))
    assert run(dossiers.runtime) == 0
    clock.set(at(17, 9))  # one working day before: due soon (1d), and the unit is chased for its apology
    assert run(dossiers.runtime) == 2
    assert run(dossiers.runtime) == 0
    assert [(e["point"], e["due_at"]) for e in events(dossiers, "dossier.due_soon")] == [
        ("1d", iso(18, 9)), ("apology", iso(18, 9))]
    assert events(dossiers, "dossier.apology_issued") == []
    shown = dossiers.client.get(f"{API}/dossiers/{code}").get_json()
    assert (shown["apology_due_since"], shown["due_at"], shown["promised_at"]) == (iso(17, 9), iso(18, 9), None)
    clock.set(at(17, 14))  # 75% of the budget used
    assert run(dossiers.runtime) == 1

    clock.set(at(18, 9))  # the legal due instant, no apology
    assert sweeps.sweep_overdue(dossiers.runtime) == 1
    assert sweeps.sweep_overdue(dossiers.runtime) == 0
    [overdue] = events(dossiers, "dossier.overdue")
    assert (overdue["due_at"], overdue["apologised"]) == (iso(18, 9), False)
    [missed] = events(dossiers, "dossier.apology_missed")
    assert (missed["code"], missed["due_at"], missed["unit"]) == (code, iso(18, 9), UNIT)

    clock.set(at(18, 10))  # the unit apologises late: the new date is promised all the same
    late = post(dossiers, code, "apology", {"reason": "Chờ xác minh", "new_due_at": iso(20, 17),
                                            "signer_name": "Nguyễn Văn An"}, headers=head(dossiers))
    assert late.status_code == 201
    assert (late.get_json()["due_at"], late.get_json()["timeliness"]) == (iso(18, 9), "overdue")
    clock.set(at(20, 16, 59))
    assert sweeps.sweep_overdue(dossiers.runtime) == 0
    clock.set(at(20, 17))
    sweeps.sweep_overdue(dossiers.runtime)
    sweeps.sweep_overdue(dossiers.runtime)
    [broken] = events(dossiers, "dossier.promise_broken")
    assert (broken["due_at"], broken["promised_at"], broken["detected_at"]) == (iso(18, 9), iso(20, 17), iso(20, 17))
    assert len(events(dossiers, "dossier.apology_missed")) == 1 and len(events(dossiers, "dossier.overdue")) == 1

    clock.set(at(23, 9))
    assert post(dossiers, code, "completion", {}).status_code == 200
    [completed] = events(dossiers, "dossier.completed")
    assert (completed["timeliness"], completed["promise_kept"]) == ("late", False)


def test_dossiers_an_apologised_dossier_is_still_overdue_at_its_legal_date(dossiers, clock):
    """Decree 61/2018/ND-CP art. 19: an apology made in time is no excuse: the dossier is overdue at its legal
    due instant (`apologised` true, no missed apology), and the unit is not chased for a second apology."""
    register(dossiers, days="2")
    code = receive(dossiers, received_at=iso(16, 9))  # due Wednesday 18, 09:00
    clock.set(at(16, 15))
    issued = post(dossiers, code, "apology", {"reason": "Chờ kết quả xác minh", "new_due_at": iso(20, 17),
                                              "signer_name": "Nguyễn Văn An"}, headers=head(dossiers))
    assert issued.status_code == 201
    clock.set(at(17, 9))
    assert sweeps.sweep_warnings(dossiers.runtime) == 1
    assert [e["point"] for e in events(dossiers, "dossier.due_soon")] == ["1d"]
    clock.set(at(18, 9))
    assert sweeps.sweep_overdue(dossiers.runtime) == 1
    [overdue] = events(dossiers, "dossier.overdue")
    assert (overdue["due_at"], overdue["apologised"]) == (iso(18, 9), True)
    assert events(dossiers, "dossier.apology_missed") == []
    clock.set(at(20, 16))
    assert post(dossiers, code, "completion", {}).status_code == 200
    [completed] = events(dossiers, "dossier.completed")
    assert (completed["timeliness"], completed["due_at"], completed["promise_kept"]) == ("late", iso(18, 9), True)
    clock.set(at(23, 9))
    sweeps.sweep_overdue(dossiers.runtime)
    assert events(dossiers, "dossier.promise_broken") == []


def test_dossiers_no_apology_is_made_by_the_platform_once_the_deadline_has_passed(dossiers, clock):
    register(dossiers, days="2")
    code = receive(dossiers, received_at=iso(16, 9))  # due Wednesday 18, 09:00
    clock.set(at(19, 10))  # the sweeps were down: the apology point and the deadline are both behind us
    sweeps.sweep_warnings(dossiers.runtime)
    assert events(dossiers, "dossier.apology_issued") == []
    shown = dossiers.client.get(f"{API}/dossiers/{code}").get_json()
    assert (shown["due_at"], shown["timeliness"]) == (iso(18, 9), "overdue")


def test_dossiers_warning_points_come_from_the_settings(start_service, clock):
    clock.set(at(16, 9))
    svc = start_service("dossiers", workers=False, rules={"dossier_warning_points": "50%",
                                                           "dossier_apology_point": "2h"})
    register(svc, days="1")
    receive(svc)  # due 17:00
    clock.set(at(16, 13))  # four of eight hours used (at noon already)
    assert sweeps.sweep_warnings(svc.runtime) == 1
    clock.set(at(16, 15))  # two office hours before
    assert sweeps.sweep_warnings(svc.runtime) == 1
    assert [e["point"] for e in events(svc, "dossier.due_soon")] == ["50%", "apology"]
    assert svc.scalar("SELECT count(*) FROM dossier_alerts WHERE kind = 'apology_due'") == 1


def test_dossiers_a_paused_dossier_gets_no_warnings_and_a_moved_deadline_no_repeats(start_service, clock):
    clock.set(at(16, 9))
    # The apology two office hours before: out of the way of what this test watches.
    dossiers = start_service("dossiers", workers=False, rules={"dossier_apology_point": "2h"})
    register(dossiers, days="2")
    code = receive(dossiers, received_at=iso(16, 9))  # due Wednesday 18, 09:00
    clock.set(at(17, 9))
    assert sweeps.sweep_warnings(dossiers.runtime) == 1  # 1d
    post(dossiers, code, "supplement-requests", {"reasons": ["Thiếu tờ khai"]})
    clock.set(at(17, 15))
    assert sweeps.sweep_warnings(dossiers.runtime) == 0  # 75% would be at 14:00, but the clock stands still
    clock.set(at(18, 9))
    post(dossiers, code, "supplements", {})  # paused Tue 09:00 -> Wed 09:00: due moves to Thu 19, 09:00
    assert dossiers.client.get(f"{API}/dossiers/{code}").get_json()["due_at"] == iso(19, 9)
    # For the new due date the 1d point (Wed 09:00) is now: it already fired for this dossier, so it is not
    # repeated; 75% (Wed 14:00) never fired and will.
    assert sweeps.sweep_warnings(dossiers.runtime) == 0
    clock.set(at(18, 14))
    assert sweeps.sweep_warnings(dossiers.runtime) == 1
    assert [e["point"] for e in events(dossiers, "dossier.due_soon")] == ["1d", "75%"]


# -- officers' views -------------------------------------------------------------------------------

def test_dossiers_my_dossiers_are_sorted_by_remaining_working_time(dossiers, clock):
    register(dossiers, code="1.000894", days="1", steps=STEPS)
    register(dossiers, code="2.000111", days="5")
    later = receive(dossiers, procedure_code="2.000111", handler="CB-02")
    sooner = receive(dossiers, handler="CB-02")
    someone_else = receive(dossiers, handler="CB-03")
    overdue = receive(dossiers, received_at=iso(13, 9), handler="CB-02")  # due Friday 13, 17:00
    clock.set(at(16, 10))
    mine = dossiers.client.get(f"{API}/dossiers/mine", headers=officer(dossiers, sub="CB-02")).get_json()
    assert [d["code"] for d in mine["items"]] == [overdue, sooner, later]
    # Due Mon 09:00, Mon 17:00 and Fri 20 17:00 (Tuesday 24 is a holiday, after it): from Mon 10:00.
    assert [d["remaining_hours"] for d in mine["items"]] == [-1, 6, 38]
    assert mine["items"][1]["remaining_days"] == 0.75
    assert someone_else not in [d["code"] for d in mine["items"]]
    assert dossiers.client.get(f"{API}/dossiers/mine").status_code == 401


def test_dossiers_a_units_dossiers_are_summed_up_by_step(dossiers, clock):
    register(dossiers, code="1.000894", days="1", steps=STEPS)
    appraising = receive(dossiers)
    receiving = receive(dossiers)
    late = receive(dossiers, received_at=iso(13, 9))
    waiting = receive(dossiers)
    receive(dossiers, unit=OTHER_UNIT)
    post(dossiers, appraising, "handovers", {"to_step": "appraise", "to_official": "CB-02"})
    post(dossiers, waiting, "supplement-requests", {"reasons": ["Thiếu"]})
    clock.set(at(16, 16))  # 87.5% of the day used: due soon
    url = f"{API}/units/{UNIT}/dossiers/summary"
    summary = dossiers.client.get(url, headers=officer(dossiers)).get_json()
    assert (summary["open"], summary["due_soon"], summary["overdue"], summary["awaiting_supplement"]) == (4, 2, 1, 1)
    by_step = {s["step"]: s for s in summary["steps"]}
    assert (by_step["appraise"]["step_name"], by_step["appraise"]["due_soon_codes"]) == ("Thẩm định", [appraising])
    assert by_step["receive"]["open"] == 3
    assert (by_step["receive"]["overdue_codes"], by_step["receive"]["due_soon_codes"]) == ([late], [receiving])
    assert dossiers.client.get(url, headers=officer(dossiers, unit=OTHER_UNIT)).status_code == 403


def test_dossiers_a_same_day_procedure_is_due_by_closing_time_or_the_next_day_after_15(dossiers, clock):
    """Law on Civil Status 2014 art. 16 (birth registration "ngay trong ngày"; received after 15:00, the next
    working day): a procedure of 0 working days is due at the end of office hours of the day counting starts."""
    register(dossiers, code="1.001193", days="0")
    clock.set(at(16, 16))
    morning = receive(dossiers, procedure_code="1.001193", received_at=iso(16, 10))
    late = receive(dossiers, procedure_code="1.001193", received_at=iso(16, 15, 30))
    shown = {code: dossiers.client.get(f"{API}/dossiers/{code}").get_json() for code in (morning, late)}
    assert shown[morning]["due_at"] == iso(16, 17)
    assert (shown[late]["due_at"], shown[late]["counting_starts_at"]) == (iso(17, 17), iso(17, 8))
    explained = dossiers.client.get(f"{API}/dossiers/{late}/deadline").get_json()
    assert explained["cutoff_applied"] is True
