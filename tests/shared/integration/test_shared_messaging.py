"""The event backbone: outbox → relay → broker → consumer with inbox, dead letters and retries.

A probe service consumes `task.assigned` events that the real tasks service produces. Each test runs
on SQLite with the in-memory broker and on PostgreSQL with the real RabbitMQ.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import drain, publish, wait_until
from sqlalchemy import Column, String, Table, func, insert, select

from shared.db import service_metadata
from shared.errors import Retryable
from shared.events.envelope import Event
from shared.runtime import ServiceRuntime, ServiceSpec
from shared.settings import Settings

probe_metadata = service_metadata()
notes = Table("notes", probe_metadata, Column("task_code", String(32), primary_key=True),
              Column("lead_unit", String(64)))
transient_failures: dict[str, int] = {}


def on_task_assigned(event: Event, uow) -> None:
    remaining = transient_failures.get(event.subject, 0)
    if remaining:
        transient_failures[event.subject] = remaining - 1
        raise Retryable("database briefly unavailable")
    if event.data.get("title") == "boom":
        raise ValueError("a bug in the handler")
    uow.session.execute(insert(notes).values(task_code=event.subject, lead_unit=event.data["lead_unit"]))
    uow.commit()


@pytest.fixture(params=["memory+sqlite", "rabbitmq+postgres"])
def backbone(request, start_service, tmp_path, memory_broker):
    """(tasks producer, probe consumer runtime, broker url) on one of the two stacks."""
    stop = threading.Event()
    if request.param == "memory+sqlite":
        broker_url = memory_broker
        tasks = start_service("tasks")
        probe_db = f"sqlite:///{tmp_path / 'probe.db'}"
    else:
        broker_url = request.getfixturevalue("rabbitmq")
        make_db = request.getfixturevalue("pg_database")
        tasks = start_service("tasks", database_url=make_db("tasks"), broker_url=broker_url)
        probe_db = make_db("probe")
    name = f"probe_{uuid.uuid4().hex[:8]}"
    spec = ServiceSpec(name=name, metadata=probe_metadata, migrations=Path("unused"),
                       handlers={"task.assigned": on_task_assigned})
    settings = Settings.from_env(env={}, broker_url=broker_url, database_urls={name: probe_db}, delivery_limit=3)
    probe = ServiceRuntime(spec, settings)
    probe_metadata.create_all(probe.engine)
    probe.start_workers(stop)
    yield tasks, probe, broker_url
    stop.set()
    tasks.stop.set()  # before its database is dropped
    probe.dispose()
    if broker_url.startswith("amqp"):
        from shared import broker

        conn = broker.connect(broker_url)
        for queue in (f"{name}.events", f"{name}.events.dlq"):
            conn.default_channel.queue_delete(queue)
        conn.release()


def assign(tasks, title="Báo cáo tiến độ giải ngân vốn đầu tư công", lead_unit="HN-SNV") -> str:
    response = tasks.client.post("/tasks/api/v1/tasks", json={"title": title, "lead_unit": lead_unit},
                                 headers=tasks.headers(roles=("office",)))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def note_count(probe, code: str | None = None) -> int:
    with probe.engine.connect() as conn:
        query = select(func.count()).select_from(notes)
        if code:
            query = query.where(notes.c.task_code == code)
        return conn.scalar(query)


def outbox_body(tasks, code: str) -> bytes:
    with tasks.runtime.engine.connect() as conn:
        outbox = tasks.runtime.outbox
        bodies = conn.execute(select(outbox.c.body).where(outbox.c.routing_key == "task.assigned")).scalars()
        (body,) = [bytes(b) for b in bodies if code.encode() in bytes(b)]
        return body


def test_a_committed_event_reaches_the_consumer_and_is_marked_sent(backbone):
    tasks, probe, _ = backbone
    code = assign(tasks)
    wait_until(lambda: note_count(probe, code) == 1, message="the probe to record the task")
    wait_until(lambda: tasks.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0,
               message="the outbox row to be marked sent")
    with probe.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(probe.inbox)) == 1


def test_a_duplicated_delivery_has_its_effect_once(backbone):
    tasks, probe, broker_url = backbone
    code = assign(tasks)
    wait_until(lambda: note_count(probe, code) == 1)
    body = outbox_body(tasks, code)
    publish(broker_url, body, "task.assigned")
    publish(broker_url, body, "task.assigned")
    second = assign(tasks)  # a marker that the duplicates were consumed before it
    wait_until(lambda: note_count(probe, second) == 1)
    assert note_count(probe, code) == 1
    assert note_count(probe) == 2


def test_a_poison_message_goes_to_the_dead_letter_queue_with_its_reason_and_the_consumer_goes_on(backbone):
    tasks, probe, broker_url = backbone
    publish(broker_url, b"{not json at all", "task.assigned")
    invalid = Event(type="task.assigned", source="/test", subject="NV-X", data={"code": "NV-X", "title": "x"})
    publish(broker_url, invalid.to_json(), "task.assigned")
    code = assign(tasks)
    wait_until(lambda: note_count(probe, code) == 1, message="a valid event after two bad ones")
    dead = wait_until(lambda: drain(broker_url, f"{probe.name}.events.dlq") or None, message="dead letters")
    reasons = [headers["x-kycuong-reason"] for _, headers in dead]
    assert any("CloudEvents" in r for r in reasons), reasons
    assert any("lead_unit" in r for r in reasons), reasons
    assert {body for body, _ in dead} >= {b"{not json at all"}


def test_a_handler_bug_dead_letters_the_message_instead_of_dropping_it(backbone):
    tasks, probe, broker_url = backbone
    code = assign(tasks, title="boom")
    dead = wait_until(lambda: drain(broker_url, f"{probe.name}.events.dlq") or None)
    assert code.encode() in dead[0][0]
    assert "ValueError: a bug in the handler" in dead[0][1]["x-kycuong-reason"]
    assert note_count(probe, code) == 0


def test_a_transient_failure_is_retried_and_applied_once(backbone):
    tasks, probe, _ = backbone
    original = transient_failures.copy()
    try:
        code = assign(tasks, title="Rà soát thủ tục hành chính nội bộ")
        wait_until(lambda: note_count(probe, code) == 1)
        transient_failures["NV-RETRY-1"] = 2
        event = Event(type="task.assigned", source="/test", subject="NV-RETRY-1",
                      data={"code": "NV-RETRY-1", "title": "Thử lại", "lead_unit": "HN-STP"},
                      time=datetime.now(UTC))
        publish(backbone[2], event.to_json(), "task.assigned")
        wait_until(lambda: note_count(probe, "NV-RETRY-1") == 1, message="applied after two transient failures")
        assert transient_failures["NV-RETRY-1"] == 0
    finally:
        transient_failures.clear()
        transient_failures.update(original)


def test_nothing_is_recorded_when_the_use_case_does_not_commit(start_service):
    tasks = start_service("tasks", workers=False)
    with pytest.raises(RuntimeError), tasks.runtime.uow() as uow:
        uow.record("task.assigned", "NV-1", {"code": "NV-1", "title": "Không lưu", "lead_unit": "HN-SNV"})
        raise RuntimeError("the use case failed before committing")
    assert tasks.scalar("SELECT count(*) FROM outbox") == 0


def test_a_broker_outage_fails_no_request_and_loses_no_event(start_service, memory_broker):
    # The relay cannot reach a broker on a closed port; requests still succeed and events wait.
    tasks = start_service("tasks", broker_url="amqp://guest:guest@127.0.0.1:1//")
    code = assign(tasks)
    assert tasks.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 1
    # The broker is back (here: a relay pointed at a reachable one): the event goes out.
    settings = Settings.from_env(env={}, broker_url=memory_broker,
                                 database_urls={"tasks": tasks.runtime.database_url})
    relay_rt = ServiceRuntime(tasks.runtime.spec, settings)
    stop = threading.Event()
    relay_rt.start_workers(stop, consumers=False, sweeps=False)
    try:
        wait_until(lambda: tasks.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0)
        assert code.encode() in outbox_body(tasks, code)
    finally:
        stop.set()
        relay_rt.dispose()


def test_two_relays_on_postgresql_publish_each_event_exactly_once(start_service, pg_database, memory_broker):
    from kombu import Queue

    from shared import broker
    from shared.outbox import OutboxRelay

    tasks = start_service("tasks", workers=False, database_url=pg_database("relays"))
    for i in range(120):
        assign(tasks, title=f"Nhiệm vụ số {i} theo Chỉ thị 01/CT-UBND")
    conn = broker.connect(memory_broker)
    queue = Queue("relay-check", exchange=topology_events(), routing_key="task.assigned")
    queue(conn.default_channel).declare()
    relays = [OutboxRelay(tasks.runtime) for _ in range(2)]
    for relay in relays:
        relay.batch = 7  # small batches, so the two relays interleave
    published = [0, 0]
    together = threading.Barrier(2)

    def run(n):
        publisher = broker.BatchPublisher(broker.connect(memory_broker))
        together.wait()
        while (done := relays[n].relay_once(publisher)):
            published[n] += done

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    bodies = [body for body, _ in drain(memory_broker, "relay-check", timeout=0.2)]
    conn.release()
    assert sum(published) == 120 and all(published), published  # both worked, together once each
    assert len(bodies) == 120 and len(set(bodies)) == 120
    assert tasks.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0


def topology_events():
    from shared.topology import EVENTS

    return EVENTS


def test_published_outbox_rows_are_pruned_after_the_retention_and_unsent_ones_never(start_service, clock):
    from datetime import timedelta

    from shared.outbox import OutboxRelay

    tasks = start_service("tasks")  # its relay publishes to the in-memory broker
    for i in range(3):
        assign(tasks, title=f"Nhiệm vụ lưu trữ số {i}")
    wait_until(lambda: tasks.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0)
    tasks.stop.set()
    tasks.runtime.join_workers()
    with tasks.runtime.uow() as uow:  # one event the broker never got
        uow.record("task.assigned", "NV-UNSENT", {"code": "NV-UNSENT", "title": "Chưa gửi", "lead_unit": "HN-SNV"})
        uow.commit()
    relay = OutboxRelay(tasks.runtime)
    assert relay.prune(timedelta(days=7)) == 0  # published just now: kept
    clock.advance(days=8)
    assert relay.prune(timedelta(days=7)) == 3
    assert tasks.scalar("SELECT count(*) FROM outbox") == 1
    assert tasks.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 1


def test_inbox_rows_are_forgotten_after_their_retention(backbone, clock):
    from datetime import timedelta

    from shared.consumer import prune_inbox

    tasks, probe, _ = backbone
    code = assign(tasks)
    wait_until(lambda: note_count(probe, code) == 1)
    assert prune_inbox(probe, timedelta(days=30)) == 0
    probe.clock = type(clock)(probe.clock.now() + timedelta(days=31))
    assert prune_inbox(probe, timedelta(days=30)) == 1


def test_an_unknown_event_type_on_a_bound_key_is_dead_lettered_with_its_reason(backbone):
    tasks, probe, broker_url = backbone
    bogus = Event(type="task.asigned", source="/test", subject="NV-Y", data={"code": "NV-Y"})  # a typo'd type
    publish(broker_url, bogus.to_json(), "task.assigned")
    code = assign(tasks)
    wait_until(lambda: note_count(probe, code) == 1, message="the next valid event")
    dead = wait_until(lambda: drain(broker_url, f"{probe.name}.events.dlq") or None, message="the dead letter")
    assert [headers["x-kycuong-reason"] for _, headers in dead] == [
        "unknown event type 'task.asigned' on a key this queue is bound to: it is not in the catalog"]


def test_an_event_id_reused_with_other_content_is_kept_as_a_conflict_for_admins(start_service, memory_broker):
    """The first content stands; the other is neither applied nor lost: admins see it, a metric counts it."""
    from prometheus_client import REGISTRY

    discipline = start_service("discipline")
    first = Event(type="dossier.overdue", source="/test/dossiers", subject="HS-1", id="evt-reused-1", data={
        "code": "HS-1", "procedure_code": "1.001612", "unit": "HN-SXD", "received_at": "2026-11-16T09:00:00+07:00",
        "due_at": "2026-11-19T09:00:00+07:00", "detected_at": "2026-11-19T09:00:05+07:00"})
    other = Event(type="dossier.overdue", source="/test/dossiers", subject="HS-2", id="evt-reused-1",
                  data={**first.data, "code": "HS-2"})
    before = REGISTRY.get_sample_value("kycuong_event_conflicts_total",
                                       {"service": "discipline", "type": "dossier.overdue"}) or 0
    for event in (first, first, other):
        publish(memory_broker, event.to_json(), event.type)
    admin = discipline.headers()
    conflicts = wait_until(lambda: (r := discipline.client.get("/discipline/api/v1/event-conflicts",
                                                               headers=admin).get_json())["total"] and r,
                           message="the conflict to be kept")
    (conflict,) = conflicts["items"]
    assert (conflict["event_id"], conflict["event_type"]) == ("evt-reused-1", "dossier.overdue")
    assert '"HS-2"' in conflict["body"] and conflict["digest"] != conflict["applied_digest"]
    assert REGISTRY.get_sample_value("kycuong_event_conflicts_total",
                                     {"service": "discipline", "type": "dossier.overdue"}) == before + 1
    assert discipline.scalar("SELECT count(*) FROM inbox WHERE event_id = 'evt-reused-1'") == 1
    officer = discipline.headers(roles=("officer",), unit="HN-SXD")
    assert discipline.client.get("/discipline/api/v1/event-conflicts", headers=officer).status_code == 403
