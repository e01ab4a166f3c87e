"""The public intake on PostgreSQL writes a submission in one statement (store.write_submission): the
client's allowance, the directory check, the duplicate look-up, the feedback, its reporter, its stage
deadlines and its events. What that statement folds together must still hold one by one: every accepted
submission has all its rows and its events, a duplicate writes nothing, a tracking code already taken is
retried, and a refused or limited request writes nothing but still counts against its client."""

import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from conftest import PG_ADMIN_URL
from sqlalchemy import create_engine, event

from kycuong import registry
from services.feedback import handlers
from services.feedback.use_cases import intake
from shared import migrations
from shared.events import catalog
from shared.events.envelope import Event
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import create_service_app

URL = "/feedback/api/v1/feedback"
T0 = datetime(2026, 11, 2, 9, tzinfo=timezone(timedelta(hours=7)))
GENEROUS = {"feedback_rate_limit": {"per_minute": 100_000, "burst": 100_000}}


def submission(n, **changes):
    return {"channel": "web", "category": "delay", "unit": "SO-XD",
            "content": f"Hồ sơ số {n} nộp đã quá hạn mà chưa được trả kết quả.",
            "reporter": {"name": "Nguyễn Văn An", "phone": "0901234567"}, **changes}


def with_directory(svc):
    for what, data in (("unit", {"code": "SO-XD", "name": "Sở Xây dựng", "parent": None, "kind": "department"}),
                       ("official", {"code": "CB-XD-01", "name": "Trần Thị Bình", "unit": "SO-XD",
                                     "category": "cong_chuc"})):
        upserted = Event(type=f"directory.{what}_upserted", source="/kycuong/test/discipline",
                         subject=data["code"], unit="SO-XD", time=T0, data=data)
        handlers.events[upserted.type](replace(upserted, values=catalog.load(upserted.type, upserted.data)),
                                       svc.runtime.uow())


def counts(svc):
    return {table: svc.scalar(f"SELECT count(*) FROM {table}")
            for table in ("feedback", "feedback_reporters", "feedback_deadlines", "outbox")}


def outbox_events(svc):
    with svc.runtime.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT routing_key, body FROM outbox ORDER BY id").all()
    return [(key, json.loads(bytes(body))) for key, body in rows]


@pytest.fixture
def intake_on_postgres(start_service, pg_database):
    def start(rules=GENEROUS, directory=True, replicas=1):
        url = pg_database("intake")
        services = [start_service("feedback", workers=False, database_url=url, rules=rules) for _ in range(replicas)]
        if directory:
            with_directory(services[0])
        return services if replicas > 1 else services[0]
    return start


def test_an_accepted_submission_has_its_feedback_reporter_deadlines_and_events(intake_on_postgres):
    svc = intake_on_postgres()

    named = svc.client.post(URL, json=submission(1))
    anonymous = svc.client.post(URL, json=submission(2, anonymous=True, reporter=None))
    misconduct = svc.client.post(URL, json=submission(3, category="misconduct", misconduct_kind="harassment",
                                                      official="CB-XD-01"))

    assert [r.status_code for r in (named, anonymous, misconduct)] == [201, 201, 201]
    codes = [r.get_json()["code"] for r in (named, anonymous, misconduct)]
    # Three feedback, two reporters (none kept for the anonymous one), three stages each, four events.
    assert counts(svc) == {"feedback": 3, "feedback_reporters": 2, "feedback_deadlines": 9, "outbox": 4}
    events = outbox_events(svc)
    assert [(key, event["subject"]) for key, event in events] == [
        ("feedback.received", codes[0]), ("feedback.received", codes[1]),
        ("feedback.received", codes[2]), ("misconduct.reported", codes[2])]
    assert events[0][1]["data"]["received_at"] == named.get_json()["received_at"]
    assert "0901234567" not in json.dumps([event for _, event in events])
    # The unit's officers read it with its stage deadlines, as if the ORM had written it.
    seen = svc.client.get(f"{URL}/{codes[0]}", headers=svc.headers(unit="SO-XD", roles=("officer",))).get_json()
    assert seen["status"] == "received" and seen["content"].startswith("Hồ sơ số 1")
    assert sorted(d["stage"] for d in seen["deadlines"]) == ["answer", "clarify", "refuse"]


def test_a_duplicate_returns_the_earlier_code_and_writes_nothing(intake_on_postgres):
    svc = intake_on_postgres()
    first = svc.client.post(URL, json=submission(1))
    before = counts(svc)

    again = svc.client.post(URL, json=submission(1))
    other_sender = svc.client.post(URL, json=submission(1, reporter={"name": "Lê Văn Cường", "phone": "0912345678"}))

    assert again.status_code == 200 and again.get_json()["code"] == first.get_json()["code"]
    assert other_sender.status_code == 201 and other_sender.get_json()["code"] != first.get_json()["code"]
    assert counts(svc) == {name: n + (1 if name != "feedback_deadlines" else 3) for name, n in before.items()}


def test_a_tracking_code_already_taken_is_retried_with_another(intake_on_postgres, monkeypatch):
    svc = intake_on_postgres()
    taken = svc.client.post(URL, json=submission(1)).get_json()["code"]
    offered = iter([taken, taken, "PA-202611-FRESH2"])
    monkeypatch.setattr(intake, "new_code", lambda prefix, when: next(offered))

    response = svc.client.post(URL, json=submission(2))

    assert response.status_code == 201 and response.get_json()["code"] == "PA-202611-FRESH2"
    assert counts(svc) == {"feedback": 2, "feedback_reporters": 2, "feedback_deadlines": 6, "outbox": 2}
    # The feedback that held the code first is as it was, and each event names its own feedback.
    assert svc.scalar("SELECT content FROM feedback WHERE code = :code", code=taken).startswith("Hồ sơ số 1")
    assert [event["subject"] for _, event in outbox_events(svc)] == [taken, "PA-202611-FRESH2"]


def test_when_every_code_tried_is_taken_the_answer_is_409_and_nothing_is_written(intake_on_postgres, monkeypatch):
    svc = intake_on_postgres()
    taken = svc.client.post(URL, json=submission(1)).get_json()["code"]
    monkeypatch.setattr(intake, "new_code", lambda prefix, when: taken)

    response = svc.client.post(URL, json=submission(2))

    assert response.status_code == 409
    assert counts(svc) == {"feedback": 1, "feedback_reporters": 1, "feedback_deadlines": 3, "outbox": 1}


def test_the_allowance_is_taken_in_the_same_statement_and_refusals_count_too(intake_on_postgres):
    svc = intake_on_postgres(rules={"feedback_rate_limit": {"per_minute": 6, "burst": 3}})

    def post(body, address="203.0.113.5"):
        return svc.client.post(URL, json=body, environ_base={"REMOTE_ADDR": address})

    accepted = post(submission(1))
    unknown_unit = post(submission(2, unit="SO-MA"))  # refused by the directory, inside the statement
    invalid = post(submission(3, content="ngắn"))  # refused before it
    limited = post(submission(4))
    other_client = post(submission(5), address="198.51.100.7")

    assert accepted.status_code == 201
    assert unknown_unit.status_code == 422 and list(unknown_unit.get_json()["errors"]) == ["unit"]
    assert invalid.status_code == 422 and list(invalid.get_json()["errors"]) == ["content"]
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "10"
    assert other_client.status_code == 201
    # Only the two accepted submissions were written; the refused and limited ones left no row or event.
    assert counts(svc) == {"feedback": 2, "feedback_reporters": 2, "feedback_deadlines": 6, "outbox": 2}
    assert svc.scalar("SELECT count(*) FROM outbox WHERE body LIKE '%SO-MA%'") == 0


def test_a_malformed_body_counts_against_its_client(intake_on_postgres):
    svc = intake_on_postgres(rules={"feedback_rate_limit": {"per_minute": 6, "burst": 2}})

    def post(**kwargs):
        return svc.client.post(URL, environ_base={"REMOTE_ADDR": "203.0.113.7"}, **kwargs)

    statuses = [post(data="not json", content_type="application/json").status_code for _ in range(2)]
    after = post(json=submission(1))

    assert statuses == [422, 422]
    assert after.status_code == 429
    assert counts(svc)["feedback"] == 0


def test_before_the_directory_arrives_a_named_unit_is_accepted_by_pattern(intake_on_postgres, caplog):
    svc = intake_on_postgres(directory=False)

    response = svc.client.post(URL, json=submission(1, unit="SO-CHUA-CO"))

    assert response.status_code == 201
    assert "directory has not reached the feedback service" in caplog.text


def test_concurrent_submissions_to_two_replicas_are_all_written_with_their_events(intake_on_postgres):
    replicas = intake_on_postgres(replicas=2)

    def post(n):
        response = replicas[n % 2].app.test_client().post(URL, json=submission(n))
        return response.status_code, response.get_json()["code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, range(24)))

    assert [status for status, _ in answers] == [201] * 24
    codes = {code for _, code in answers}
    assert len(codes) == 24
    svc = replicas[0]
    assert counts(svc) == {"feedback": 24, "feedback_reporters": 24, "feedback_deadlines": 72, "outbox": 24}
    assert {event["subject"] for _, event in outbox_events(svc)} == codes


def test_a_submission_is_one_statement(intake_on_postgres):
    svc = intake_on_postgres()
    svc.client.post(URL, json=submission(0))  # the pool's first connection is made outside the count
    statements = []
    listen = event.listens_for(svc.runtime.engine, "before_cursor_execute")
    listen(lambda conn, cursor, statement, *args: statements.append(statement.split()[0]))

    assert svc.client.post(URL, json=submission(1)).status_code == 201
    assert statements == ["WITH"]


def test_without_pre_ping_a_dropped_connection_costs_one_503_then_the_pool_reconnects(pg_database, tmp_path):
    url = pg_database("noping")
    settings = Settings.from_env(env={}, var_dir=tmp_path, broker_url="memory://", database_urls={"feedback": url},
                                 rules=GENEROUS)
    rt = ServiceRuntime(registry.spec("feedback"), settings, pre_ping=False)  # as `kycuong serve` builds it
    try:
        migrations.upgrade(rt.spec.migrations, rt.database_url)
        client = create_service_app(rt).test_client()
        assert client.post(URL, json=submission(1)).status_code == 201
        # The database drops the pool's idle connection (a restart, a failover).
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 f"WHERE datname = '{url.rsplit('/', 1)[1]}'")
        admin.dispose()

        dropped = client.post(URL, json=submission(2))
        after = client.post(URL, json=submission(3))

        assert dropped.status_code == 503 and dropped.headers["Retry-After"] == "5"
        assert after.status_code == 201
    finally:
        rt.dispose()


def test_a_submission_with_files_keeps_them_with_its_rows_and_counts_once(intake_on_postgres):
    svc = intake_on_postgres(rules={"feedback_rate_limit": {"per_minute": 6, "burst": 2}})
    form = {"channel": "web", "category": "delay", "content": "Ảnh giấy hẹn trả kết quả đã quá hạn.",
            "unit": "SO-XD", "reporter.phone": "0912345678"}

    def post(content):
        png = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 100), "giay-hen.png", "image/png")
        return svc.client.post(URL, data={**form, "content": content, "attachments": [png]},
                               content_type="multipart/form-data", environ_base={"REMOTE_ADDR": "203.0.113.8"})

    first = post("Ảnh giấy hẹn trả kết quả đã quá hạn.")
    unknown = svc.client.post(URL, data={**form, "unit": "SO-MA"}, content_type="multipart/form-data",
                              environ_base={"REMOTE_ADDR": "203.0.113.8"})
    limited = post("Ảnh giấy hẹn thứ hai cũng đã quá hạn.")

    assert first.status_code == 201 and unknown.status_code == 422 and limited.status_code == 429
    code = first.get_json()["code"]
    assert svc.scalar("SELECT count(*) FROM feedback_attachments WHERE feedback_code = :code", code=code) == 1
    assert counts(svc) == {"feedback": 1, "feedback_reporters": 1, "feedback_deadlines": 3, "outbox": 1}
