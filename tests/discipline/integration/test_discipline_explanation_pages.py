"""What the explanation pages read and do, without a browser: her requests open ones first with the working days
left; the submitted explanations a head (of the unit or above it) or an inspector may judge; one request with
what its reader may do now and its audit entries; and the forms — a file that is not a PDF/PNG/JPEG or a
rejection without a reason is shown again (422) with the error and nothing changed, a form without its CSRF
token is refused, after the deadline no form is offered."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest

from services.discipline.use_cases.audit import audit_trail
from services.discipline.use_cases.directory import assign_head, upsert_official, upsert_unit
from services.discipline.use_cases.explanations import (
    explanation_for_reader,
    explanations_to_judge,
    get_explanation,
    judge_explanation,
    my_explanation_requests,
    submit_explanation,
)
from services.discipline.use_cases.late_facts import record_overdue
from shared.attachments import Upload
from shared.auth import Principal
from shared.errors import Forbidden
from shared.web import session

HANOI = timezone(timedelta(hours=7))
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# Monday 16/11/2026 09:00 (the test clock) + 3 working days: Thursday 19/11 09:00.
DEADLINE = datetime(2026, 11, 19, 9, 0, tzinfo=HANOI)
OFFICIAL = Principal("CB-001", "W00070", frozenset({"officer"}))
HEAD = Principal("CB-100", "W00070", frozenset({"officer", "head"}))
HEAD_ABOVE = Principal("CB-900", "P01", frozenset({"officer", "head"}))
OTHER_HEAD = Principal("CB-300", "W00004", frozenset({"officer", "head"}))
INSPECTOR = Principal("TT-01", "SNV", frozenset({"officer", "inspector"}))


@pytest.fixture
def svc(start_service):
    running = start_service("discipline", workers=False)
    uow = running.runtime.uow
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
    return running


def late_dossier(svc, code: str) -> str:
    """A dossier due Friday 13/11 17:00 found late now: the official's request's code."""
    outcome = record_overdue(svc.runtime.uow(), subject=code, unit="W00070",
                             due_at=datetime(2026, 11, 13, 17, 0, tzinfo=HANOI),
                             detected_at=svc.runtime.clock.now(), official="CB-001", step="tham_dinh")
    return next(r.code for r in outcome.explanations if r.role == "official")


def signed_in(svc, principal: Principal) -> str:
    """Give the test client the session cookie of `principal`; its CSRF token."""
    value = session.issue(svc.runtime.settings.session_secret, principal)
    svc.client.set_cookie(session.COOKIE, value)
    return session.read(svc.runtime.settings.session_secret, value).csrf


HTML = {"Accept": "text/html"}


def test_her_requests_come_open_first_with_the_working_days_left(svc):
    uow = svc.runtime.uow
    answered = late_dossier(svc, "HS-001")
    svc.runtime.clock.set(datetime(2026, 11, 16, 13, 0, tzinfo=HANOI))
    waiting = late_dossier(svc, "HS-002")
    submit_explanation(uow(), OFFICIAL, answered, "Chờ văn bản phối hợp của Sở Xây dựng.")

    rows = my_explanation_requests(uow(), OFFICIAL).items
    assert [(r["code"], r["status"]) for r in rows] == [(waiting, "requested"), (answered, "submitted")]
    assert rows[0]["remaining_days"] == "3.00" and rows[1]["remaining_days"] is None
    # The head's own requests about the same dossiers are hers, not the official's.
    assert {r["official"] for r in rows} == {"CB-001"}
    assert {r["role"] for r in my_explanation_requests(uow(), HEAD).items} == {"head"}

    svc.runtime.clock.set(DEADLINE + timedelta(hours=26))  # Friday 20/11 11:00: past the deadline
    [late] = [r for r in my_explanation_requests(uow(), OFFICIAL).items if r["status"] == "requested"]
    assert late["remaining_days"].startswith("-")


def test_heads_of_the_unit_or_above_and_inspectors_see_what_waits_for_their_judgement(svc):
    uow = svc.runtime.uow
    code = late_dossier(svc, "HS-001")
    late_dossier(svc, "HS-002")  # asked, never explained: nothing to judge
    assert explanations_to_judge(uow(), HEAD).total == 0
    submit_explanation(uow(), OFFICIAL, code, "Chờ văn bản phối hợp.")

    for judge in (HEAD, HEAD_ABOVE, INSPECTOR):
        [row] = explanations_to_judge(uow(), judge).items
        assert (row["code"], row["official_name"]) == (code, "Nguyễn Thị Lan")
    assert explanations_to_judge(uow(), OTHER_HEAD).total == 0
    with pytest.raises(Forbidden):
        explanations_to_judge(uow(), OFFICIAL)

    judge_explanation(uow(), HEAD, code, False, "Không có văn bản chứng minh.")
    assert explanations_to_judge(uow(), HEAD).total == 0


def test_a_request_says_what_its_reader_may_do_now_and_shows_its_audit_entries(svc):
    uow = svc.runtime.uow
    code = late_dossier(svc, "HS-001")
    mine = explanation_for_reader(uow(), OFFICIAL, code)
    assert (mine["can_submit"], mine["can_judge"], mine["deadline_passed"]) == (True, False, False)
    assert mine["unit_name"] == "Phường Hoàn Kiếm" and mine["names"]["CB-001"] == "Nguyễn Thị Lan"
    assert explanation_for_reader(uow(), HEAD, code)["can_judge"] is False  # nothing to judge yet

    submit_explanation(uow(), OFFICIAL, code, "Chờ văn bản phối hợp.",
                       [Upload("cong-van.pdf", "application/pdf", PDF)])
    assert explanation_for_reader(uow(), OFFICIAL, code)["can_submit"] is False
    assert explanation_for_reader(uow(), HEAD, code)["can_judge"] is True
    assert explanation_for_reader(uow(), HEAD_ABOVE, code)["can_judge"] is True
    with pytest.raises(Forbidden):
        explanation_for_reader(uow(), OTHER_HEAD, code)  # another ward's head does not read it

    judge_explanation(uow(), HEAD, code, False, "Không có văn bản chứng minh.")
    judged = explanation_for_reader(uow(), OFFICIAL, code)
    assert judged["can_judge"] is False and judged["attachments"][0]["filename"] == "cong-van.pdf"
    assert [(e["action"], e["actor"]) for e in judged["audit"]] == [
        ("explanation.requested", None), ("explanation.submitted", "CB-001"), ("explanation.rejected", "CB-100")]
    assert judged["names"]["CB-100"] == "Trần Văn Minh"
    assert [e["seq"] for e in judged["audit"]] == sorted(e["seq"] for e in judged["audit"])
    assert audit_trail(uow(), "no-such-subject") == []


def test_after_the_deadline_her_page_says_so_instead_of_offering_the_form(svc):
    code = late_dossier(svc, "HS-001")
    signed_in(svc, OFFICIAL)
    page = svc.client.get(f"/discipline/explanations/{code}", headers=HTML)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert 'accept=".pdf,.png,.jpg,.jpeg' in page.text and "mỗi tệp không quá 10 MB" in page.text

    svc.runtime.clock.set(DEADLINE + timedelta(minutes=1))
    page = svc.client.get(f"/discipline/explanations/{code}", headers=HTML)
    assert "Đã quá hạn giải trình (hạn 19/11/2026 09:00)" in page.text
    assert 'enctype="multipart/form-data"' not in page.text


def test_a_file_of_another_type_is_refused_with_the_form_shown_again_and_nothing_stored(svc):
    code = late_dossier(svc, "HS-001")
    csrf = signed_in(svc, OFFICIAL)
    answer = svc.client.post(f"/discipline/explanations/{code}/submission", headers=HTML,
                             content_type="multipart/form-data",
                             data={"csrf_token": csrf, "text": "Chờ <b>văn bản</b> phối hợp.",
                                   "attachments": [(io.BytesIO(b"MZ\x90\x00 not a pdf"), "giai-trinh.exe")]})
    assert answer.status_code == 422
    assert """<a href="#attachments">Tệp 'giai-trinh.exe' không đúng định dạng</a>""" in unescape(answer.text)
    assert "Chờ &lt;b&gt;văn bản&lt;/b&gt; phối hợp." in answer.text  # her text kept, escaped
    assert get_explanation(svc.runtime.uow(), OFFICIAL, code)["status"] == "requested"
    assert svc.scalar("SELECT count(*) FROM explanation_attachments") == 0

    blank = svc.client.post(f"/discipline/explanations/{code}/submission", headers=HTML,
                            content_type="multipart/form-data", data={"csrf_token": csrf, "text": "  "})
    assert blank.status_code == 422 and '<a href="#text">Nội dung giải trình: bắt buộc' in blank.text


def test_a_rejection_needs_its_reason_and_a_form_needs_its_csrf_token(svc):
    code = late_dossier(svc, "HS-001")
    submit_explanation(svc.runtime.uow(), OFFICIAL, code, "Chờ văn bản phối hợp.")
    csrf = signed_in(svc, HEAD)
    url = f"/discipline/explanations/{code}/judgement"

    forged = svc.client.post(url, headers=HTML, data={"decision": "reject", "reason": "Không có căn cứ."})
    assert forged.status_code == 403
    unchosen = svc.client.post(url, headers=HTML, data={"csrf_token": csrf, "reason": "Không có căn cứ."})
    assert unchosen.status_code == 422 and '<a href="#decision-accept">Chọn chấp nhận' in unchosen.text
    blank = svc.client.post(url, headers=HTML, data={"csrf_token": csrf, "decision": "reject", "reason": " "})
    assert blank.status_code == 422
    assert '<a href="#reason">Nêu lý do không chấp nhận: người giải trình cần biết vì sao' in blank.text
    assert 'value="reject" checked' in blank.text
    assert get_explanation(svc.runtime.uow(), HEAD, code)["status"] == "submitted"

    done = svc.client.post(url, headers=HTML, data={"csrf_token": csrf, "decision": "reject",
                                                    "reason": "Không có văn bản chứng minh."})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/discipline/explanations/{code}")
    page = svc.client.get(done.headers["Location"], headers=HTML)
    assert "Đã không chấp nhận giải trình" in page.text and "Không có văn bản chứng minh." in page.text
    again = svc.client.post(url, headers=HTML, data={"csrf_token": csrf, "decision": "accept", "reason": "Đủ."})
    assert again.status_code == 303  # judged already: said on the page, nothing changed
    page = svc.client.get(again.headers["Location"], headers=HTML)
    assert "đã bị bác" in page.text
    assert get_explanation(svc.runtime.uow(), HEAD, code)["status"] == "rejected"


def test_the_pages_speak_english_when_asked(svc):
    code = late_dossier(svc, "HS-001")
    csrf = signed_in(svc, OFFICIAL)
    page = svc.client.get(f"/discipline/explanations/{code}?lang=en", headers=HTML)
    assert f"<h1>Explanation request {code}</h1>" in page.text and "Submit the explanation" in page.text
    assert "Waiting for the explanation" in page.text and "Yêu cầu giải trình" not in page.text
    blank = svc.client.post(f"/discipline/explanations/{code}/submission", headers=HTML,
                            content_type="multipart/form-data", data={"csrf_token": csrf, "text": ""})
    assert blank.status_code == 422 and '<a href="#text">Your explanation: required, not blank</a>' in blank.text
    assert "My explanations" in svc.client.get("/discipline/explanations", headers=HTML).text
