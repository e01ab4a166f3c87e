"""The law's handling limits for feedback (Decree 20/2008/ND-CP as amended; the national portal's method for
Decision 766/QD-TTg, indicator 5.2): send back, refuse or forward within 2 working days, ask the reporter for
more within 5 (the answer's clock waits for the reply), answer within 15, publish within 2."""

import json

from sqlalchemy import text

from services.feedback.use_cases import deadlines

URL = "/feedback/api/v1/feedback"
O311 = "/feedback/open311/v2"


def submit(svc, content="Hồ sơ cấp phép xây dựng nộp ngày 02/11/2026 đã quá hẹn.", **changes):
    data = {"channel": "web", "category": "delay", "content": content, "unit": "SO-XD", "anonymous": True}
    data.update(changes)
    response = svc.client.post(URL, json=data)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def events(svc, type_=None) -> list[dict]:
    with svc.runtime.engine.connect() as conn:
        bodies = [json.loads(r[0]) for r in conn.execute(text("SELECT body FROM outbox ORDER BY id"))]
    return [e for e in bodies if type_ is None or e["type"] == type_]


def step(svc, code, name, body=None, unit="SO-XD", roles=("officer",)):
    return svc.client.post(f"{URL}/{code}/{name}", json=body or {}, headers=svc.headers(unit=unit, roles=roles))


def deadline(svc, code, stage):
    page = svc.client.get(f"{URL}/{code}", headers=svc.headers(unit="SO-XD", roles=("officer",))).get_json()
    return next(d for d in page["deadlines"] if d["stage"] == stage)


def test_feedback_sent_back_within_two_working_days_is_on_time_and_closed_with_a_public_reason(start_service, clock):
    """Sending feedback back to the reporter (trả lại) is due within 2 working days of reception (the
    portal's method, indicator 5.2); the reporter reads why."""
    svc = start_service("feedback", workers=False)
    early, late = submit(svc), submit(svc, content="Phản ánh thứ hai về việc chậm cấp giấy phép.")

    clock.advance(days=1)
    missing = step(svc, early, "send-back", {"reason": " "})
    sent = step(svc, early, "send-back", {"reason": "Nội dung là khiếu nại, đề nghị gửi theo Luật Khiếu nại"})
    clock.advance(days=2)  # Thursday: the 2 working days ended Wednesday 09:00
    sent_late = step(svc, late, "send-back", {"reason": "Không thuộc phạm vi phản ánh, kiến nghị"})

    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    assert sent.status_code == 200 and sent_late.status_code == 200
    first, second = events(svc, "feedback.sent_back")
    assert (first["data"]["code"], first["data"]["on_time"]) == (early, True)
    assert (second["data"]["code"], second["data"]["on_time"]) == (late, False)
    public = svc.client.get(f"{URL}/{early}").get_json()
    assert (public["status"], public["status_label"]) == ("sent_back", "Đã trả lại người phản ánh")
    assert public["sent_back_reason"].startswith("Nội dung là khiếu nại")
    assert step(svc, early, "answer", {"text": "x"}).status_code == 409  # final
    request, = svc.client.get(f"{O311}/requests/{early}.json").get_json()
    assert request["status"] == "closed" and "Luật Khiếu nại" in request["status_notes"]


def test_forwarding_outside_the_units_authority_is_late_after_two_working_days(start_service, clock):
    """Forwarding feedback outside the unit's authority is due within 2 working days (it was 5 here before
    the correction: Decree 20/2008/ND-CP as amended; the portal's method, indicator 5.2)."""
    svc = start_service("feedback", workers=False)
    code = submit(svc)

    clock.advance(days=3)  # Thursday 09:00: one day past the 2 working days, well within the old 5
    forwarded = step(svc, code, "forward", {"unit": "UBND-P1"})

    assert forwarded.status_code == 200
    event, = events(svc, "feedback.forwarded")
    assert event["data"]["on_time"] is False


def test_the_reporter_is_asked_for_more_within_five_days_and_replies_with_the_tracking_code(start_service, clock):
    """The unit may ask the reporter for more information within 5 working days (the portal's method,
    indicator 5.2); the reporter, even anonymous, reads the question and replies with the tracking code,
    without an account; the answer's 15 days wait meanwhile."""
    svc = start_service("feedback", workers=False)
    code = submit(svc)
    answer_due = deadline(svc, code, "answer")["due_at"]
    assert answer_due == "2026-12-07T09:00:00+07:00"

    clock.advance(days=1)  # Tuesday
    empty = step(svc, code, "clarify", {"question": ""})
    asked = step(svc, code, "clarify", {"question": "Đề nghị cho biết số giấy hẹn trả kết quả."})
    public = svc.client.get(f"{URL}/{code}").get_json()
    answer_meanwhile = step(svc, code, "answer", {"text": "Đã xử lý."})
    clock.advance(days=7)  # the next Tuesday: 5 working days of waiting
    blank = svc.client.post(f"{URL}/{code}/clarification", json={"text": "  "})
    replied = svc.client.post(f"{URL}/{code}/clarification", json={"text": "Giấy hẹn số 15/GH-SXD ngày 02/11."})
    again = svc.client.post(f"{URL}/{code}/clarification", json={"text": "Bổ sung thêm lần nữa."})
    unit_view = svc.client.get(f"{URL}/{code}", headers=svc.headers(unit="SO-XD", roles=("officer",))).get_json()

    assert empty.status_code == 422 and "question" in empty.get_json()["errors"]
    assert asked.status_code == 200 and asked.get_json()["status"] == "awaiting_info"
    event, = events(svc, "feedback.clarification_requested")
    assert event["data"]["on_time"] is True and event["data"]["reason"] is None  # the question stays here
    assert public["status_label"] == "Chờ người phản ánh bổ sung thông tin"
    assert [c["question"] for c in public["clarifications"]] == ["Đề nghị cho biết số giấy hẹn trả kết quả."]
    assert answer_meanwhile.status_code == 409
    assert blank.status_code == 422 and "text" in blank.get_json()["errors"]
    assert replied.status_code == 200 and replied.get_json()["status"] == "in_progress"
    assert "reply" not in replied.get_json()["clarifications"][0]  # the reply is read like the content
    assert again.status_code == 409
    assert unit_view["clarifications"][0]["reply"] == "Giấy hẹn số 15/GH-SXD ngày 02/11."
    # The answer's clock waited 5 working days: due 5 working days later than before.
    assert deadline(svc, code, "answer")["due_at"] == "2026-12-14T09:00:00+07:00"
    assert step(svc, code, "answer", {"text": "Đã trả giấy phép."}).status_code == 200


def test_asking_the_reporter_for_more_after_five_working_days_is_late(start_service, clock):
    """The window to ask for more information is 5 working days from reception (indicator 5.2)."""
    svc = start_service("feedback", workers=False)
    code = submit(svc)
    step(svc, code, "accept")

    clock.advance(days=8)  # Tuesday of the next week: 6 working days
    assert step(svc, code, "clarify", {"question": "Đề nghị gửi ảnh giấy hẹn."}).status_code == 200

    event, = events(svc, "feedback.clarification_requested")
    assert event["data"]["on_time"] is False


def test_no_alert_while_the_reporter_is_asked_and_none_for_the_unused_clarify_window(start_service, clock):
    """Every stage's deadline is alerted once (due_soon, overdue), except while the answer's clock waits
    for the reporter, and never for the window to ask for more, which is no obligation."""
    svc = start_service("feedback", workers=False)
    waiting, plain = submit(svc), submit(svc, content="Phản ánh về thái độ cán bộ một cửa phường.")
    step(svc, waiting, "accept")
    step(svc, plain, "accept")
    step(svc, waiting, "clarify", {"question": "Đề nghị cho biết ngày nộp hồ sơ."})

    def sweep(kind):
        return deadlines.alert_feedback_deadlines(svc.runtime.uow(), kind)[0]

    clock.advance(days=30)
    sweep("due_soon")
    sweep("overdue")
    sweep("overdue")

    overdue = [(e["data"]["code"], e["data"]["stage"]) for e in events(svc, "feedback.overdue")]
    assert overdue == [(plain, "answer")]
    assert not [e for e in events(svc, "feedback.due_soon") if e["data"]["stage"] == "clarify"]


def test_the_answer_for_a_feedback_states_the_limits_and_their_source(start_service):
    """Anyone reading a feedback sees the legal limit of each stage and where it comes from (Decree
    20/2008/ND-CP as amended; Decision 766/QD-TTg, indicator 5.2)."""
    svc = start_service("feedback", workers=False)
    code = submit(svc)

    limits = svc.client.get(f"{URL}/{code}").get_json()["limits"]

    assert {s["stage"]: s["working_days"] for s in limits["stages"]} == {
        "refuse": 2, "send_back": 2, "forward": 2, "clarify": 5, "answer": 15, "publish": 2}
    assert "20/2008/NĐ-CP" in limits["source"] and "766/QĐ-TTg" in limits["source"]
    publish, = [s for s in limits["stages"] if s["stage"] == "publish"]
    assert publish["counted_from"] == "từ ngày trả lời"
