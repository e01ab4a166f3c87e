"""A citizen's pages without a browser (the browser test is tests/web/test_web_citizen_feedback.py): one
question at a time, nothing stored until the answers are checked and sent, a wrong answer said beside its
field with nothing changed, the tracking page, and a rating taken once."""

from __future__ import annotations

import io
import re

from test_feedback_edges import directory_event

REPORT = "/feedback/report/new"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 200


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def walk(svc, answers: dict, token: str):
    """Post each step in turn as a browser does: every answer so far, and the step being answered."""
    draft: dict = {}
    for step, fields in (("category", ("category",)), ("unit", ("unit",)),
                         ("details", ("content", "dossier_code", "address", "misconduct_kind")),
                         ("contact", ("anonymous", "reporter.name", "reporter.phone", "reporter.email"))):
        draft.update({field: answers.get(field, "") for field in fields})
        page = svc.client.post(REPORT, data={**draft, "step": step, "go": "next", "csrf_token": token})
        assert page.status_code == 200, (step, page.get_data(as_text=True)[:2000])
    return draft


def test_a_citizen_sends_feedback_step_by_step_follows_it_and_rates_the_answer_once(start_service):
    svc = start_service("feedback", workers=False)
    directory_event(svc, "unit", code="SO-XD", name="Sở Xây dựng", parent=None, kind="department")
    directory_event(svc, "unit", code="P-BD", name="Phường Ba Đình", parent=None, kind="ward")
    start = svc.client.get("/feedback/report")
    assert start.status_code == 200 and "Bắt đầu" in start.get_data(as_text=True)
    first = svc.client.get(REPORT)
    token = token_of(first.get_data(as_text=True))

    # No category chosen: the same question again, its error beside it, nothing stored.
    refused = svc.client.post(REPORT, data={"step": "category", "go": "next", "csrf_token": token})
    assert refused.status_code == 422
    assert 'href="#category"' in refused.get_data(as_text=True)
    # The unit is found without accents.
    found = svc.client.post(REPORT, data={"step": "unit", "go": "search", "q": "ba dinh", "category": "delay",
                                          "csrf_token": token}).get_data(as_text=True)
    assert 'id="unit-P-BD"' in found and 'id="unit-SO-XD"' not in found

    typed = "Hồ sơ cấp phép xây dựng nộp ngày 02/11/2026 đã quá hẹn trả kết quả 5 ngày."
    draft = walk(svc, {"category": "delay", "unit": "SO-XD", "content": typed, "anonymous": "yes"}, token)
    check = svc.client.post(REPORT, data={**draft, "step": "contact", "go": "next", "csrf_token": token})
    page = check.get_data(as_text=True)
    assert "Kiểm tra trước khi gửi" in page and "Sở Xây dựng" in page and "Ẩn danh" in page
    assert svc.scalar("SELECT count(*) FROM feedback") == 0

    sent = svc.client.post(REPORT, data={**draft, "step": "check", "go": "next", "csrf_token": token,
                                         "attachments": [(io.BytesIO(PNG), "giay-hen.png", "image/png")]},
                           content_type="multipart/form-data")
    assert sent.status_code == 303
    code = re.search(r"/feedback/track/(PA-[\w-]+)", sent.headers["Location"]).group(1)
    tracked = svc.client.get(sent.headers["Location"]).get_data(as_text=True)
    assert code in tracked and "Đã tiếp nhận" in tracked
    assert svc.scalar("SELECT count(*) FROM feedback_attachments") == 1

    officer = svc.headers(unit="SO-XD", roles=("officer",))
    for step, body in (("accept", {}), ("answer", {"text": "Đã trả kết quả ngày 20/11/2026."}), ("publish", {})):
        assert svc.client.post(f"/feedback/api/v1/feedback/{code}/{step}", json=body, headers=officer).status_code < 300
    answered = svc.client.get(f"/feedback/track/{code}").get_data(as_text=True)
    assert "Đã trả kết quả ngày 20/11/2026." in answered
    rate_link = re.search(r'href="(/feedback/rate\?token=[^"]+)"', answered).group(1)
    form = svc.client.get(rate_link).get_data(as_text=True)
    rating_token = re.search(r'name="token" value="([^"]+)"', form).group(1)
    rated = svc.client.post("/feedback/rate", data={"token": rating_token, "overall": "5", "factor-result": "4",
                                                    "csrf_token": token})
    assert rated.status_code == 200 and "Cảm ơn bạn đã đánh giá" in rated.get_data(as_text=True)
    again = svc.client.post("/feedback/rate", data={"token": rating_token, "overall": "1", "csrf_token": token})
    assert again.status_code == 422 and "đã được sử dụng" in again.get_data(as_text=True)
    assert svc.scalar("SELECT count(*) FROM ratings") == 1


def test_a_form_from_another_site_is_refused(start_service):
    svc = start_service("feedback", workers=False)
    svc.client.get(REPORT)  # this browser's token is set; the forged form does not carry it
    forged = svc.client.post(REPORT, data={"step": "check", "go": "next", "category": "other",
                                           "content": "Nội dung giả mạo từ trang khác.", "anonymous": "yes",
                                           "csrf_token": "not-this-browsers"})
    assert forged.status_code == 403
    assert svc.scalar("SELECT count(*) FROM feedback") == 0


NUMBERS = {"hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}


def test_over_the_limit_a_citizen_answers_a_question_instead_of_meeting_a_bare_429(start_service):
    svc = start_service("feedback", workers=False, rules={"feedback_rate_limit": {"per_minute": 1, "burst": 1}})
    token = token_of(svc.client.get(REPORT).get_data(as_text=True))
    draft = {"category": "other", "content": "Kiến nghị niêm yết giờ làm việc buổi sáng thứ Bảy.", "anonymous": "yes",
             "unit": "", "dossier_code": "", "address": "", "misconduct_kind": ""}
    first = svc.client.post(REPORT, data={**draft, "step": "check", "go": "next", "csrf_token": token})
    assert first.status_code == 303

    second = {**draft, "content": "Kiến nghị bố trí thêm ghế chờ tại bộ phận một cửa."}
    asked = svc.client.post(REPORT, data={**second, "step": "check", "go": "next", "csrf_token": token})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 429 and "Xác nhận bạn là người gửi" in page
    question = re.search(r'<label class="field__label" for="challenge_answer">([^<]+)</label>', page).group(1)
    first_word, second_word = re.match(r"(\w+) cộng (\w+) bằng mấy\?", question).groups()
    challenge_token = re.search(r'name="challenge_token" value="([^"]+)"', page).group(1)
    wrong = svc.client.post(REPORT, data={**second, "step": "check", "go": "next", "csrf_token": token,
                                          "challenge_token": challenge_token, "challenge_answer": "99"})
    assert wrong.status_code == 429 and "Câu trả lời chưa đúng" in wrong.get_data(as_text=True)
    assert svc.scalar("SELECT count(*) FROM feedback") == 1

    answer = NUMBERS[first_word.lower()] + NUMBERS[second_word]
    solved = svc.client.post(REPORT, data={**second, "step": "check", "go": "next", "csrf_token": token,
                                           "challenge_token": challenge_token, "challenge_answer": str(answer)})
    assert solved.status_code == 303
    assert svc.scalar("SELECT count(*) FROM feedback") == 2
    # The same answered question again: what it lets through is counted too, and that allowance is spent.
    replayed = svc.client.post(REPORT, data={**draft, "content": "Một kiến nghị khác về giờ tiếp dân buổi chiều.",
                                             "step": "check", "go": "next", "csrf_token": token,
                                             "challenge_token": challenge_token, "challenge_answer": str(answer)},
                               headers={"Accept": "text/html"})
    assert replayed.status_code == 429 and replayed.headers["Retry-After"]
    assert "Bạn đã gửi quá nhiều lần" in replayed.get_data(as_text=True)
    assert svc.scalar("SELECT count(*) FROM feedback") == 2
