"""The chain the platform exists for, across separate processes on RabbitMQ and PostgreSQL:

an external one-stop system publishes an already-late `dossier.received` on `kycuong.ingest` →
dossiers' sweep emits `dossier.overdue` → discipline asks the official and the unit's head to explain
→ reporting's ranking shows the unit's overdue dossier. Then again with the broker restarted in the
middle of the flow: nothing is lost.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pika
import pytest
from cloudevents.core.bindings import rabbitmq as ce_rabbitmq
from cloudevents.core.v1.event import CloudEvent
from conftest import wait_until
from e2e_topology import restart_broker, running_topology

HANOI = timezone(timedelta(hours=7))
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    yield from running_topology(tmp_path_factory)


def period_now() -> str:
    return datetime.now(HANOI).strftime("%Y-%m")


def setup_directory(topo, unit: str, unit_name: str, official: str, head: str) -> None:
    admin = topo.auth(roles=("admin",))
    r = topo.post("discipline", "/discipline/api/v1/units", headers=admin,
                  json={"code": unit, "name": unit_name, "parent": None, "kind": "department"})
    assert r.status_code == 200, r.text
    for code, name, leader in ((official, "Nguyễn Văn Bình", False), (head, "Trần Thị Hạnh", True)):
        r = topo.post("discipline", "/discipline/api/v1/officials", headers=admin,
                      json={"code": code, "name": name, "unit": unit, "position": "Chuyên viên" if not leader
                            else "Giám đốc", "category": "cong_chuc", "is_leader": leader})
        assert r.status_code == 200, r.text
    r = topo.post("discipline", f"/discipline/api/v1/units/{unit}/heads", headers=admin,
                  json={"official": head, "since": "2024-01-01"})
    assert r.status_code == 200, r.text


def register_procedure(topo, code: str) -> None:
    r = topo.post("dossiers", "/dossiers/api/v1/procedures", headers=topo.auth(roles=("admin",)),
                  json={"code": code, "name": "Đăng ký thành lập hộ kinh doanh", "processing_days": 3,
                        "steps": [{"key": "receive", "name": "Tiếp nhận", "days": 0.5},
                                  {"key": "appraise", "name": "Thẩm định", "days": 1.5},
                                  {"key": "approve", "name": "Phê duyệt", "days": 1}]})
    assert r.status_code in (201, 409), r.text


def external_dossier_received(code: str, procedure: str, unit: str, handler: str, received_at: datetime) -> bytes:
    """What a provincial one-stop system sends, built with the cloudevents SDK."""
    event = CloudEvent(
        {"id": str(uuid.uuid4()), "source": "/mot-cua/ha-noi", "type": "dossier.received",
         "specversion": "1.0", "time": datetime.now(UTC), "subject": code, "datacontenttype": "application/json"},
        {"code": code, "procedure_code": procedure, "unit": unit, "received_at": received_at.isoformat(),
         "handler": handler},
    )
    return ce_rabbitmq.to_structured_event(event)


def publish_with_pika(topo, messages) -> None:
    params = pika.URLParameters(topo.broker_url)
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for message in messages:
            channel.basic_publish(
                exchange="kycuong.ingest", routing_key="dossier.received", body=message.body,
                properties=pika.BasicProperties(content_type=message.content_type, delivery_mode=2,
                                                headers=message.headers or None),
                mandatory=True,
            )
    finally:
        connection.close()


def about_apology(request: dict) -> bool:
    """An explanation asked of the head because the unit did not apologise before the legal due date."""
    return "xin lỗi" in request["reason"]


def explanations(topo, dossier_code: str) -> list[dict]:
    r = topo.get("discipline", f"/discipline/api/v1/explanations?subject={dossier_code}",
                 headers=topo.auth(roles=("inspector",)))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def ranking_entry(topo, unit: str) -> dict | None:
    r = topo.get("reporting", f"/reporting/api/v1/rankings?period={period_now()}&page_size=500")
    assert r.status_code == 200, r.text
    return next((item for item in r.json()["items"] if item["unit"] == unit), None)


def test_an_overdue_external_dossier_reaches_explanations_and_the_ranking(topology):
    unit, official, head = "HN-E2E-SXD", "CB-E2E-001", "CB-E2E-GD"
    setup_directory(topology, unit, "Sở Xây dựng (thử nghiệm)", official, head)
    register_procedure(topology, "1.001612")
    # Received ten days ago: with three working days it is overdue now, whatever today is.
    received_at = datetime.now(HANOI) - timedelta(days=10)
    code = f"HS-E2E-{uuid.uuid4().hex[:6].upper()}"
    publish_with_pika(topology, [external_dossier_received(code, "1.001612", unit, official, received_at)])

    dossier = wait_until(lambda: (r := topology.get("dossiers", f"/dossiers/api/v1/dossiers/{code}",
                                                    headers=topology.auth(roles=("admin",)))).status_code == 200
                         and r.json(), timeout=30, message="the dossier to be ingested")
    assert dossier["procedure_code"] == "1.001612"

    # The official and the head explain the lateness; the unit sent no apology before the legal due date
    # (Decree 61/2018/ND-CP art. 19), so the head also explains that breach.
    requests_ = wait_until(lambda: len(found := explanations(topology, code)) >= 3 and found, timeout=30,
                           message="explanation requests for the official, the head and the missing apology")
    lateness = {item["role"]: item for item in requests_ if not about_apology(item)}
    assert lateness["official"]["official"] == official
    assert lateness["head"]["official"] == head
    assert [(item["role"], item["official"]) for item in requests_ if about_apology(item)] == [("head", head)]
    assert len(requests_) == 3

    entry = wait_until(lambda: (e := ranking_entry(topology, unit)) and e["overdue_open"] >= 1 and e,
                       timeout=30, message="the ranking to show the overdue dossier")
    assert entry["unit_name"] == "Sở Xây dựng (thử nghiệm)"
    assert entry["received"] >= 1
    assert entry["on_time_rate"] < 1


def test_a_broker_restart_in_the_middle_of_the_flow_loses_nothing(topology):
    unit, official, head = "HN-E2E-STP", "CB-E2E-101", "CB-E2E-102"
    setup_directory(topology, unit, "Sở Tư pháp (thử nghiệm)", official, head)
    register_procedure(topology, "1.001612")
    received_at = datetime.now(HANOI) - timedelta(days=12)
    codes = [f"HS-RST-{i:03d}-{uuid.uuid4().hex[:4].upper()}" for i in range(40)]
    publish_with_pika(topology, [external_dossier_received(c, "1.001612", unit, official, received_at)
                                 for c in codes[:20]])
    restart_broker()  # the stack is mid-flow: sweeps, relays and consumers are all busy
    publish_with_pika(topology, [external_dossier_received(c, "1.001612", unit, official, received_at)
                                 for c in codes[20:]])

    def all_explained():
        r = topology.get("discipline", f"/discipline/api/v1/explanations?unit={unit}&role=official&page_size=500",
                         headers=topology.auth(roles=("inspector",)))
        return r.status_code == 200 and {i["subject"] for i in r.json()["items"]} >= set(codes)

    wait_until(all_explained, timeout=120, interval=1,
               message="every dossier published around the restart to be explained")
    entry = wait_until(lambda: (e := ranking_entry(topology, unit)) and e["overdue_open"] == len(codes) and e,
                       timeout=60, interval=1, message="the ranking to count all 40 overdue dossiers")
    assert entry["received"] == len(codes)
    for process in topology.processes.values():
        assert process.poll() is None, "no process may die because the broker restarted"
    # Each dossier was explained exactly once per person and reason (lateness: official and head; the missing
    # apology: head), despite redeliveries around the restart.
    def every_request():
        r = topology.get("discipline", f"/discipline/api/v1/explanations?unit={unit}&page_size=500",
                         headers=topology.auth(roles=("inspector",)))
        items = r.json()["items"]
        asked = {(i["subject"], i["role"], about_apology(i)) for i in items}
        return len(asked) == 3 * len(codes) and items

    items = wait_until(every_request, timeout=60, interval=1, message="all three requests of every dossier")
    assert len(items) == 3 * len(codes)


def test_the_broker_topology_has_quorum_queues_with_dead_letter_queues(topology):
    from kycuong.local_stack import rabbitmqctl

    listing = rabbitmqctl("list_queues", "-p", topology.vhost, "name", "type", "arguments")
    queues = {line.split("\t")[0]: line.split("\t", 2)[1:] for line in listing.splitlines() if "\t" in line}
    for name in ("dossiers.ingest", "discipline.events", "reporting.events"):
        kind, arguments = queues[name]
        assert kind == "quorum", (name, kind)
        assert "x-delivery-limit" in arguments and "kycuong.dlx" in arguments, arguments
        assert queues[f"{name}.dlq"][0] == "quorum"
