"""Faults under load, on the distributed topology (`kycuong serve` and `kycuong worker` per service) with a
RabbitMQ node and a PostgreSQL cluster of this test's own: each worker killed with SIGKILL and restarted,
the broker stopped for 20 s, PostgreSQL restarted. After each, every outbox row is matched against the
inbox of every service consuming its type: 0 lost, 0 applied twice, and no HTTP 500 answered to the load.

The machine's own RabbitMQ and PostgreSQL serve other tests meanwhile: they are never touched here.
"""

from __future__ import annotations

import time
import uuid

import pytest
from chaos_stack import Ledger, Load, fail_without, open_stack, private_dir, settle_and_check

from kycuong.private_instances import InstanceError, PostgresCluster, RabbitNode
from shared.settings import SERVICES

pytestmark = pytest.mark.chaos
BROKER_DOWN_SECONDS = 20  # the outage the review measured (issue 14)


@pytest.fixture(scope="module")
def world(request):
    with private_dir(request, "chaos") as base:
        yield from running_world(base)


def running_world(base):
    node = RabbitNode(base / "rabbitmq", f"chaos-{uuid.uuid4().hex[:8]}")
    postgres = PostgresCluster(base / "pg")
    try:
        try:
            node.start()
            postgres.start()
        except InstanceError as exc:
            fail_without(exc)
        stack = open_stack(base / "logs", broker_url=node.url, postgres_server=postgres.admin_url.rsplit("/", 1)[0])
        ledger = Ledger(stack)
        try:
            yield stack, ledger, node, postgres
        finally:
            ledger.close()
            stack.close()
    finally:
        node.stop()
        postgres.stop()


def test_each_worker_killed_and_restarted_loses_nothing(world):
    stack = world[0]
    with Load(stack) as load:
        load.wait_for_accepted(6)
        for service in SERVICES:
            stack.kill(f"worker_{service}")
            load.wait_for_accepted(2)  # the web processes keep accepting while the worker is gone
            stack.start(service, "worker")
        load.wait_for_accepted(6)
    settle_and_check(world[1], load)


def test_the_broker_stopped_20_seconds_loses_nothing(world):
    stack, _, node, _ = world
    with Load(stack) as load:
        load.wait_for_accepted(6)
        node.stop_app()
        down_since = time.monotonic()
        load.wait_for_accepted(20, timeout=BROKER_DOWN_SECONDS * 3)  # the outbox takes them meanwhile
        time.sleep(max(0.0, BROKER_DOWN_SECONDS - (time.monotonic() - down_since)))  # the fault's length
        node.start_app()
        load.wait_for_accepted(6)
    settle_and_check(world[1], load)
    # The operator reads one outage with its length, not a traceback a second (issue 14, item 6).
    worker_log = (stack.logs / "worker_feedback.log").read_text(errors="replace")
    assert "relay lost the broker" in worker_log and "relay reached the broker again after" in worker_log
    assert "Traceback" not in worker_log


def test_postgresql_restarted_loses_nothing(world):
    stack, _, _, postgres = world
    with Load(stack) as load:
        load.wait_for_accepted(6)
        postgres.restart()
        load.wait_for_accepted(10)
    settle_and_check(world[1], load)


def test_the_ledger_sees_an_event_no_consumer_applied(world):
    """The check above is not vacuous: an event marked sent that never reached its consumers is reported."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    _, ledger, _, _ = world
    event_type, consumers = next((t, c) for t, c in sorted(ledger.consumers.items()) if t.startswith("feedback."))
    event_id = str(uuid.uuid4())
    with ledger.engines["feedback"].begin() as conn:
        conn.execute(text("INSERT INTO outbox (event_id, exchange, routing_key, body, created_at, sent_at) "
                          "VALUES (:id, 'kycuong.events', :key, :body, :at, :at)"),
                     {"id": event_id, "key": event_type, "body": b'{"data": {}}', "at": datetime.now(UTC)})
    try:
        lost = ledger.read()["lost"]
    finally:
        with ledger.engines["feedback"].begin() as conn:
            conn.execute(text("DELETE FROM outbox WHERE event_id = :id"), {"id": event_id})
    assert sorted(c for _, e, _, c in lost if e == event_id) == sorted(consumers)
