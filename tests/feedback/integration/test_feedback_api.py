"""Citizen feedback over HTTP: submit without an account, track by code, officers see their unit's."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from conftest import wait_until
from sqlalchemy import text

from services.feedback.schemas import FeedbackIn
from services.feedback.use_cases import intake

URL = "/feedback/api/v1/feedback"
REPORTER = {"name": "Nguyễn Thị Hoa", "phone": "0912 345 678", "email": "hoa.nguyen@example.vn",
            "address": "Số 8 ngõ 12 Phố Huế, Hai Bà Trưng"}
CONTENT = "Tôi nộp hồ sơ cấp phép xây dựng ngày 02/11/2026, đến nay quá hẹn mà chưa được trả kết quả."


def body(**changes):
    data = {"channel": "web", "category": "delay", "content": CONTENT, "unit": "SO-XD",
            "dossier_code": "000.00.15.H26-261102-0001", "reporter": dict(REPORTER)}
    data.update(changes)
    return data


_distinct = iter(range(1, 1_000_000))


def submit(svc, **changes):
    # Each call is a different complaint: the same text again within 10 minutes is a duplicate.
    changes.setdefault("content", f"{CONTENT} (lần {next(_distinct)})")
    response = svc.client.post(URL, json=body(**changes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored(svc) -> tuple[int, int, int]:
    return tuple(svc.scalar(f"SELECT count(*) FROM {table}")
                 for table in ("feedback", "feedback_reporters", "outbox"))


def outbox_events(svc) -> list[dict]:
    with svc.runtime.engine.connect() as conn:
        return [json.loads(row[0]) for row in conn.execute(text("SELECT body FROM outbox ORDER BY id"))]


def test_a_citizen_submits_without_a_token_and_gets_a_tracking_code(start_service):
    svc = start_service("feedback", workers=False)

    receipt = submit(svc)

    assert receipt["code"].startswith("PA-202611-")
    assert receipt["status"] == "received"
    assert receipt["received_at"] == "2026-11-16T09:00:00+07:00"
    assert stored(svc) == (1, 1, 1)


def test_the_public_page_of_a_code_shows_its_status_but_not_who_wrote_it_nor_what(start_service):
    svc = start_service("feedback", workers=False)
    code = submit(svc)["code"]

    response = svc.client.get(f"{URL}/{code.lower()}")  # codes are retyped by hand

    assert response.status_code == 200
    page = response.get_json()
    assert page["code"] == code
    assert (page["status"], page["status_label"]) == ("received", "Đã tiếp nhận")
    assert (page["category"], page["channel"], page["unit"]) == ("delay", "web", "SO-XD")
    assert page["answer"] is None
    shown = json.dumps(page, ensure_ascii=False)
    for secret in [*REPORTER.values(), CONTENT[:40]]:
        assert secret not in shown
    assert "reporter" not in page and "content" not in page


def test_the_unit_reads_the_content_and_only_the_office_reaches_the_reporter(start_service):
    svc = start_service("feedback", workers=False)
    code = submit(svc)["code"]

    def read_as(unit, role):
        return svc.client.get(f"{URL}/{code}", headers=svc.headers(unit=unit, roles=(role,))).get_json()

    as_unit = read_as("SO-XD", "officer")
    as_other_unit = read_as("SO-TC", "head")
    as_inspector = read_as("SO-NV", "inspector")
    as_office = read_as("VP-UBND", "office")

    assert as_unit["content"].startswith(CONTENT) and "reporter" not in as_unit
    assert "content" not in as_other_unit and "reporter" not in as_other_unit
    assert as_inspector["content"].startswith(CONTENT) and "reporter" not in as_inspector
    assert as_office["reporter"] == REPORTER


def test_the_event_carries_no_personal_data_of_the_reporter(start_service):
    svc = start_service("feedback", workers=False)
    code = submit(svc, official="CB-0042")["code"]

    (event,) = outbox_events(svc)

    assert event["type"] == "feedback.received"
    assert event["subject"] == code and event["unit"] == "SO-XD"
    assert event["data"] == {"code": code, "channel": "web", "category": "delay", "unit": "SO-XD",
                             "official": "CB-0042", "dossier_code": "000.00.15.H26-261102-0001",
                             "received_at": "2026-11-16T09:00:00+07:00", "anonymous": False}
    # Decoded, so that Vietnamese names escaped as \\uXXXX in the JSON are compared as written.
    carried = json.dumps(event, ensure_ascii=False)
    for secret in [*REPORTER.values(), "0912345678", CONTENT[:40]]:
        assert secret not in carried


def test_an_anonymous_submission_stores_no_reporter_even_if_one_is_sent(start_service):
    svc = start_service("feedback", workers=False)

    code = submit(svc, anonymous=True)["code"]

    assert stored(svc) == (1, 0, 1)
    office_view = svc.client.get(f"{URL}/{code}", headers=svc.headers(roles=("office",))).get_json()
    assert office_view["anonymous"] is True and office_view["reporter"] is None
    assert outbox_events(svc)[0]["data"]["anonymous"] is True


@pytest.mark.parametrize("changes, field", [
    ({"reporter": {"name": "Nguyễn Thị Hoa", "address": "Phố Huế"}}, "reporter"),
    ({"reporter": None}, "reporter"),
    ({"reporter": {"email": "hoa.nguyen@"}}, "reporter"),
    ({"channel": "fax"}, "channel"),
    ({"category": "weather"}, "category"),
    ({"content": "Chậm quá"}, "content"),
    ({"content": "x" * 5001}, "content"),
    ({"anonymous": "maybe"}, "anonymous"),
    ({"reporter": {"phone": "0912345678", "id_number": "001090012345"}}, "reporter"),
])
def test_an_invalid_submission_names_the_field_and_stores_nothing(start_service, changes, field):
    svc = start_service("feedback", workers=False)

    response = svc.client.post(URL, json=body(**changes))

    assert response.status_code == 422
    error = response.get_json()
    assert error["code"] == "invalid_input"
    assert field in error["errors"], error
    assert field in error["message"]
    assert stored(svc) == (0, 0, 0)


def test_a_missing_body_field_is_named(start_service):
    svc = start_service("feedback", workers=False)
    data = body()
    del data["category"]

    response = svc.client.post(URL, json=data)

    assert response.status_code == 422
    assert "category" in response.get_json()["errors"]
    assert stored(svc) == (0, 0, 0)


def test_an_unknown_code_is_404(start_service):
    svc = start_service("feedback", workers=False)

    response = svc.client.get(f"{URL}/PA-202611-ZZZZZZ")

    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_a_bad_token_on_the_public_page_is_refused_rather_than_ignored(start_service):
    svc = start_service("feedback", workers=False)
    code = submit(svc)["code"]

    response = svc.client.get(f"{URL}/{code}", headers={"Authorization": "Bearer not-a-token"})

    assert response.status_code == 401


def test_officers_list_only_their_units_feedback(start_service, clock):
    svc = start_service("feedback", workers=False)
    first = submit(svc, unit="SO-XD")["code"]
    clock.advance(hours=1)
    second = submit(svc, unit="SO-XD", category="attitude")["code"]
    submit(svc, unit="SO-TC")
    officer = svc.headers(unit="SO-XD", roles=("officer",))

    own = svc.client.get(URL, headers=officer).get_json()
    refused = svc.client.get(f"{URL}?unit=SO-TC", headers=officer)

    assert [item["code"] for item in own["items"]] == [first, second]  # oldest, most urgent, first
    assert own["total"] == 2
    assert own["items"][0]["content"].startswith(CONTENT)
    assert all("reporter" not in item for item in own["items"])
    assert refused.status_code == 403
    assert "SO-XD" in refused.get_json()["message"] and "unit" in refused.get_json()["errors"]


def test_the_office_lists_any_unit_and_filters_by_status(start_service):
    svc = start_service("feedback", workers=False)
    submit(svc, unit="SO-XD")
    submit(svc, unit="SO-TC")
    office = svc.headers(unit="VP-UBND", roles=("office",))

    everything = svc.client.get(URL, headers=office).get_json()
    one_unit = svc.client.get(f"{URL}?unit=SO-TC&status=received", headers=office).get_json()
    none_answered = svc.client.get(f"{URL}?status=answered", headers=office).get_json()
    bad_status = svc.client.get(f"{URL}?status=lost", headers=office)

    assert everything["total"] == 2
    assert [item["unit"] for item in one_unit["items"]] == ["SO-TC"]
    assert none_answered["total"] == 0
    assert bad_status.status_code == 422 and "query.status" in bad_status.get_json()["errors"]


def test_the_list_needs_a_token_and_a_unit(start_service):
    svc = start_service("feedback", workers=False)
    submit(svc)

    anonymous = svc.client.get(URL)
    unitless_officer = svc.client.get(URL, headers=svc.headers(unit=None, roles=("officer",)))

    assert anonymous.status_code == 401
    assert unitless_officer.status_code == 403


def test_the_list_pages(start_service, clock):
    svc = start_service("feedback", workers=False)
    codes = []
    for _ in range(3):
        codes.append(submit(svc)["code"])
        clock.advance(minutes=5)
    office = svc.headers(roles=("office",))

    second_page = svc.client.get(f"{URL}?page=2&page_size=2", headers=office).get_json()

    assert second_page["total"] == 3
    assert [item["code"] for item in second_page["items"]] == [codes[2]]


def test_feedback_is_received_and_tracked_on_postgresql(start_service, pg_database):
    svc = start_service("feedback", database_url=pg_database("feedback"))
    code = submit(svc, channel="hotline", category="misconduct", misconduct_kind="harassment",
                  official="CB-0042")["code"]
    submit(svc, anonymous=True, reporter=None, unit="SO-TC")

    public = svc.client.get(f"{URL}/{code}").get_json()
    office = svc.client.get(f"{URL}/{code}", headers=svc.headers(roles=("office",))).get_json()
    listed = svc.client.get(URL, headers=svc.headers(unit="SO-XD", roles=("head",))).get_json()

    assert public["received_at"] == "2026-11-16T09:00:00+07:00"
    assert public["channel_label"] == "Đường dây nóng" and "reporter" not in public
    assert office["reporter"]["email"] == REPORTER["email"]
    assert office["official"] == "CB-0042"
    assert [item["code"] for item in listed["items"]] == [code]
    assert svc.scalar("SELECT count(*) FROM feedback_reporters") == 1
    wait_until(lambda: svc.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL") == 3,
               message="the relay publishes both feedback.received events and misconduct.reported")


def test_a_letter_keyed_in_later_keeps_the_day_it_arrived(start_service, clock):
    svc = start_service("feedback", workers=False)
    arrived = datetime(2026, 10, 30, 16, 0, tzinfo=timezone(timedelta(hours=7)))
    clock.advance(days=3)  # the clerk types the October letter in on Thursday

    letter = intake.submit_feedback(svc.runtime.uow(), FeedbackIn().load(body(channel="post", unit="SO-TC")),
                                   received_at=arrived)
    online = submit(svc, unit="SO-TC")

    assert letter.code.startswith("PA-202610-")
    listed = svc.client.get(URL, headers=svc.headers(unit="SO-TC", roles=("officer",))).get_json()
    assert [item["code"] for item in listed["items"]] == [letter.code, online["code"]]
    assert listed["items"][0]["received_at"] == "2026-10-30T16:00:00+07:00"
    assert outbox_events(svc)[0]["data"]["received_at"] == "2026-10-30T16:00:00+07:00"
