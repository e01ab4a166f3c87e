"""Dossiers announced by external one-stop systems on `kycuong.ingest` (in-memory broker, SQLite)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from conftest import drain, publish, wait_until

HANOI = timezone(timedelta(hours=7))
API = "/dossiers/api/v1"
UNIT = "PHUONG-HOAN-KIEM"


def external_event(code: str, procedure_code: str = "1.001234", unit: str = UNIT,
                   received_at: str = "2026-11-20T16:00:00+07:00", event_id: str | None = None,
                   **extra) -> bytes:
    """A CloudEvent as a provincial one-stop system would publish it."""
    attributes = {
        "id": event_id or str(uuid.uuid4()),
        "source": "/motcua/hanoi",
        "type": "dossier.received",
        "specversion": "1.0",
        "time": datetime(2026, 11, 20, 9, 0, 5, tzinfo=UTC),
        "subject": code,
        "datacontenttype": "application/json",
    }
    data = {"code": code, "procedure_code": procedure_code, "unit": unit, "received_at": received_at,
            "handler": "CB-0042", **extra}
    return JSONFormat().write(CloudEvent(attributes, data))


@pytest.fixture
def ingesting(start_service, clock):
    clock.set(datetime(2026, 11, 21, 10, tzinfo=HANOI))

    def start(**settings):
        svc = start_service("dossiers", workers=True, sweeps=False, **settings)
        created = svc.client.post(f"{API}/procedures", json={
            "code": "1.001234", "name": "Đăng ký khai sinh", "processing_days": 1},
            headers=svc.headers(roles=("admin",)))
        assert created.status_code == 201
        return svc

    return start


def dossier_count(svc, code: str) -> int:
    return svc.scalar("SELECT count(*) FROM dossiers WHERE code = :c", c=code)


def received_events(svc) -> list[dict]:
    with svc.runtime.engine.connect() as conn:
        from sqlalchemy import text

        rows = conn.execute(text("SELECT body FROM outbox WHERE routing_key = 'dossier.received'")).scalars()
        return [json.loads(bytes(body)) for body in rows]


def test_dossiers_external_dossier_is_received_with_its_deadline(ingesting, memory_broker):
    svc = ingesting()
    code = "000.00.20.H26-261120-0001"
    publish(memory_broker, external_event(code), "dossier.received", exchange="kycuong.ingest")
    wait_until(lambda: dossier_count(svc, code), message="the external dossier to be stored")

    body = svc.client.get(f"{API}/dossiers/{code}").get_json()
    assert (body["channel"], body["unit"], body["handler"]) == ("external", UNIT, "CB-0042")
    assert body["due_at"] == "2026-11-23T17:00:00+07:00"  # our calendar: Friday after 15:00 → Monday
    [event] = received_events(svc)
    assert event["subject"] == code
    assert event["data"]["channel"] == "external"
    assert event["data"]["due_at"] == "2026-11-23T17:00:00+07:00"


def test_dossiers_the_same_external_dossier_twice_is_one_dossier(ingesting, memory_broker):
    svc = ingesting()
    code = "000.00.20.H26-261120-0002"
    first = external_event(code)
    publish(memory_broker, first, "dossier.received", exchange="kycuong.ingest")
    publish(memory_broker, first, "dossier.received", exchange="kycuong.ingest")  # redelivered as is
    # Sent again under a new event id, with a changed unit: the dossier is already known, nothing changes.
    publish(memory_broker, external_event(code, unit="PHUONG-BA-DINH"), "dossier.received",
            exchange="kycuong.ingest")
    marker = "000.00.20.H26-261120-0003"
    publish(memory_broker, external_event(marker), "dossier.received", exchange="kycuong.ingest")
    wait_until(lambda: dossier_count(svc, marker), message="the marker dossier after the duplicates")

    assert dossier_count(svc, code) == 1
    assert svc.scalar("SELECT unit FROM dossiers WHERE code = :c", c=code) == UNIT
    assert sorted(e["subject"] for e in received_events(svc)) == [code, marker]
    assert drain(memory_broker, "dossiers.ingest.dlq") == []


def test_dossiers_external_dossier_of_an_unknown_procedure_is_dead_lettered_with_the_reason(
        ingesting, memory_broker):
    svc = ingesting()
    bad = "000.00.20.H26-261120-0004"
    good = "000.00.20.H26-261120-0005"
    publish(memory_broker, external_event(bad, procedure_code="9.999999"), "dossier.received",
            exchange="kycuong.ingest")
    publish(memory_broker, external_event(good), "dossier.received", exchange="kycuong.ingest")
    wait_until(lambda: dossier_count(svc, good), message="the valid dossier after the bad one")

    assert dossier_count(svc, bad) == 0
    [(body, headers)] = drain(memory_broker, "dossiers.ingest.dlq")
    assert json.loads(body)["subject"] == bad
    assert "9.999999" in headers["x-kycuong-reason"]
    assert "procedure" in headers["x-kycuong-reason"]
    assert [e["subject"] for e in received_events(svc)] == [good]


def test_dossiers_external_dossier_missing_fields_is_dead_lettered(ingesting, memory_broker):
    svc = ingesting()
    event = json.loads(external_event("000.00.20.H26-261120-0006"))
    del event["data"]["received_at"]
    publish(memory_broker, json.dumps(event).encode(), "dossier.received", exchange="kycuong.ingest")
    [(_, headers)] = wait_until(lambda: drain(memory_broker, "dossiers.ingest.dlq"),
                                message="the incomplete event in the dead-letter queue")
    assert "received_at" in headers["x-kycuong-reason"]
    assert svc.scalar("SELECT count(*) FROM dossiers") == 0


def test_dossiers_external_text_with_a_control_character_is_dead_lettered_naming_the_field(ingesting,
                                                                                              memory_broker):
    """AMQP does not pass the HTTP edge's guards: the ingest contract refuses the same characters itself."""
    svc = ingesting()
    event = json.loads(external_event("000.00.20.H26-261120-0007"))
    event["data"]["handler"] = "CB-0042\u0006"
    publish(memory_broker, json.dumps(event).encode(), "dossier.received", exchange="kycuong.ingest")
    [(_, headers)] = wait_until(lambda: drain(memory_broker, "dossiers.ingest.dlq"),
                                message="the event in the dead-letter queue")
    assert "handler" in headers["x-kycuong-reason"] and "U+0006" in headers["x-kycuong-reason"]
    assert svc.scalar("SELECT count(*) FROM dossiers") == 0


def test_dossiers_an_instance_refuses_external_dossiers_of_units_it_does_not_serve(ingesting, memory_broker):
    svc = ingesting(units=("PHUONG-BA-DINH",))
    refused = "000.00.20.H26-261120-0007"
    served = "000.00.20.H26-261120-0008"
    publish(memory_broker, external_event(refused), "dossier.received", exchange="kycuong.ingest")
    publish(memory_broker, external_event(served, unit="PHUONG-BA-DINH"), "dossier.received",
            exchange="kycuong.ingest")
    wait_until(lambda: dossier_count(svc, served), message="the dossier of the served unit")
    # An instance serving some units consumes from its own queue, `dossiers.<instance>.ingest`.
    [(_, headers)] = drain(memory_broker, "dossiers.local.ingest.dlq")
    assert UNIT in headers["x-kycuong-reason"]
    assert dossier_count(svc, refused) == 0
