"""An explanation request's life: the official submits it (with attachments), the head in office or an
inspector judges it; unanswered at the deadline it is missed once and becomes a violation; a late
`dossier.completed` asks like an overdue one. Every step lands in the audit chain, which names the first
link someone changed or deleted, over HTTP and from the CLI."""

import io
import json
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from conftest import publish, wait_until

from kycuong import cli
from services.discipline import sweeps
from services.discipline.use_cases.audit import record_audit, verify_audit_chain
from services.discipline.use_cases.directory import assign_head, upsert_official, upsert_unit
from services.discipline.use_cases.explanations import list_explanations, mark_missed_explanations
from services.discipline.use_cases.late_facts import record_overdue
from shared.auth import Principal
from shared.events.envelope import Event

API = "/discipline/api/v1"
HANOI = timezone(timedelta(hours=7))
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# Monday 16/11/2026 09:00 (the test clock) + 3 working days: Thursday 19/11 09:00.
DEADLINE = datetime(2026, 11, 19, 9, 0, tzinfo=HANOI)


def directory(svc):
    uow = svc.runtime.uow
    upsert_unit(uow(), "P01", "Thành phố Hà Nội", None, "province")
    upsert_unit(uow(), "W00070", "Phường Hoàn Kiếm", "P01", "ward")
    upsert_unit(uow(), "W00004", "Phường Ba Đình", "P01", "ward")
    upsert_official(uow(), "CB-001", "Nguyễn Thị Lan", "W00070", "cong_chuc", "Chuyên viên")
    upsert_official(uow(), "CB-100", "Trần Văn Minh", "W00070", "can_bo", "Chủ tịch UBND phường", True)
    upsert_official(uow(), "CB-300", "Lê Thị Hoa", "W00004", "can_bo", "Chủ tịch UBND phường", True)
    upsert_official(uow(), "CB-900", "Đỗ Văn Hải", "P01", "can_bo", "Chủ tịch UBND thành phố", True)
    assign_head(uow(), "W00070", "CB-100", "2025-07-01")
    assign_head(uow(), "W00004", "CB-300", "2025-07-01")
    assign_head(uow(), "P01", "CB-900", "2025-07-01")


@pytest.fixture
def svc(start_service):
    running = start_service("discipline", workers=False)
    directory(running)
    return running


def late_dossier(svc, code="HS-001", official="CB-001"):
    """A dossier due Friday 13/11 17:00 found late now: one request to the official, one to the head."""
    outcome = record_overdue(svc.runtime.uow(), subject=code, unit="W00070",
                                     due_at=datetime(2026, 11, 13, 17, 0, tzinfo=HANOI),
                                     detected_at=svc.runtime.clock.now(), official=official, step="tham_dinh")
    return {r.role: r.code for r in outcome.explanations}


def as_official(svc, sub="CB-001", unit="W00070"):
    return svc.headers(sub=sub, unit=unit, roles=["officer"])


def as_head(svc, sub="CB-100", unit="W00070"):
    return svc.headers(sub=sub, unit=unit, roles=["head"])


def submit(svc, code, headers, text="Hồ sơ chờ ý kiến phối hợp của Sở Tài nguyên và Môi trường.", files=()):
    data = {"text": text, "attachments": [(io.BytesIO(body), name) for name, body in files]}
    return svc.client.post(f"{API}/explanations/{code}/submission", data=data, headers=headers,
                           content_type="multipart/form-data")


def judge(svc, code, headers, accepted=True, reason="Lý do khách quan, có văn bản chứng minh."):
    return svc.client.post(f"{API}/explanations/{code}/judgement", json={"accepted": accepted, "reason": reason},
                           headers=headers)


def events(svc, event_type):
    with svc.runtime.engine.connect() as conn:
        return [json.loads(body)["data"] for (body,) in conn.exec_driver_sql(
            "SELECT body FROM outbox WHERE routing_key = ? ORDER BY id", (event_type,))]


def audit_actions(svc, subject):
    response = svc.client.get(f"{API}/audit", query_string={"subject": subject, "page_size": 100},
                              headers=svc.headers(roles=["inspector"]))
    assert response.status_code == 200, response.json
    return [entry["action"] for entry in reversed(response.json["items"])]


def test_the_official_submits_with_an_attachment_and_the_head_in_office_rejects_it_with_a_reason(svc):
    code = late_dossier(svc)["official"]

    response = submit(svc, code, as_official(svc), files=[("công văn phối hợp.pdf", PDF)])
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "submitted" and body["submitted_late"] is False
    assert body["submission"].startswith("Hồ sơ chờ ý kiến phối hợp")
    [attachment] = body["attachments"]
    assert (attachment["filename"], attachment["content_type"], attachment["size"]) == (
        "công văn phối hợp.pdf", "application/pdf", len(PDF))
    [submitted] = events(svc, "explanation.submitted")
    assert (submitted["code"], submitted["official"], submitted["subject"]) == (code, "CB-001", "HS-001")

    # The head reads the file the official sent.
    download = svc.client.get(f"{API}/explanations/{code}/attachments/{attachment['id']}", headers=as_head(svc))
    assert download.status_code == 200 and download.data == PDF

    response = judge(svc, code, as_head(svc), accepted=False, reason="Không có văn bản xin ý kiến phối hợp.")
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["judged_by"]) == ("rejected", "CB-100")
    assert response.json["judgement_reason"] == "Không có văn bản xin ý kiến phối hợp."
    [rejected] = events(svc, "explanation.rejected")
    assert (rejected["accepted"], rejected["judged_by"]) == (False, "CB-100")
    assert audit_actions(svc, code) == ["explanation.requested", "explanation.submitted", "explanation.rejected"]

    # Judged once: a second judgement and a second submission are refused and change nothing.
    again = judge(svc, code, as_head(svc), accepted=True)
    assert again.status_code == 409 and "đã bị bác" in again.json["message"]
    assert submit(svc, code, as_official(svc)).status_code == 409
    assert events(svc, "explanation.accepted") == []


def test_an_inspector_accepts_an_explanation(svc):
    code = late_dossier(svc)["official"]
    assert submit(svc, code, as_official(svc)).status_code == 201
    response = judge(svc, code, svc.headers(sub="TTV-01", roles=["inspector"]))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "accepted"
    assert events(svc, "explanation.accepted")[0]["judged_by"] == "TTV-01"


def test_the_head_of_the_unit_above_may_judge_the_wards_head_but_no_one_judges_their_own(svc):
    head_request = late_dossier(svc)["head"]
    assert submit(svc, head_request, as_head(svc)).status_code == 201
    own = judge(svc, head_request, as_head(svc))
    assert own.status_code == 403 and "của chính mình" in own.json["message"]
    city = judge(svc, head_request, svc.headers(sub="CB-900", unit="P01", roles=["head"]))
    assert city.status_code == 200 and city.json["status"] == "accepted"


def test_a_head_no_longer_in_office_cannot_judge(svc):
    code = late_dossier(svc)["official"]
    assert submit(svc, code, as_official(svc)).status_code == 201
    upsert_official(svc.runtime.uow(), "CB-101", "Vũ Thị Mai", "W00070", "can_bo", "Chủ tịch UBND phường",
                            True)
    assign_head(svc.runtime.uow(), "W00070", "CB-101", "2026-11-16")  # from today

    former = judge(svc, code, as_head(svc))
    assert former.status_code == 403 and "CB-101" in former.json["message"]
    assert judge(svc, code, as_head(svc, sub="CB-101")).status_code == 200


@pytest.mark.parametrize("text, files, status, field", [
    ("   ", (), 422, "text"),
    ("Giải trình", [("anh.exe", b"MZ\x90\x00 not an image")], 422, "attachments"),
    ("Giải trình", [("to.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))], 413, "attachments"),
    ("Giải trình", [(f"{i}.pdf", PDF) for i in range(6)], 422, "attachments"),
])
def test_bad_submissions_name_the_field_and_change_nothing(svc, text, files, status, field):
    code = late_dossier(svc)["official"]
    response = submit(svc, code, as_official(svc), text=text, files=files)
    assert response.status_code == status, response.json
    assert field in response.json["errors"]
    assert svc.scalar("SELECT status FROM explanation_requests WHERE code = :c", c=code) == "requested"
    assert svc.scalar("SELECT count(*) FROM explanation_attachments") == 0
    assert events(svc, "explanation.submitted") == []


def test_a_judgement_without_a_reason_is_refused(svc):
    code = late_dossier(svc)["official"]
    assert submit(svc, code, as_official(svc)).status_code == 201
    response = judge(svc, code, as_head(svc), reason="")
    assert response.status_code == 422 and "reason" in response.json["errors"]
    assert svc.scalar("SELECT status FROM explanation_requests WHERE code = :c", c=code) == "submitted"


def test_an_unanswered_request_is_missed_once_at_its_deadline_and_becomes_a_violation(svc):
    requests = late_dossier(svc)
    clock = svc.runtime.clock

    clock.set(DEADLINE)  # at the deadline itself the official is still in time
    assert mark_missed_explanations(svc.runtime.uow()) == (0, 0)

    clock.set(DEADLINE + timedelta(minutes=1))
    assert mark_missed_explanations(svc.runtime.uow()) == (2, 2)
    assert mark_missed_explanations(svc.runtime.uow()) == (0, 0)  # a second sweep: nothing new

    missed = events(svc, "explanation.missed")
    assert sorted(m["official"] for m in missed) == ["CB-001", "CB-100"]
    assert svc.scalar("SELECT count(*) FROM explanation_requests WHERE status = 'missed'") == 2
    rows = svc.scalar("SELECT count(*) FROM violations WHERE kind = 'missed_explanation' AND responsibility = "
                      "'direct' AND source_type = 'explanation' AND source = :c AND official = 'CB-001'",
                      c=requests["official"])
    assert rows == 1
    assert svc.scalar("SELECT fact_date FROM violations WHERE source = :c", c=requests["official"]) == "2026-11-19"
    assert audit_actions(svc, requests["official"])[-1] == "explanation.missed"

    # Late text is still kept, but the request stays missed and cannot be judged.
    late = submit(svc, requests["official"], as_official(svc))
    assert late.status_code == 201
    assert (late.json["status"], late.json["submitted_late"]) == ("missed", True)
    refused = judge(svc, requests["official"], as_head(svc))
    assert refused.status_code == 409 and "quá hạn" in refused.json["message"]
    assert audit_actions(svc, requests["official"])[-1] == "explanation.submitted_late"


def test_a_submission_after_the_deadline_before_the_sweep_is_missed_at_once(svc):
    code = late_dossier(svc)["official"]
    svc.runtime.clock.set(DEADLINE + timedelta(hours=2))
    response = submit(svc, code, as_official(svc))
    assert response.status_code == 201
    assert (response.json["status"], response.json["submitted_late"]) == ("missed", True)
    assert [m["code"] for m in events(svc, "explanation.missed")] == [code]
    assert svc.scalar("SELECT count(*) FROM violations WHERE source = :c", c=code) >= 1
    # The sweep later does not miss it a second time.
    assert mark_missed_explanations(svc.runtime.uow()) == (1, 1)  # only the head's request is left
    assert len(events(svc, "explanation.missed")) == 2


def test_the_sweep_runs_in_the_worker(start_service):
    svc = start_service("discipline", sweeps=True)
    directory(svc)
    late_dossier(svc)
    svc.runtime.clock.set(DEADLINE + timedelta(minutes=5))
    wait_until(lambda: svc.scalar("SELECT count(*) FROM explanation_requests WHERE status = 'missed'") == 2,
               message="the missed-explanations sweep marked both requests")


def completed(code, *, official="CB-001", timeliness="late", due=datetime(2026, 11, 13, 17, 0, tzinfo=HANOI),
              completed_at=datetime(2026, 11, 16, 8, 0, tzinfo=HANOI)):
    data = {"code": code, "procedure_code": "1.001234", "unit": "W00070", "received_at": (due - timedelta(days=5))
            .isoformat(), "due_at": due.isoformat(), "completed_at": completed_at.isoformat(),
            "timeliness": timeliness, "responsible_step": "tham_dinh", "responsible_official": official,
            "responsible_unit": "W00070"}
    return Event(type="dossier.completed", source="/kycuong/test/dossiers", subject=code, data=data, unit="W00070",
                 id=str(uuid.uuid4())).to_json()


def test_a_dossier_completed_late_asks_to_explain_once_even_after_its_overdue_alert(start_service, memory_broker):
    svc = start_service("discipline")
    directory(svc)
    late_dossier(svc, "HS-OVERDUE")  # the overdue alert already asked for this one
    publish(memory_broker, completed("HS-OVERDUE"), "dossier.completed")
    publish(memory_broker, completed("HS-ONTIME", timeliness="on_time"), "dossier.completed")
    publish(memory_broker, completed("HS-LATE"), "dossier.completed")
    wait_until(lambda: svc.scalar("SELECT count(*) FROM inbox") == 3, message="three completions applied")

    def asked(subject):
        return svc.scalar("SELECT count(*) FROM explanation_requests WHERE subject = :s", s=subject)

    assert (asked("HS-OVERDUE"), asked("HS-ONTIME"), asked("HS-LATE")) == (2, 0, 2)
    late = [e for e in events(svc, "explanation.requested") if e["subject"] == "HS-LATE"]
    assert sorted(e["official"] for e in late) == ["CB-001", "CB-100"]


def test_the_time_to_explain_runs_from_the_request_not_from_a_completion_reported_days_later(start_service,
                                                                                             memory_broker):
    svc = start_service("discipline")
    directory(svc)
    # Finished late on Monday 2 November; the completion reaches discipline only now (Monday 16, 09:00).
    publish(memory_broker, completed("HS-REPORTED-LATE", due=datetime(2026, 10, 30, 17, 0, tzinfo=HANOI),
                                     completed_at=datetime(2026, 11, 2, 10, 0, tzinfo=HANOI)), "dossier.completed")
    wait_until(lambda: svc.scalar("SELECT count(*) FROM inbox") == 1, message="the completion applied")
    asked = [e for e in events(svc, "explanation.requested") if e["subject"] == "HS-REPORTED-LATE"]
    assert len(asked) == 2
    assert {e["due_at"] for e in asked} == {DEADLINE.isoformat()}  # three working days from now
    svc.runtime.clock.set(DEADLINE - timedelta(minutes=1))
    assert sweeps.sweep_missed_explanations(svc.runtime) == 0


# --- the audit chain -------------------------------------------------------------------------------------

def verify(svc):
    response = svc.client.get(f"{API}/audit/verify", headers=svc.headers(roles=["office"]))
    assert response.status_code == 200, response.json
    return response.json


def audited_flow(svc):
    """A few steps: two requests per dossier, a submission, a judgement."""
    for n in range(3):
        late_dossier(svc, f"HS-00{n}")
    code = list_explanations(svc.runtime.uow(), Principal("x", None, frozenset({"admin"})),
                             subject="HS-000", role="official").items[0].code
    assert submit(svc, code, as_official(svc)).status_code == 201
    assert judge(svc, code, as_head(svc)).status_code == 200
    return svc.scalar("SELECT max(seq) FROM audit_entries")


def test_the_audit_chain_verifies_and_names_an_entry_changed_in_the_database(svc, monkeypatch, capsys):
    last = audited_flow(svc)
    assert last >= 8
    assert verify(svc) == {"ok": True, "entries": last, "first_broken": None}

    with svc.runtime.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_entries SET data = replace(data, 'CB-001', 'CB-002') WHERE seq = 3")
    result = verify(svc)
    assert result["ok"] is False and result["entries"] == last
    assert result["first_broken"]["seq"] == 3 and "đã bị sửa" in result["first_broken"]["reason"]

    monkeypatch.setenv("KYCUONG_VAR_DIR", str(svc.runtime.settings.var_dir))
    assert cli.main(["audit", "verify"]) == 1
    assert "BROKEN at seq 3" in capsys.readouterr().out


def test_a_deleted_entry_is_named_as_the_gap_and_a_cut_tail_by_the_head(svc, monkeypatch, capsys):
    last = audited_flow(svc)
    monkeypatch.setenv("KYCUONG_VAR_DIR", str(svc.runtime.settings.var_dir))
    assert cli.main(["audit", "verify"]) == 0
    assert f"{last} entries verified" in capsys.readouterr().out

    with svc.runtime.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM audit_entries WHERE seq = {last}")
    tail = verify(svc)["first_broken"]
    assert tail["seq"] == last and "bị thiếu" in tail["reason"]

    with svc.runtime.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_entries WHERE seq = 4")
    gap = verify(svc)["first_broken"]
    assert gap["seq"] == 4 and "mục số 4 bị thiếu" in gap["reason"]


def test_only_inspectors_the_office_and_admins_read_the_audit_log(svc):
    late_dossier(svc)
    for roles in (["officer"], ["head"]):
        for path in ("/audit", "/audit/verify"):
            response = svc.client.get(f"{API}{path}", headers=svc.headers(sub="CB-100", unit="W00070", roles=roles))
            assert response.status_code == 403 and "inspector" in response.json["message"]
    entries = svc.client.get(f"{API}/audit", headers=svc.headers(roles=["inspector"])).json["items"]
    assert entries[0]["data"]["official"] in ("CB-001", "CB-100") and len(entries[0]["hash"]) == 64


def test_concurrent_appends_on_postgresql_never_fork_the_chain(start_service, pg_database):
    svc = start_service("discipline", workers=False, database_url=pg_database("audit"))
    workers, each = 4, 15
    barrier = threading.Barrier(workers)
    failures = []

    def append(worker):
        barrier.wait()
        for n in range(each):
            try:
                uow = svc.runtime.uow()
                with uow:
                    record_audit(uow, "test.append", f"W{worker}-{n}", f"worker-{worker}", {"n": n})
                    uow.commit()
            except Exception as exc:  # a fork would show as a duplicate seq or hash
                failures.append(exc)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert verify_audit_chain(svc.runtime.uow()) == {"ok": True, "entries": workers * each,
                                                             "first_broken": None}
