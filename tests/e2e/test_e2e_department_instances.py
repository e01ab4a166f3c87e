"""Two departments run their own instance of dossiers (own units, own PostgreSQL database) against the
same RabbitMQ; central reporting ranks the units of both. Every external event reaches both instances:
each applies its own units' events and ignores the other's, without dead-lettering or counting them.
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
SXD, STP = "HN-DEP-SXD", "HN-DEP-STP"
API = "/dossiers/api/v1"
PROCEDURE = "1.001612"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    topo = Stack(tmp_path_factory.mktemp("e2e-instances-logs"))
    # Each department's one-stop system is a RabbitMQ user (broker-wide: named with the run id).
    publishers = {publisher(topo, "sxd"): [SXD], publisher(topo, "stp"): [STP]}
    env = {"KYCUONG_PUBLISHERS": json.dumps(publishers)}
    try:
        topo.open(services=("reporting",))
        topo.add_publishers(publishers)
        topo.add_instance("dossiers", f"so-xd-{topo.run}", [SXD], env)
        topo.add_instance("dossiers", f"so-tp-{topo.run}", [STP], env)
        topo.wait_ready()
    except StackError as exc:
        topo.close()
        pytest.fail(str(exc))
    yield topo
    topo.close()


def publisher(topo, department: str) -> str:
    return f"{department}-{topo.run}"


def instance(topo, name: str) -> str:
    return f"dossiers@{name}-{topo.run}"


def received(code: str, unit: str) -> CloudEvent:
    data = {"code": code, "unit": unit, "procedure_code": PROCEDURE,
            "received_at": (datetime.now(HANOI) - timedelta(hours=1)).isoformat(), "handler": "CB-DEP-1"}
    return CloudEvent({"id": str(uuid.uuid4()), "source": "/mot-cua/ha-noi", "type": "dossier.received",
                       "specversion": "1.0", "time": datetime.now(UTC), "subject": code,
                       "datacontenttype": "application/json"}, data)


def publish(topo, event: CloudEvent, user: str, password: str) -> None:
    """Publish with pika as RabbitMQ user `user`, naming it as the message's user_id (RabbitMQ checks it)."""
    params = pika.ConnectionParameters("127.0.0.1", 5672, topo.vhost, pika.PlainCredentials(user, password))
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        message = ce_rabbitmq.to_structured(event, JSONFormat())
        channel.basic_publish("kycuong.ingest", event.get_type(), message.body, mandatory=True,
                              properties=pika.BasicProperties(content_type=message.content_type, delivery_mode=2,
                                                              user_id=user))
    finally:
        connection.close()


def messages_in(topo, queue: str) -> int:
    """The queue's message count as the broker has it now (rabbitmqctl's figures lag by seconds)."""
    connection = pika.BlockingConnection(pika.URLParameters(topo.broker_url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def get(topo, key: str, path: str):
    return topo.get(key, path, headers=topo.auth(roles=("admin",)))


def test_each_instance_takes_its_own_units_and_reporting_ranks_both(stack):
    sxd, stp = instance(stack, "so-xd"), instance(stack, "so-tp")
    for key in (sxd, stp):
        r = stack.post(key, f"{API}/procedures", headers=stack.auth(roles=("admin",)), json={
            "code": PROCEDURE, "name": "Cấp giấy phép xây dựng", "processing_days": 3})
        assert r.status_code in (201, 409), r.text
    code_sxd, code_stp = f"HS-DEP-XD-{uuid.uuid4().hex[:6]}", f"HS-DEP-TP-{uuid.uuid4().hex[:6]}"
    publish(stack, received(code_sxd, SXD), publisher(stack, "sxd"), PASSWORD)
    publish(stack, received(code_stp, STP), publisher(stack, "stp"), PASSWORD)
    # guest is no registered publisher: refused by the instance of the unit it names, and only there. (The waits
    # below allow two minutes: on a loaded CI machine a batch holding the refusal took more than 30 s once.)
    intruder = received(f"HS-DEP-X-{uuid.uuid4().hex[:6]}", STP)
    publish(stack, intruder, "guest", "guest")

    wait_until(lambda: get(stack, sxd, f"{API}/dossiers/{code_sxd}").status_code == 200, timeout=120,
               message="Sở Xây dựng's instance to take its dossier")
    wait_until(lambda: get(stack, stp, f"{API}/dossiers/{code_stp}").status_code == 200, timeout=120,
               message="Sở Tư pháp's instance to take its dossier")
    assert get(stack, sxd, f"{API}/dossiers/{code_stp}").status_code == 404
    assert get(stack, stp, f"{API}/dossiers/{code_sxd}").status_code == 404

    refusals = wait_until(lambda: (r := get(stack, stp, f"{API}/ingest/rejections").json())["total"] >= 1 and r,
                          timeout=120, message="Sở Tư pháp's instance to count the refusal")
    assert [(c["publisher"], c["reason"], c["count"]) for c in refusals["counts"]] == [
        ("guest", "unknown_publisher", 1)]
    assert get(stack, sxd, f"{API}/ingest/rejections").json()["total"] == 0

    # Each instance has its own ingest queue; only the instance of the intruder's unit dead-lettered it.
    assert messages_in(stack, f"dossiers.so-xd-{stack.run}.ingest.dlq") == 0
    assert messages_in(stack, f"dossiers.so-tp-{stack.run}.ingest.dlq") == 1
    # Each instance emitted only for its own units, under its own name.
    for key, unit in ((sxd, SXD), (stp, STP)):
        engine = create_engine(stack.instance_env[key]["KYCUONG_DOSSIERS_DATABASE_URL"])
        try:
            with engine.connect() as conn:
                events = [json.loads(bytes(b)) for b in conn.execute(text("SELECT body FROM outbox")).scalars()]
        finally:
            engine.dispose()
        assert events and {e["unit"] for e in events} == {unit}
        assert {e["source"] for e in events} == {f"/kycuong/{key.split('@')[1]}/dossiers"}

    period = datetime.now(HANOI).strftime("%Y-%m")

    def ranked_units() -> set[str]:
        r = stack.get("reporting", f"/reporting/api/v1/rankings?period={period}&page_size=500")
        return {i["unit"] for i in r.json()["items"]} if r.status_code == 200 else set()

    wait_until(lambda: ranked_units() >= {SXD, STP}, timeout=120,
               message="reporting to rank the units of both instances")
