"""External one-stop systems on the real RabbitMQ: each publisher is a RabbitMQ user that may only write to
`kycuong.ingest`, publishes CloudEvents built with the `cloudevents` SDK through pika, and may only publish
for its own units. Events arrive out of order and twice; each has its effect once, in the order it happened.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pika
import pytest
from cloudevents.core.bindings import rabbitmq as ce_rabbitmq
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from conftest import wait_until
from e2e_topology import PUBLISHER_PASSWORD as PASSWORD
from e2e_topology import Stack
from sqlalchemy import create_engine, text

from kycuong.local_stack import StackError

HANOI = timezone(timedelta(hours=7))
pytestmark = pytest.mark.e2e
UNIT, OTHER_UNIT = "HN-E2E-SXD", "HN-E2E-STP"
PUBLISHER, OTHER_PUBLISHER = "e2e-motcua-sxd", "e2e-motcua-stp"
PROCEDURE = "1.001612"
API = "/dossiers/api/v1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    topo = Stack(tmp_path_factory.mktemp("e2e-ingest-logs"))
    # RabbitMQ users belong to the whole broker: this run's carry the run id, so runs never meet.
    publishers = {user(topo, PUBLISHER): [UNIT], user(topo, OTHER_PUBLISHER): [OTHER_UNIT]}
    topo.env["KYCUONG_PUBLISHERS"] = json.dumps(publishers)
    try:
        topo.open(services=("dossiers",))
        topo.add_publishers(publishers)
    except StackError as exc:
        topo.close()
        pytest.fail(str(exc))
    yield topo
    topo.close()


def user(topo, publisher: str) -> str:
    return f"{publisher}-{topo.run}"


def now_minus(**delta) -> str:
    return (datetime.now(HANOI) - timedelta(**delta)).isoformat()


def cloudevent(event_type: str, data: dict, event_id: str | None = None) -> CloudEvent:
    return CloudEvent({"id": event_id or str(uuid.uuid4()), "source": "/mot-cua/so-xay-dung", "type": event_type,
                       "specversion": "1.0", "time": datetime.now(UTC), "subject": data["code"],
                       "datacontenttype": "application/json"}, data)


def lifecycle(code: str, unit: str = UNIT) -> list[CloudEvent]:
    return [
        cloudevent("dossier.received", {"code": code, "unit": unit, "procedure_code": PROCEDURE,
                                        "received_at": now_minus(days=6), "handler": "CB-E2E-1"}),
        cloudevent("dossier.handed_over", {"code": code, "unit": unit, "at": now_minus(days=5), "to_step": "appraise",
                                           "to_official": "CB-E2E-2"}),
        cloudevent("dossier.supplement_requested", {"code": code, "unit": unit, "at": now_minus(days=4),
                                                    "reasons": ["Thiếu bản vẽ thiết kế"]}),
        cloudevent("dossier.supplement_received", {"code": code, "unit": unit, "at": now_minus(days=3)}),
        cloudevent("dossier.completed", {"code": code, "unit": unit, "completed_at": now_minus(hours=3)}),
        cloudevent("dossier.returned", {"code": code, "unit": unit, "at": now_minus(hours=1)}),
    ]


def publish(topo, events: list[CloudEvent], *, as_user: str | None, user_id: str | None, binary: bool = False):
    """Publish with pika as RabbitMQ user `as_user` (guest when None), naming `user_id` on each message."""
    credentials = pika.PlainCredentials(as_user or "guest", PASSWORD if as_user else "guest")
    params = pika.ConnectionParameters("127.0.0.1", 5672, topo.vhost, credentials)
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for event in events:
            message = (ce_rabbitmq.to_binary(event, JSONFormat()) if binary
                       else ce_rabbitmq.to_structured(event, JSONFormat()))
            channel.basic_publish(exchange="kycuong.ingest", routing_key=event.get_type(), body=message.body,
                                  properties=pika.BasicProperties(content_type=message.content_type, delivery_mode=2,
                                                                  headers=message.headers or None, user_id=user_id),
                                  mandatory=True)
    finally:
        if connection.is_open:
            connection.close()


def register_procedure(topo) -> None:
    r = topo.post("dossiers", f"{API}/procedures", headers=topo.auth(roles=("admin",)), json={
        "code": PROCEDURE, "name": "Cấp giấy phép xây dựng", "processing_days": 3,
        "steps": [{"key": "receive", "name": "Tiếp nhận", "days": 0.5},
                  {"key": "appraise", "name": "Thẩm định", "days": 1.5},
                  {"key": "approve", "name": "Phê duyệt", "days": 1}]})
    assert r.status_code in (201, 409), r.text


def dossier(topo, code: str) -> dict | None:
    r = topo.get("dossiers", f"{API}/dossiers/{code}", headers=topo.auth(roles=("admin",)))
    return r.json() if r.status_code == 200 else None


def emitted(topo, code: str) -> list[str]:
    engine = create_engine(topo.database_template.format(service="dossiers"))
    try:
        with engine.connect() as conn:
            bodies = conn.execute(text("SELECT body FROM outbox ORDER BY id")).scalars().all()
    finally:
        engine.dispose()
    return [e["type"] for e in map(lambda b: json.loads(bytes(b)), bodies) if e["subject"] == code]


def rejections(topo) -> dict:
    r = topo.get("dossiers", f"{API}/ingest/rejections", headers=topo.auth(roles=("admin",)))
    assert r.status_code == 200, r.text
    return r.json()


LIFE = ["dossier.received", "dossier.handed_over", "dossier.supplement_requested", "dossier.supplement_received",
        "dossier.completed", "dossier.returned"]
# What dossiers emits for that life: the result being ready also closes the last step (a control-sheet line).
EMITTED_LIFE = LIFE[:4] + ["dossier.handed_over"] + LIFE[4:]


def test_a_lifecycle_published_backwards_and_twice_has_each_effect_once_in_order(stack):
    register_procedure(stack)
    code = f"HS-E2E-ING-{uuid.uuid4().hex[:6].upper()}"
    events = lifecycle(code)
    backwards = list(reversed(events))
    me = user(stack, PUBLISHER)
    publish(stack, backwards[:3], as_user=me, user_id=me)
    publish(stack, backwards[3:], as_user=me, user_id=me, binary=True)  # binary mode too
    publish(stack, events, as_user=me, user_id=me)  # every event again, same ids: duplicates

    wait_until(lambda: (d := dossier(stack, code)) and d["status"] == "returned", timeout=30,
               message="the dossier to reach its return")
    assert [t for t in emitted(stack, code) if t in LIFE] == EMITTED_LIFE
    r = stack.get("dossiers", f"{API}/ingest/waiting", headers=stack.auth(roles=("admin",)))
    assert r.json()["total"] == 0


def test_publishers_are_held_to_their_credentials_and_units(stack):
    register_procedure(stack)
    me, other = user(stack, PUBLISHER), user(stack, OTHER_PUBLISHER)
    # RabbitMQ itself refuses a user_id that is not the connection's user: no one can pose as another.
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        publish(stack, lifecycle(f"HS-E2E-IMP-{uuid.uuid4().hex[:4]}")[:1], as_user=other, user_id=me)
    assert refused.value.reply_code == 406
    # And a publisher's credentials cannot write to the platform's own exchange.
    connection = pika.BlockingConnection(pika.ConnectionParameters(
        "127.0.0.1", 5672, stack.vhost, pika.PlainCredentials(me, PASSWORD)))
    try:
        channel = connection.channel()
        channel.confirm_delivery()  # so the broker's refusal is raised by the publish itself
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as forbidden:
            channel.basic_publish("kycuong.events", "dossier.received", b"{}")
    finally:
        if connection.is_open:
            connection.close()
    assert forbidden.value.reply_code == 403

    before = rejections(stack)["total"]
    anonymous = lifecycle(f"HS-E2E-ANO-{uuid.uuid4().hex[:4]}")[0]
    trespass = lifecycle(f"HS-E2E-TRS-{uuid.uuid4().hex[:4]}", unit=UNIT)[0]
    publish(stack, [anonymous], as_user=None, user_id=None)  # guest, no user_id
    publish(stack, [trespass], as_user=other, user_id=other)  # Tư pháp's system for Xây dựng's unit
    summary = wait_until(lambda: (s := rejections(stack))["total"] >= before + 2 and s, timeout=30,
                         message="both refusals counted")
    by_id = {r["event_id"]: r for r in summary["recent"]}
    assert by_id[anonymous.get_id()]["reason"] == "no_publisher"
    assert by_id[trespass.get_id()]["reason"] == "unit_not_allowed"
    assert by_id[trespass.get_id()]["publisher"] == other
    assert dossier(stack, trespass.get_data()["code"]) is None

    connection = pika.BlockingConnection(pika.URLParameters(stack.broker_url))
    try:
        dead = connection.channel().queue_declare("dossiers.ingest.dlq", passive=True).method.message_count
    finally:
        connection.close()
    assert dead >= 2
