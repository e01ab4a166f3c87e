"""The whole life of external dossiers on `kycuong.ingest` and POST /ingest/events (in-memory broker,
SQLite): out of order, duplicated, from publishers with and without the right to their units."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cloudevents.core.bindings import rabbitmq as ce_rabbitmq
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from conftest import drain, wait_until

from shared import broker
from shared.events.envelope import CONTENT_TYPE
from shared.topology import declare_exchanges

HANOI = timezone(timedelta(hours=7))
API = "/dossiers/api/v1"
HK, BD = "PHUONG-HOAN-KIEM", "PHUONG-BA-DINH"
PUBLISHERS = {"motcua-hoankiem": (HK,), "motcua-badinh": (BD,)}
PROCEDURE = "1.001612"


def at(day: int, hour: int, minute: int = 0) -> str:
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI).isoformat()


def ce(event_type: str, data: dict, event_id: str | None = None) -> dict:
    """A CloudEvent (structured JSON as a dict) as a one-stop system sends it."""
    return {"specversion": "1.0", "id": event_id or str(uuid.uuid4()), "source": "/mot-cua/ha-noi",
            "type": event_type, "time": datetime.now(UTC).isoformat(), "subject": data["code"],
            "datacontenttype": "application/json", "data": data}


def lifecycle(code: str, unit: str = HK) -> list[dict]:
    """A dossier's life in the order it happened: received, handed over, supplement asked and given,
    result ready, returned to the citizen."""
    return [
        ce("dossier.received", {"code": code, "unit": unit, "procedure_code": PROCEDURE,
                                "received_at": at(16, 9), "handler": "CB-001"}),
        ce("dossier.handed_over", {"code": code, "unit": unit, "at": at(16, 14), "from_step": "receive",
                                   "to_step": "appraise", "from_official": "CB-001", "to_official": "CB-002"}),
        ce("dossier.supplement_requested", {"code": code, "unit": unit, "at": at(17, 10), "official": "CB-002",
                                            "reasons": ["Thiếu bản sao giấy chứng nhận quyền sử dụng đất"]}),
        ce("dossier.supplement_received", {"code": code, "unit": unit, "at": at(18, 10)}),
        ce("dossier.completed", {"code": code, "unit": unit, "completed_at": at(19, 15), "official": "CB-003"}),
        ce("dossier.returned", {"code": code, "unit": unit, "at": at(20, 9)}),
    ]


def send(broker_url: str, event: dict, user_id: str | None = None) -> None:
    """Publish on kycuong.ingest as the publisher `user_id` (RabbitMQ would vouch for it)."""
    conn = broker.connect(broker_url)
    try:
        declare_exchanges(conn)
        properties = {"user_id": user_id} if user_id else {}
        conn.Producer().publish(json.dumps(event).encode(), exchange="kycuong.ingest", routing_key=event["type"],
                                content_type=CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2, headers={},
                                **properties)
    finally:
        conn.release()


@pytest.fixture
def dossiers(start_service, clock):
    clock.set(datetime(2026, 11, 20, 17, 0, tzinfo=HANOI))

    def start(**settings):
        svc = start_service("dossiers", workers=True, sweeps=False, **settings)
        created = svc.client.post(f"{API}/procedures", headers=svc.headers(roles=("admin",)), json={
            "code": PROCEDURE, "name": "Cấp giấy phép xây dựng", "processing_days": 3,
            "steps": [{"key": "receive", "name": "Tiếp nhận", "days": 0.5},
                      {"key": "appraise", "name": "Thẩm định", "days": 1.5},
                      {"key": "approve", "name": "Phê duyệt", "days": 1}]})
        assert created.status_code in (201, 409), created.get_json()
        return svc

    return start


def status(svc, code: str) -> str | None:
    return svc.scalar("SELECT status FROM dossiers WHERE code = :c", c=code)


def emitted(svc, code: str) -> list[str]:
    """The types dossiers emitted about a dossier, in the order it recorded them."""
    with svc.runtime.engine.connect() as conn:
        from sqlalchemy import text

        rows = conn.execute(text("SELECT body FROM outbox ORDER BY id")).scalars()
        events = [json.loads(bytes(body)) for body in rows]
    return [e["type"] for e in events if e["subject"] == code]


def waiting(svc) -> dict:
    r = svc.client.get(f"{API}/ingest/waiting", headers=svc.headers(roles=("admin",)))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def rejections(svc) -> dict:
    r = svc.client.get(f"{API}/ingest/rejections", headers=svc.headers(roles=("admin",)))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


LIFE = ["dossier.received", "dossier.handed_over", "dossier.supplement_requested", "dossier.supplement_received",
        "dossier.completed", "dossier.returned"]
# What dossiers emits for that life: the result being ready also closes the last step (a control-sheet line).
EMITTED_LIFE = LIFE[:4] + ["dossier.handed_over"] + LIFE[4:]


def test_a_lifecycle_arriving_backwards_waits_and_is_applied_in_the_order_it_happened(dossiers, memory_broker):
    svc = dossiers()
    code = "000.00.20.H26-261116-0101"
    for event in reversed(lifecycle(code)):
        send(memory_broker, event)
    wait_until(lambda: status(svc, code) == "returned", message="the dossier to reach its end")

    assert [t for t in emitted(svc, code) if t in LIFE] == EMITTED_LIFE
    assert waiting(svc)["total"] == 0
    body = svc.client.get(f"{API}/dossiers/{code}", headers=svc.headers(roles=("admin",))).get_json()
    assert body["completed_at"] == at(19, 15)
    assert drain(memory_broker, "dossiers.ingest.dlq") == []


def test_events_that_wait_are_listed_until_what_they_wait_for_arrives(dossiers, memory_broker):
    svc = dossiers()
    code = "000.00.20.H26-261116-0102"
    received, _, requested, supplemented, completed, returned = lifecycle(code)
    send(memory_broker, received)
    wait_until(lambda: status(svc, code) == "received", message="the dossier")
    send(memory_broker, supplemented)  # before its request
    send(memory_broker, returned)  # before the result is ready
    listed = wait_until(lambda: (w := waiting(svc))["total"] == 2 and w, message="two waiting events")
    assert {(i["event_type"], i["waiting_for"]) for i in listed["items"]} == {
        ("dossier.supplement_received", "dossier.supplement_requested"),
        ("dossier.returned", "dossier.completed")}
    assert status(svc, code) == "received"

    send(memory_broker, requested)
    wait_until(lambda: waiting(svc)["total"] == 1, message="the supplement to be applied after its request")
    assert status(svc, code) == "received"  # the supplement came: the clock runs again
    send(memory_broker, completed)
    wait_until(lambda: status(svc, code) == "returned", message="the return after the result")
    assert waiting(svc)["total"] == 0
    assert "kycuong_ingest_waiting 0.0" in svc.client.get("/metrics").get_data(as_text=True)


def test_duplicates_have_their_effect_once(dossiers, memory_broker):
    svc = dossiers()
    code = "000.00.20.H26-261116-0103"
    events = lifecycle(code)
    for event in events[:5]:
        send(memory_broker, event)
        send(memory_broker, event)  # redelivered, or sent again by the publisher, with the same id
    wait_until(lambda: status(svc, code) == "completed", message="the result")
    # The same completion sent again under a new id cannot apply twice: refused, dead-lettered.
    again = dict(events[4], id=str(uuid.uuid4()))
    send(memory_broker, again)
    [(body, headers)] = wait_until(lambda: drain(memory_broker, "dossiers.ingest.dlq"),
                                   message="the second completion in the dead-letter queue")
    assert json.loads(body)["id"] == again["id"]
    assert headers["x-kycuong-reason"].startswith("conflict")

    assert [t for t in emitted(svc, code) if t in LIFE] == EMITTED_LIFE[:6]
    summary = wait_until(lambda: (s := rejections(svc))["total"] == 1 and s, message="the refusal counted")
    assert [(c["publisher"], c["reason"], c["label"], c["count"]) for c in summary["counts"]] == [
        (None, "refused", "Trạng thái hồ sơ không cho phép", 1)]


def test_waiting_events_are_not_lost_when_the_service_restarts(dossiers, memory_broker):
    first = dossiers()
    code = "000.00.20.H26-261116-0104"
    received, handed_over, *_ = lifecycle(code)
    send(memory_broker, handed_over)
    wait_until(lambda: waiting(first)["total"] == 1, message="the hand-over to wait")
    first.stop.set()
    first.runtime.join_workers()

    second = dossiers()  # the same database file, a new process as far as the service can tell
    assert waiting(second)["total"] == 1
    send(memory_broker, received)
    wait_until(lambda: emitted(second, code)[:2] == ["dossier.received", "dossier.handed_over"],
               message="the parked hand-over to be applied after the dossier")
    assert waiting(second)["total"] == 0


def test_publishers_may_only_publish_for_their_own_units_and_refusals_are_counted(dossiers, memory_broker):
    svc = dossiers(publishers=PUBLISHERS)
    mine = "000.00.20.H26-261116-0105"
    received = lifecycle(mine)[0]
    send(memory_broker, received, user_id="motcua-hoankiem")
    wait_until(lambda: status(svc, mine) == "received", message="the dossier of the publisher's own unit")

    anonymous = lifecycle("000.00.20.H26-261116-0106")[0]
    stranger = lifecycle("000.00.20.H26-261116-0107")[0]
    other_unit = lifecycle("000.00.20.H26-261116-0108")[0]
    # Ba Đình's system tries to finish Hoàn Kiếm's dossier, claiming it is its own unit's.
    hijack = ce("dossier.completed", {"code": mine, "unit": BD, "completed_at": at(19, 15)})
    send(memory_broker, anonymous)
    send(memory_broker, stranger, user_id="motcua-unknown")
    send(memory_broker, other_unit, user_id="motcua-badinh")
    send(memory_broker, other_unit, user_id="motcua-badinh")  # sent twice: one event, counted once
    send(memory_broker, hijack, user_id="motcua-badinh")
    dead = []
    wait_until(lambda: dead.extend(drain(memory_broker, "dossiers.ingest.dlq")) or len(dead) >= 5,
               message="five dead letters")

    reasons = {json.loads(body)["id"]: headers["x-kycuong-reason"].split(":")[0] for body, headers in dead}
    assert reasons == {anonymous["id"]: "no_publisher", stranger["id"]: "unknown_publisher",
                       other_unit["id"]: "unit_not_allowed", hijack["id"]: "unit_not_allowed"}
    assert status(svc, mine) == "received"
    assert svc.scalar("SELECT count(*) FROM dossiers") == 1

    summary = wait_until(lambda: (s := rejections(svc))["total"] == 4 and s, message="four rejections counted")
    counts = {(c["publisher"], c["reason"]): c["count"] for c in summary["counts"]}
    assert counts == {(None, "no_publisher"): 1, ("motcua-unknown", "unknown_publisher"): 1,
                      ("motcua-badinh", "unit_not_allowed"): 2}
    hijacked = next(r for r in summary["recent"] if r["event_id"] == hijack["id"])
    assert HK in hijacked["detail"] and hijacked["dossier_code"] == mine
    metrics = svc.client.get("/metrics").get_data(as_text=True)
    assert 'kycuong_ingest_rejected_total{publisher="motcua-badinh",reason="unit_not_allowed"}' in metrics
    forbidden = svc.client.get(f"{API}/ingest/rejections", headers=svc.headers(roles=("officer",), unit=HK))
    assert forbidden.status_code == 403


def test_an_instance_ignores_the_units_another_instance_serves(dossiers, memory_broker):
    svc = dossiers(publishers=PUBLISHERS, units=(HK,))
    theirs = lifecycle("000.00.20.H26-261116-0109", unit=BD)[0]
    ours = lifecycle("000.00.20.H26-261116-0110", unit=HK)[0]
    send(memory_broker, theirs, user_id="motcua-badinh")
    send(memory_broker, dict(theirs, id=str(uuid.uuid4())))  # even without credentials: not ours to judge
    send(memory_broker, ours, user_id="motcua-hoankiem")
    wait_until(lambda: status(svc, ours["data"]["code"]) == "received", message="our unit's dossier")

    assert status(svc, theirs["data"]["code"]) is None
    assert rejections(svc)["total"] == 0
    # A department's instance has its own ingest queue, so every instance sees every event.
    assert drain(memory_broker, "dossiers.local.ingest.dlq") == []
    assert svc.runtime.settings.instance == "local"


def test_binary_mode_events_are_accepted(dossiers, memory_broker):
    svc = dossiers()
    code = "000.00.20.H26-261116-0111"
    event = lifecycle(code)[0]
    attributes = {k: v for k, v in event.items() if k != "data"}
    attributes["time"] = datetime.now(UTC)
    message = ce_rabbitmq.to_binary(CloudEvent(attributes, event["data"]), JSONFormat())
    conn = broker.connect(memory_broker)
    try:
        declare_exchanges(conn)
        conn.Producer().publish(message.body, exchange="kycuong.ingest", routing_key="dossier.received",
                                content_type=message.content_type, headers=message.headers)
    finally:
        conn.release()
    wait_until(lambda: status(svc, code) == "received", message="the binary-mode dossier")


# -- POST /ingest/events ------------------------------------------------------------------------------

def test_http_batch_gives_one_result_per_event(dossiers):
    svc = dossiers(publishers=PUBLISHERS)
    code = "000.00.20.H26-261116-0112"
    received, handed_over, *_ = lifecycle(code)
    missing_at = ce("dossier.handed_over", {"code": code, "unit": HK, "to_step": "approve"})
    foreign = lifecycle("000.00.20.H26-261116-0113", unit=BD)[0]
    batch = [handed_over, received, received, missing_at, foreign, {"no": "envelope"}]
    token = svc.headers(sub="motcua-hoankiem", roles=("publisher",))

    r = svc.client.post(f"{API}/ingest/events", json=batch, headers=token)
    assert r.status_code == 207, r.get_json()
    body = r.get_json()
    outcomes = [(x["outcome"], x.get("reason")) for x in body["results"]]
    assert outcomes == [("waiting", None), ("accepted", None), ("duplicate", None), ("rejected", "invalid"),
                        ("rejected", "unit_not_allowed"), ("rejected", "invalid")]
    assert (body["accepted"], body["duplicate"], body["waiting"], body["rejected"]) == (1, 1, 1, 3)
    assert "at" in body["results"][3]["errors"]
    # The hand-over waited for the dossier and was applied as soon as it was received.
    assert emitted(svc, code)[:2] == ["dossier.received", "dossier.handed_over"]
    assert waiting(svc)["total"] == 0

    # Sent again, as application/cloudevents-batch+json: the accepted ones have had their effect.
    again = svc.client.post(f"{API}/ingest/events", data=json.dumps(batch[:2]), headers=token,
                            content_type="application/cloudevents-batch+json")
    assert again.status_code == 200, again.get_json()
    assert [x["outcome"] for x in again.get_json()["results"]] == ["duplicate", "duplicate"]
    assert rejections(svc)["total"] == 3


def test_http_batch_needs_a_publisher_token(dossiers):
    svc = dossiers()
    event = lifecycle("000.00.20.H26-261116-0114")[0]
    assert svc.client.post(f"{API}/ingest/events", json=[event]).status_code == 401
    officer = svc.headers(roles=("officer",), unit=HK)
    assert svc.client.post(f"{API}/ingest/events", json=[event], headers=officer).status_code == 403
    assert svc.scalar("SELECT count(*) FROM dossiers") == 0
