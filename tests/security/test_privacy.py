"""Issue 14's privacy suite: a citizen's name, phone and e-mail, submitted through every channel, are found
nowhere but their own tables (feedback_reporters, dossier_applicants, ratings' comment) and the views of
those who hold a token for them: not in any event (every outbox is read: what was published), not in
reporting's event archive or any other table, not in a log record, not on a public page or endpoint
(tracking, rankings, public lists, Open311), not in the text of an issued report's XLSX and PDF.

Each channel gets its own values, so a finding names the channel that let them through."""

from __future__ import annotations

import io
import json
import logging
import unicodedata
import uuid
from datetime import UTC, datetime

import openpyxl
import pdf_text
import pytest
from security_world import (
    CHILD,
    NOW,
    OTHER,
    PROCEDURE,
    PUBLISHER,
    SERVICES,
    running_world,
    wait_for_quiet,
    wait_until,
)
from sqlalchemy import inspect, text

from shared.logging import QUIET, JsonFormatter


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    yield from running_world(tmp_path_factory)

CHANNELS = ("feedback-json", "feedback-multipart", "open311", "dossier-api", "dossier-ingest", "rating-comment")


def citizen(i: int) -> dict[str, str]:
    return {"name": f"Nguyễn Thị Riêngtư{'JMODIR'[i]}", "phone": f"098765432{i}", "email": f"rieng.tu{i}@example.vn"}


CITIZEN = {channel: citizen(i) for i, channel in enumerate(CHANNELS)}
# Where each may be stored: (service, table)
OWN_TABLES = {("feedback", "feedback_reporters"), ("feedback", "ratings"), ("dossiers", "dossier_applicants")}


class Everything(logging.Handler):
    """Every log record of every logger: the line the platform writes (JSON) and the record's own fields."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record):
        try:
            self.lines.append(f"{self.format(record)} {record.__dict__!r}")
        except Exception as exc:  # a record that cannot be formatted is a finding of its own
            self.lines.append(f"unformattable record {record.msg!r}: {exc}")


@pytest.fixture
def every_log_record():
    """Every record at the level the platform logs by default (KYCUONG_LOG_LEVEL, INFO): the loggers keep
    their own levels, as `shared.logging.configure` leaves them."""
    handler = Everything()
    root = logging.getLogger()
    saved = [(logger, logger.level) for logger in (root, *map(logging.getLogger, QUIET))]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in QUIET:  # as configure leaves them: the libraries' narration is not the platform's log
        logging.getLogger(name).setLevel(logging.WARNING)
    yield handler
    root.removeHandler(handler)
    for logger, level in saved:
        logger.setLevel(level)


def found_in(haystack: str) -> list[str]:
    haystack = unicodedata.normalize("NFC", haystack)
    return [f"{channel}:{key}" for channel, values in CITIZEN.items() for key, value in values.items()
            if value in haystack or (key == "phone" and value[1:] in haystack)]


def tables_of(world, service: str) -> dict[str, str]:
    engine = world.platform.runtimes[service].engine
    out = {}
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            out[table] = " ".join(
                (bytes(v).decode("utf-8", "replace") if isinstance(v, bytes | memoryview) else str(v))
                for row in rows for v in row)
    return out


def submit_through_every_channel(world) -> dict[str, str]:
    """One submission per channel, each moved on as its people would; the codes by channel."""
    officer = {"role": "officer", "unit": CHILD}
    codes = {}
    who = CITIZEN["feedback-json"]
    codes["feedback-json"] = world.ok("POST", "/feedback/api/v1/feedback", role=None, json={
        "channel": "web", "category": "delay", "unit": CHILD, "content": "Hồ sơ của tôi quá hẹn đã lâu.",
        "reporter": {**who, "address": "Số 1 phố Riêng Tư"}})["code"]
    who = CITIZEN["feedback-multipart"]
    codes["feedback-multipart"] = world.ok("POST", "/feedback/api/v1/feedback", role=None, data={
        "channel": "web", "category": "attitude", "unit": CHILD, "content": "Cán bộ tiếp dân thiếu niềm nở.",
        "reporter.name": who["name"], "reporter.phone": who["phone"], "reporter.email": who["email"]},
        content_type="multipart/form-data")["code"]
    who = CITIZEN["open311"]
    first, last = who["name"].rsplit(" ", 1)
    codes["open311"] = world.ok("POST", "/feedback/open311/v2/requests.json", role=None, data={
        "service_code": "delay", "description": "Chờ kết quả quá hạn hai tuần.", "first_name": first,
        "last_name": last, "phone": who["phone"], "email": who["email"], "attribute[unit]": CHILD})[0][
        "service_request_id"]
    who = CITIZEN["dossier-api"]
    codes["dossier-api"] = world.ok("POST", "/dossiers/api/v1/dossiers", **officer, json={
        "procedure_code": PROCEDURE, "unit": CHILD, "handler": f"{CHILD}-O", "received_at": "2026-11-16T08:40:00+07:00",
        "applicant": {**who, "address": "Số 2 phố Riêng Tư"}})["code"]
    who = CITIZEN["dossier-ingest"]
    codes["dossier-ingest"] = f"000.00.99.H26-261116-{uuid.uuid4().hex[:4].upper()}"
    event = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "/mot-cua/kiem-thu", "type": "dossier.received",
             "time": datetime.now(UTC).isoformat(), "subject": codes["dossier-ingest"],
             "datacontenttype": "application/json",
             "data": {"code": codes["dossier-ingest"], "unit": CHILD, "procedure_code": PROCEDURE,
                      "received_at": "2026-11-16T08:45:00+07:00", "handler": f"{CHILD}-O", "applicant": who}}
    ingested = world.ok("POST", "/dossiers/api/v1/ingest/events", role="publisher", sub=PUBLISHER, json=[event])
    assert [r["outcome"] for r in ingested["results"]] == ["accepted"], ingested

    # The feedback through its steps to a published answer (every step's event), the dossiers finished.
    for code in (codes["feedback-json"], codes["feedback-multipart"], codes["open311"]):
        world.ok("POST", f"/feedback/api/v1/feedback/{code}/accept", **officer, json={})
        world.ok("POST", f"/feedback/api/v1/feedback/{code}/answer", **officer, json={"text": "Đã giải quyết xong."})
        world.ok("POST", f"/feedback/api/v1/feedback/{code}/publish", **officer, json={})
    world.ok("POST", f"/dossiers/api/v1/dossiers/{codes['dossier-api']}/completion", **officer, json={})
    token = world.ok("POST", "/feedback/api/v1/rating-tokens", **officer, json={
        "subject_type": "dossier", "subject": codes["dossier-api"], "unit": CHILD})["token"]
    who = CITIZEN["rating-comment"]
    world.ok("POST", "/feedback/api/v1/ratings", role=None, json={
        "token": token, "overall": 2, "comment": f"Tôi là {who['name']}, gọi {who['phone']} hoặc {who['email']}"})
    return codes


def archived(world, subject: str) -> int:
    with world.platform.runtimes["reporting"].engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM event_archive WHERE subject = :s"), {"s": subject}).scalar()


def test_a_citizens_data_stays_with_its_own_tables_and_token_holders(world, every_log_record):
    codes = submit_through_every_channel(world)
    # The month's report can be issued once its figures are cut off (the 20th).
    world.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=NOW.tzinfo))
    report = world.ok("POST", "/reporting/api/v1/reports", role="office", json={"kind": "monthly", "period": "2026-11"})
    wait_for_quiet(world)
    wait_until(lambda: archived(world, codes["dossier-api"]) and archived(world, codes["open311"]),
               message="reporting archived the dossiers' and the feedback's events")

    # The search finds what is there: each channel's values in its own table (the ingested applicant, which
    # the event schema does not carry, nowhere).
    tables = {service: tables_of(world, service) for service in SERVICES}
    kept = set(found_in(tables["feedback"]["feedback_reporters"] + tables["feedback"]["ratings"]
                        + tables["dossiers"]["dossier_applicants"]))
    assert kept == {f"{channel}:{key}" for channel in CHANNELS if channel != "dossier-ingest"
                    for key in ("name", "phone", "email")}, kept

    where: dict[str, list[str]] = {}

    def search(place: str, haystack: str) -> None:
        if hits := found_in(haystack):
            where[place] = hits

    for service in SERVICES:
        for table, content in tables[service].items():
            if (service, table) not in OWN_TABLES:
                search(f"{service} table {table}", content)
    assert any('"logger": "services.' in line for line in every_log_record.lines), \
        "no record of the platform's own was captured: the search of the logs would prove nothing"
    for line in every_log_record.lines:
        search("a log record", line)

    public = ["/reporting/api/v1/rankings", "/reporting/api/v1/public/rankings",
              "/reporting/api/v1/public/good-performers", "/reporting/api/v1/public/violators",
              "/reporting/api/v1/public/good-individuals", "/reporting/api/v1/public/violating-units",
              f"/reporting/api/v1/units/{CHILD}/scorecard", "/feedback/open311/v2/services.json",
              "/feedback/open311/v2/requests.json",
              "/dossiers/api/v1/procedures", "/"]
    for channel, code in codes.items():
        if channel.startswith("dossier"):
            public += [f"/dossiers/api/v1/dossiers/{code}", f"/dossiers/api/v1/dossiers/{code}/deadline"]
        elif channel != "rating-comment":
            public += [f"/feedback/api/v1/feedback/{code}", f"/feedback/open311/v2/requests/{code}.json"]
    for path in public:
        for role, unit in ((None, None), ("publisher", None), ("officer", OTHER), ("head", OTHER)):
            response = world.call("GET", path, role=role, unit=unit,
                                  **({"sub": PUBLISHER} if role == "publisher" else {}))
            assert response.status_code == 200, (path, role, response.status_code)
            search(f"GET {path} as {role or 'anyone'}", response.get_data(as_text=True) + json.dumps(
                response.get_json(silent=True), ensure_ascii=False))

    for fmt in ("xlsx", "pdf"):
        response = world.call("GET", f"/reporting/api/v1/reports/{report['code']}.{fmt}", role="office")
        assert response.status_code == 200, (fmt, response.get_data(as_text=True)[:300])
        if fmt == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(response.data))
            content = " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True)
                               for cell in row if cell is not None)
        else:
            content = pdf_text.text(response.data)
        # The text was read (the search in it proves something): the report names the unit.
        assert "Phòng Kiểm thử" in unicodedata.normalize("NFC", content), (fmt, content[:500])
        search(f"the issued report's {fmt.upper()}", content)

    # The token holders do see what they need: the unit's officer the applicant, the office the reporter.
    dossier = world.ok("GET", f"/dossiers/api/v1/dossiers/{codes['dossier-api']}", role="officer", unit=CHILD)
    reporter = world.ok("GET", f"/feedback/api/v1/feedback/{codes['feedback-json']}", role="office")
    assert dossier["applicant"]["phone"] == CITIZEN["dossier-api"]["phone"]
    assert reporter["reporter"]["email"] == CITIZEN["feedback-json"]["email"]

    assert where == {}, "\n".join(f"{place}: {hits}" for place, hits in where.items())


def test_debug_logs_hold_no_citizens_data(world):
    """What an operator gets with KYCUONG_LOG_LEVEL=DEBUG (shared.logging.configure("DEBUG")): the root
    logger at DEBUG, the loggers it quietens (kombu, amqp, werkzeug…) at WARNING. SQLAlchemy keeps its own
    loggers at WARNING unless told otherwise, so no statement's rows reach the log."""
    handler = Everything()
    root = logging.getLogger()
    quiet = QUIET
    saved = [(logger, logger.level) for logger in (root, *map(logging.getLogger, quiet))]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        who = CITIZEN["dossier-api"]
        code = world.ok("POST", "/dossiers/api/v1/dossiers", role="officer", unit=CHILD, json={
            "procedure_code": PROCEDURE, "unit": CHILD, "handler": f"{CHILD}-O", "applicant": who})["code"]
        world.ok("GET", f"/dossiers/api/v1/dossiers/{code}", role="officer", unit=CHILD)
    finally:
        root.removeHandler(handler)
        for logger, level in saved:
            logger.setLevel(level)
    assert [line[:300] for line in handler.lines if found_in(line)] == []
