"""Handling feedback on time: each step and its event, deadline sweeps, ratings, Open311, abuse, privacy."""

import io
import json
import logging
import threading

from conftest import wait_until
from sqlalchemy import text

from services.feedback.use_cases import deadlines

URL = "/feedback/api/v1/feedback"
O311 = "/feedback/open311/v2"
REPORTER = {"name": "Trần Văn Bình", "phone": "0987 654 321", "email": "binh.tran@example.vn"}


def submit(svc, content="Hồ sơ cấp phép xây dựng nộp ngày 02/11/2026 đã quá hẹn.", **changes):
    data = {"channel": "web", "category": "delay", "content": content, "unit": "SO-XD",
            "reporter": dict(REPORTER)}
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


def test_handling_steps_emit_their_events_with_on_time(start_service, clock):
    svc = start_service("feedback", workers=False)
    code = submit(svc)

    clock.advance(days=1)
    forwarded = step(svc, code, "forward", {"unit": "UBND-P1", "note": "thuộc thẩm quyền phường"})
    assert forwarded.status_code == 200, forwarded.get_json()
    assert step(svc, code, "answer", {"text": "x"}).status_code == 403  # no longer SO-XD's
    clock.advance(days=1)
    assert step(svc, code, "accept", unit="UBND-P1").status_code == 200
    clock.advance(days=30)  # far past the 15 working days
    answered = step(svc, code, "answer", {"text": "Đã trả giấy phép ngày 20/12."}, unit="UBND-P1")
    assert answered.status_code == 200
    assert answered.get_json()["rating_token"]
    assert svc.client.get(f"{URL}/{code}").get_json()["answer"] is None  # not public before publishing
    published = step(svc, code, "publish", unit="UBND-P1", roles=("head",))
    assert published.status_code == 200
    assert step(svc, code, "publish", unit="UBND-P1").status_code == 409

    fwd, = events(svc, "feedback.forwarded")
    ans, = events(svc, "feedback.answered")
    pub, = events(svc, "feedback.published")
    assert (fwd["data"]["from_unit"], fwd["data"]["unit"], fwd["data"]["on_time"]) == ("SO-XD", "UBND-P1", True)
    assert "thẩm quyền" not in json.dumps(fwd, ensure_ascii=False)  # the officer's note stays here
    assert ans["data"]["on_time"] is False and pub["data"]["on_time"] is True
    public = svc.client.get(f"{URL}/{code}").get_json()
    assert public["status"] == "published" and public["answer"]["text"] == "Đã trả giấy phép ngày 20/12."


def test_a_refusal_needs_a_reason_and_is_late_after_two_working_days(start_service, clock):
    svc = start_service("feedback", workers=False)
    code = submit(svc)

    missing = step(svc, code, "refuse", {"reason": "  "})
    clock.advance(days=3)  # Thursday: the 2 working days ended Wednesday 09:00
    refused = step(svc, code, "refuse", {"reason": "Nội dung đã được giải quyết tại văn bản 12/SXD"})

    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    assert refused.status_code == 200
    event, = events(svc, "feedback.refused")
    assert event["data"]["on_time"] is False and event["data"]["reason"].startswith("Nội dung")
    assert svc.client.get(f"{URL}/{code}").get_json()["refusal_reason"].startswith("Nội dung")
    assert step(svc, code, "answer", {"text": "x"}).status_code == 409


def test_deadline_sweeps_emit_due_soon_and_overdue_once_each(start_service, clock):
    svc = start_service("feedback", workers=False)
    code = submit(svc)

    def sweep(kind):
        return deadlines.alert_feedback_deadlines(svc.runtime.uow(), kind)[0]

    clock.advance(days=1, minutes=1)  # Tue 09:01: the refuse stage is due tomorrow
    assert (sweep("due_soon"), sweep("due_soon")) == (1, 0)
    clock.advance(days=1)  # Wed 09:01: refuse overdue
    assert (sweep("overdue"), sweep("overdue")) == (1, 0)

    soon, = events(svc, "feedback.due_soon")
    late, = events(svc, "feedback.overdue")
    assert (soon["data"]["stage"], late["data"]["stage"]) == ("refuse", "refuse")
    assert late["data"]["due_at"] == "2026-11-18T09:00:00+07:00" and late["data"]["code"] == code
    # Accepting closes the running stages: nothing more for them.
    assert step(svc, code, "accept").status_code == 200
    clock.advance(days=7)
    sweep("due_soon")
    sweep("overdue")
    assert [e["data"]["stage"] for e in events(svc, "feedback.overdue")] == ["refuse"]


def test_two_sweepers_on_postgresql_alert_each_deadline_once(start_service, pg_database, clock):
    svc = start_service("feedback", workers=False, database_url=pg_database("feedback"),
                        rules={"feedback_rate_limit": {"per_minute": 600, "burst": 100}})
    codes = [submit(svc, content=f"Phản ánh chậm trễ số {i} về hồ sơ đất đai") for i in range(30)]
    clock.advance(days=10)

    barrier = threading.Barrier(2)

    def sweeper():
        barrier.wait()
        while deadlines.alert_feedback_deadlines(svc.runtime.uow(), "overdue", limit=7)[1]:
            pass

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    overdue = [(e["data"]["code"], e["data"]["stage"]) for e in events(svc, "feedback.overdue")]
    # One first decision (take on, refuse, send back or forward) with one deadline: one alert each.
    assert sorted(overdue) == sorted((c, "refuse") for c in codes)


def test_the_sweeps_run_in_the_background(start_service, clock):
    svc = start_service("feedback", sweeps=True)
    clock.advance(days=3)
    submit(svc)  # received Thursday; nothing due yet
    assert svc.scalar("SELECT count(*) FROM feedback_alerts") == 0
    clock.advance(days=3)  # Sunday: the refuse stage is due Monday 09:00
    wait_until(lambda: events(svc, "feedback.due_soon"), timeout=10, message="the due_soon sweep runs")
    clock.advance(days=1, minutes=1)
    wait_until(lambda: events(svc, "feedback.overdue"), timeout=10, message="the overdue sweep runs")
    assert svc.scalar("SELECT count(*) FROM feedback_alerts") == 2


def test_a_rating_token_works_once(start_service):
    svc = start_service("feedback", workers=False)
    code = submit(svc)
    step(svc, code, "accept")
    token = step(svc, code, "answer", {"text": "Đã giải quyết."}).get_json()["rating_token"]
    assert svc.client.get(f"{URL}/{code}").get_json()["rating_token"] == token  # the reporter sees it

    bad_factor = svc.client.post("/feedback/api/v1/ratings",
                                 json={"token": token, "overall": 4, "factors": {"speed": 5}})
    first = svc.client.post("/feedback/api/v1/ratings", json={
        "token": token, "overall": 4, "factors": {"officials": 5, "feedback_handling": 3},
        "comment": "Cán bộ Nguyễn Văn A nhiệt tình"})
    second = svc.client.post("/feedback/api/v1/ratings", json={"token": token, "overall": 1})
    unknown = svc.client.post("/feedback/api/v1/ratings", json={"token": "nope", "overall": 1})

    assert bad_factor.status_code == 422 and "factors" in bad_factor.get_json()["errors"]
    assert first.status_code == 201 and first.get_json()["overall_label"] == "Hài lòng"
    assert second.status_code == 409 and "token" in second.get_json()["errors"]
    assert unknown.status_code == 404 and "token" in unknown.get_json()["errors"]
    event, = events(svc, "rating.submitted")
    assert event["data"]["subject"] == code and event["data"]["factors"] == {"officials": 5, "feedback_handling": 3}
    assert "Nguyễn Văn A" not in json.dumps(event, ensure_ascii=False)
    assert svc.client.get(f"{URL}/{code}").get_json()["rating_token"] is None
    assert svc.scalar("SELECT count(*) FROM rating_tokens WHERE digest = :t", t=token) == 0  # only digests


def test_the_one_stop_desk_issues_a_token_for_a_returned_dossier(start_service):
    svc = start_service("feedback", workers=False)
    desk = svc.headers(unit="SO-XD", roles=("officer",))
    issued = svc.client.post("/feedback/api/v1/rating-tokens", headers=desk,
                             json={"subject_type": "dossier", "subject": "H26-0001", "unit": "SO-XD"})
    other_unit = svc.client.post("/feedback/api/v1/rating-tokens", headers=desk,
                                 json={"subject_type": "dossier", "subject": "H26-0002", "unit": "SO-TC"})
    token = issued.get_json()["token"]
    rated = svc.client.post("/feedback/api/v1/ratings", json={"token": token, "overall": 5})
    again = svc.client.post("/feedback/api/v1/rating-tokens", headers=desk,
                            json={"subject_type": "dossier", "subject": "H26-0001", "unit": "SO-XD"})

    assert issued.status_code == 201 and other_unit.status_code == 403
    assert rated.status_code == 201
    assert again.status_code == 409  # one rating per dossier


def test_an_open311_client_submits_and_follows_a_request(start_service):
    svc = start_service("feedback", workers=False)

    services = svc.client.get(f"{O311}/services.json").get_json()
    created = svc.client.post(f"{O311}/requests.json", data={
        "service_code": "delay", "description": "Hồ sơ đăng ký hộ kinh doanh quá hạn 10 ngày.",
        "lat": "21.0285", "long": "105.8542", "email": REPORTER["email"], "first_name": "Bình",
        "last_name": "Trần", "phone": REPORTER["phone"], "device_id": "dev-1", "attribute[unit]": "SO-XD"})
    request_id = created.get_json()[0]["service_request_id"]
    before = svc.client.get(f"{O311}/requests/{request_id}.json").get_json()[0]
    step(svc, request_id, "accept")
    step(svc, request_id, "answer", {"text": "Đã cấp giấy chứng nhận."})
    step(svc, request_id, "publish")
    after = svc.client.get(f"{O311}/requests/{request_id}.json").get_json()[0]
    closed = svc.client.get(f"{O311}/requests.json?status=closed&service_code=delay").get_json()
    bad = svc.client.post(f"{O311}/requests.json", data={"service_code": "weather", "description": "x"})
    missing = svc.client.get(f"{O311}/requests/PA-202611-ZZZZZZ.json")

    assert {s["service_code"] for s in services} >= {"delay", "misconduct"}
    assert all(s["type"] == "realtime" for s in services)
    assert created.status_code == 201 and request_id.startswith("PA-")
    assert (before["status"], before["status_notes"]) == ("open", "Đã tiếp nhận")
    assert "description" not in before and before["agency_responsible"] == "SO-XD"
    assert after["status"] == "closed" and "Đã cấp giấy chứng nhận." in after["status_notes"]
    assert after["description"].startswith("Hồ sơ đăng ký")
    assert [r["service_request_id"] for r in closed] == [request_id]
    assert bad.status_code == 400 and bad.get_json()[0]["code"] == 400
    assert missing.status_code == 404 and missing.get_json()[0]["code"] == 404
    shown = json.dumps([before, after, closed], ensure_ascii=False)
    for secret in ("Bình", "0987", REPORTER["email"], "dev-1"):
        assert secret not in shown


def test_a_misconduct_report_reaches_discipline_as_an_event(start_service):
    svc = start_service("feedback", workers=False)
    code = submit(svc, category="misconduct", misconduct_kind="extortion", official="CB-0042",
                  content="Cán bộ một cửa gợi ý nộp thêm tiền để hồ sơ được giải quyết nhanh.")
    without_kind = svc.client.post(URL, json={"channel": "web", "category": "misconduct", "anonymous": True,
                                              "content": "Cán bộ sách nhiễu người dân khi nộp hồ sơ."})

    event, = events(svc, "misconduct.reported")
    assert event["data"] == {"code": code, "kind": "extortion", "unit": "SO-XD", "official": "CB-0042",
                             "dossier_code": None, "received_at": "2026-11-16T09:00:00+07:00"}
    assert without_kind.status_code == 422
    assert {"misconduct_kind", "unit"} <= set(without_kind.get_json()["errors"])


def test_privacy_no_contact_data_in_events_public_reads_open311_or_logs(start_service, clock, caplog):
    caplog.set_level(logging.DEBUG)
    svc = start_service("feedback", workers=False)
    code = submit(svc)
    step(svc, code, "accept")
    token = step(svc, code, "answer", {"text": "Đã giải quyết."}).get_json()["rating_token"]
    step(svc, code, "publish")
    svc.client.post("/feedback/api/v1/ratings", json={"token": token, "overall": 3})
    clock.advance(days=30)
    deadlines.alert_feedback_deadlines(svc.runtime.uow(), "overdue")

    outputs = [json.dumps(events(svc), ensure_ascii=False),
               svc.client.get(f"{URL}/{code}").get_data(as_text=True),
               svc.client.get(f"{O311}/requests.json").get_data(as_text=True),
               caplog.text]
    for output in outputs:
        for secret in (*REPORTER.values(), "0987654321", "Trần"):
            assert secret not in output


def test_public_posts_are_rate_limited_per_client(start_service):
    svc = start_service("feedback", workers=False, rules={"feedback_rate_limit": {"per_minute": 6, "burst": 3}})

    def post(ip, n):
        return svc.client.post(URL, headers={"X-Forwarded-For": f"{ip}, 10.0.0.1"}, json={
            "channel": "web", "category": "other", "content": f"Kiến nghị số {n} về giờ làm việc.",
            "anonymous": True})

    statuses = [post("203.0.113.5", n).status_code for n in range(3)]
    limited = post("203.0.113.5", 3)
    other_client = post("198.51.100.7", 4)

    assert statuses == [201, 201, 201]
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "10"
    assert limited.get_json()["code"] == "rate_limited"
    assert other_client.status_code == 201


def test_the_same_text_again_returns_the_first_tracking_code(start_service, clock):
    svc = start_service("feedback", workers=False)
    first = svc.client.post(URL, json={"channel": "web", "category": "delay", "unit": "SO-XD",
                                       "content": "Hồ sơ quá hạn, chưa trả!", "reporter": REPORTER})
    clock.advance(minutes=3)
    again = svc.client.post(URL, json={"channel": "web", "category": "delay", "unit": "SO-XD",
                                       "content": "hồ sơ  quá hạn chưa trả", "reporter": REPORTER})
    clock.advance(minutes=11)
    later = svc.client.post(URL, json={"channel": "web", "category": "delay", "unit": "SO-XD",
                                       "content": "Hồ sơ quá hạn, chưa trả!", "reporter": REPORTER})

    assert (first.status_code, again.status_code, later.status_code) == (201, 200, 201)
    assert again.get_json()["code"] == first.get_json()["code"] != later.get_json()["code"]
    assert svc.scalar("SELECT count(*) FROM feedback") == 2


def test_attachments_are_checked_by_size_and_content(start_service):
    svc = start_service("feedback", workers=False)
    form = {"channel": "web", "category": "delay", "content": "Ảnh giấy hẹn trả kết quả đã quá hạn.",
            "unit": "SO-XD", "reporter.phone": "0912345678"}

    def post(*files):
        return svc.client.post(URL, data={**form, "attachments": list(files)}, content_type="multipart/form-data")

    png = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 100), "giay-hen.png", "image/png")
    ok = post(png)
    fake = post((io.BytesIO(b"<script>alert(1)</script>"), "anh.jpg", "image/jpeg"))
    big = post((io.BytesIO(b"%PDF-" + b"0" * (5 * 1024 * 1024)), "to.pdf", "application/pdf"))

    assert ok.status_code == 201, ok.get_json()
    assert fake.status_code == 422 and "attachments" in fake.get_json()["errors"]
    assert big.status_code == 413 and "attachments" in big.get_json()["errors"]
    office = svc.client.get(f"{URL}/{ok.get_json()['code']}", headers=svc.headers(roles=("office",))).get_json()
    assert office["attachments"] == [{"filename": "giay-hen.png", "content_type": "image/png", "size": 108}]
    assert svc.scalar("SELECT count(*) FROM feedback") == 1


def test_no_script_reaches_a_page_served_as_html(start_service):
    svc = start_service("feedback", workers=False)
    code = submit(svc, content="<script>alert('x')</script> hồ sơ chậm trễ quá lâu")
    responses = [svc.client.get(f"{URL}/{code}", headers=svc.headers(roles=("office",))),
                 svc.client.get(f"{O311}/requests/{code}.json"), svc.client.get(URL, headers=svc.headers())]
    for response in responses:
        # JSON only, and browsers told not to sniff it into HTML: the text can never run as a script.
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
