"""Home Affairs' pages without a browser (SQLite, the in-memory broker, Flask's test client with an
inspector's token): the workspace counts, a proposal taken through its procedure to a decision from the
timeline's forms (a refused step re-renders with its errors, nothing recorded), the eligibility answer with its
reason, the audit chain verified, inspections and their findings recorded as violations."""

import re

import pytest

from services.discipline.use_cases.directory import assign_head, upsert_official, upsert_unit
from services.discipline.use_cases.violations import record_violation
from shared.auth import Principal
from shared.web import session as web_session

PAGE = {"Accept": "text/html"}


@pytest.fixture
def svc(start_service):
    running = start_service("discipline")
    uow = running.runtime.uow
    upsert_unit(uow(), "P01", "Thành phố Hà Nội", None, "province")
    upsert_unit(uow(), "W00070", "Phường Hoàn Kiếm", "P01", "ward")
    upsert_unit(uow(), "HN-SNV", "Sở Nội vụ", "P01", "department")
    for code, name, unit, category, leader in [
        ("CB-001", "Nguyễn Thị Lan", "W00070", "cong_chuc", False),
        ("CB-002", "Phạm Văn Hùng", "W00070", "cong_chuc", False),
        ("CB-003", "Đỗ Văn Sơn", "W00070", "cong_chuc", False),
        ("CB-100", "Trần Văn Minh", "W00070", "can_bo", True),
        ("TT-01", "Nguyễn Thị Minh Châu", "HN-SNV", "cong_chuc", False),
    ]:
        upsert_official(uow(), code, name, unit, category, None, leader)
    assign_head(uow(), "W00070", "CB-100", "2025-07-01")
    return running


def inspector(svc):
    return {**PAGE, **svc.headers(sub="TT-01", unit="HN-SNV", roles=["inspector"])}


def get(svc, path, status=200, headers=None):
    answer = svc.client.get(path, headers=headers or inspector(svc))
    assert answer.status_code == status, answer.get_data(as_text=True)[-2000:]
    return answer.get_data(as_text=True)


def post(svc, path, data, status=303):
    answer = svc.client.post(path, data=data, headers=inspector(svc))
    assert answer.status_code == status, answer.get_data(as_text=True)[-3000:]
    return answer


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def misconduct(svc, official="CB-001"):
    return record_violation(svc.runtime.uow(), official=official, unit="W00070", kind="misconduct",
                            source_type="misconduct", source="XM-0001", fact_date="2026-11-10",
                            facts="Gây phiền hà cho người dân khi tiếp nhận hồ sơ.", actor="TT-01")


def open_proposal(svc):
    misconduct(svc)
    found = re.search(r'href="/discipline/proposals/(DXKL-[^"]+)"', get(svc, "/discipline/proposals"))
    assert found, "the open proposal is listed"
    return found[1]


def test_the_workspace_counts_what_home_affairs_has_to_do(svc):
    code = open_proposal(svc)
    page = text_of(get(svc, "/discipline/inspector"))
    assert "Bàn làm việc Sở Nội vụ" in page
    assert "1 đề xuất đang xử lý" in page and code in page
    assert re.search(r"\d+ vi phạm trong tháng 11/2026", page), page


def test_a_proposal_goes_through_its_procedure_to_a_decision(svc):
    code = open_proposal(svc)
    detail = text_of(get(svc, f"/discipline/proposals/{code}"))
    assert "Bước tiếp theo" in detail and "Họp kiểm điểm" in detail
    assert "90 ngày kể từ khi phát hiện vi phạm" in detail and "có thể gia hạn đến 150 ngày" in detail
    base = f"/discipline/proposals/{code}/steps"
    post(svc, base, {"step": "review", "step-at": "2026-11-16T09:00", "step-notes": "Họp kiểm điểm"})
    # A council of two is refused: the page comes back with the error, nothing recorded.
    refused = post(svc, base, {"step": "council", "step-at": "16/11/2026 09:00", "member_1": "CB-002",
                               "member_2": "CB-003"}, status=422).get_data(as_text=True)
    assert 'class="error-summary"' in refused and 'href="#member_1"' in refused
    assert "Bước tiếp theo" in text_of(refused)
    post(svc, base, {"step": "council", "step-at": "16/11/2026 09:00", "member_1": "CB-002", "member_2": "CB-003",
                     "member_3": "CB-100"})
    post(svc, base, {"step": "recommendation", "step-at": "2026-11-16T09:00", "step-form": "khien_trach"})
    # A date that is not one is refused before the use case is asked.
    post(svc, base, {"step": "decision", "step-at": "hôm qua", "step-form": "khien_trach"}, status=422)
    answer = svc.client.post(base, data={"step": "decision", "step-at": "2026-11-16T09:00", "step-form": "khien_trach"},
                             headers=inspector(svc), follow_redirects=True)
    page = text_of(answer.get_data(as_text=True))
    assert "Đã ghi nhận quyết định kỷ luật" in page  # the flash
    assert "Đã có quyết định" in page and "đến hết ngày 15/11/2027" in page
    assert "Ghi nhận bước tiếp theo" not in page  # nothing more to record
    eligibility = text_of(get(svc, "/discipline/eligibility?official=CB-001&on=16/11/2026"))
    assert "Chưa được bổ nhiệm" in eligibility and "Chưa được khen thưởng" in eligibility
    assert "khiển trách" in eligibility and "15/11/2027" in eligibility


def test_extend_and_drop_need_their_reason(svc):
    code = open_proposal(svc)
    page = post(svc, f"/discipline/proposals/{code}/extension", {"extend-reason": " "}, status=422)
    assert 'href="#extend-reason"' in page.get_data(as_text=True)
    post(svc, f"/discipline/proposals/{code}/extension", {"extend-reason": "Cần xác minh thêm"})
    assert "150 ngày kể từ khi phát hiện vi phạm (đã gia hạn: Cần xác minh thêm)" in \
        text_of(get(svc, f"/discipline/proposals/{code}"))
    post(svc, f"/discipline/proposals/{code}/drop", {"drop-reason": "Vi phạm do nguyên nhân khách quan"})
    page = text_of(get(svc, f"/discipline/proposals/{code}"))
    assert "Đã dừng, không kỷ luật" in page and "Không thực hiện" in page
    # A dropped proposal cannot be dropped into a step: the step is refused with the reason (409).
    refused = post(svc, f"/discipline/proposals/{code}/steps", {"step": "review", "step-at": "2026-11-16T09:00"},
                   status=409)
    assert "dropped" in refused.get_data(as_text=True)


def test_eligibility_asks_for_a_known_official_and_a_date(svc):
    get(svc, "/discipline/eligibility")
    page = get(svc, "/discipline/eligibility?official=CB-404&on=", status=422)
    assert 'href="#official"' in page and "Không có cán bộ mã CB-404" in page
    assert 'href="#on"' in get(svc, "/discipline/eligibility?official=CB-001&on=31/02/2026", status=422)
    free = text_of(get(svc, "/discipline/eligibility?official=CB-001&on=2026-11-16"))
    assert "Được bổ nhiệm" in free and "Không có quyết định kỷ luật nào" in free


def test_the_audit_chain_is_listed_and_verified(svc):
    code = open_proposal(svc)
    assert code in get(svc, f"/discipline/audit?subject={code}")
    answer = svc.client.post("/discipline/audit/verify", headers=inspector(svc), follow_redirects=True)
    assert answer.status_code == 200
    assert "Chuỗi nhật ký toàn vẹn" in text_of(answer.get_data(as_text=True))
    # Someone edits an entry in the database: verify names the first broken link and what is wrong.
    with svc.runtime.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 2")
    answer = svc.client.post("/discipline/audit/verify", headers=inspector(svc), follow_redirects=True)
    page = text_of(answer.get_data(as_text=True))
    assert "Chuỗi nhật ký bị phá vỡ: mắt xích hỏng đầu tiên là mục số 2" in page
    assert "nội dung mục số 2 đã bị sửa" in page


def test_an_inspection_and_its_findings_are_recorded_as_violations(svc):
    refused = post(svc, "/discipline/inspections", {"unit": "W00070", "kind": "periodic", "inspected_on": "32/11/2026",
                                                    "team": "Lê Quang Trung", "category": "conduct"}, status=422)
    body = refused.get_data(as_text=True)
    assert 'href="#inspected_on"' in body and 'href="#officials"' in body and 'href="#facts"' in body
    answer = post(svc, "/discipline/inspections", {"unit": "W00070", "kind": "surprise", "inspected_on": "13/11/2026",
                                                   "team": "Lê Quang Trung\nPhạm Thu Trang"})
    code = answer.headers["Location"].rsplit("/", 1)[-1]
    assert "Chưa có phát hiện nào" in get(svc, f"/discipline/inspections/{code}")
    post(svc, f"/discipline/inspections/{code}/findings", {"category": "working_hours", "officials": "CB-002",
                                                           "facts": "Đến muộn 30 phút so với giờ làm việc"})
    page = text_of(get(svc, f"/discipline/inspections/{code}"))
    assert "Vi phạm giờ giấc làm việc" in page and "CB-002" in page and "VP-" in page
    assert "CB-002" in text_of(get(svc, "/discipline/violations?month=11/2026&unit=W00070"))
    unknown = post(svc, f"/discipline/inspections/{code}/findings", {"category": "conduct", "officials": "CB-999",
                                                                     "facts": "Không đeo thẻ"}, status=422)
    assert "CB-999" in unknown.get_data(as_text=True)


def test_an_officer_cannot_open_the_workspace(svc):
    officer = {**PAGE, **svc.headers(sub="CB-001", unit="W00070", roles=["officer"])}
    for path in ("/discipline/inspector", "/discipline/proposals", "/discipline/audit", "/discipline/inspections"):
        assert svc.client.get(path, headers=officer).status_code == 403


def test_a_signed_in_browser_s_forms_carry_its_token(svc):
    """With a session cookie (not a token) every form that changes something must carry the session's CSRF
    token: each form of the pages has it, and a form without it is refused."""
    code = open_proposal(svc)
    cookie = web_session.issue(svc.runtime.settings.session_secret,
                               Principal("TT-01", "HN-SNV", frozenset({"inspector"})))
    svc.client.set_cookie(web_session.COOKIE, cookie)
    for path in (f"/discipline/proposals/{code}", "/discipline/audit", "/discipline/inspections"):
        html = svc.client.get(path, headers=PAGE).get_data(as_text=True)
        forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
        assert forms, path
        for form in forms:
            assert re.search(r'name="csrf_token" value="[^"]+"', form), (path, form[:200])
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      svc.client.get("/discipline/audit", headers=PAGE).get_data(as_text=True))[1]
    assert svc.client.post("/discipline/audit/verify", headers=PAGE).status_code == 403
    assert svc.client.post("/discipline/audit/verify", data={"csrf_token": token}, headers=PAGE).status_code == 303
    # The navigation of a signed-in inspector leads to Home Affairs' pages.
    html = svc.client.get("/discipline/inspector", headers=PAGE).get_data(as_text=True)
    for path in ("/discipline/proposals", "/discipline/inspections", "/discipline/violations",
                 "/discipline/eligibility", "/discipline/audit"):
        assert f'href="{path}"' in html
