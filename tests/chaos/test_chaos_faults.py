"""Faults under load, on the distributed topology (`kycuong serve` and `kycuong worker` per service) with a
RabbitMQ node and a PostgreSQL cluster of this test's own: each worker killed with SIGKILL and restarted,
the broker stopped for 20 s, PostgreSQL restarted. After each, every outbox row is matched against the
inbox of every service consuming its type: 0 lost, 0 applied twice, and no HTTP 500 answered to the load.

The machine's own RabbitMQ and PostgreSQL serve other tests meanwhile: they are never touched here.
"""

from __future__ import annotations

import time

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
    node, postgres = RabbitNode(base / "rabbitmq", f"chaos-{time.monotonic_ns() % 10**8}"), PostgresCluster(base / "pg")
    try:
        node.start()
        postgres.start()
    except InstanceError as exc:
        node.stop()
        postgres.stop()
        fail_without(exc)
    stack = open_stack(base / "logs", broker_url=node.url,
                       postgres_server=postgres.admin_url.rsplit("/", 1)[0])
    ledger = Ledger(stack)
    yield stack, ledger, node, postgres
    ledger.close()
    stack.close()
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
    relay_log = stack.logs / "worker_feedback.log"
    assert "lost the broker" in relay_log.read_text(errors="replace")


def test_postgresql_restarted_loses_nothing(world):
    stack, _, _, postgres = world
    with Load(stack) as load:
        load.wait_for_accepted(6)
        postgres.restart()
        load.wait_for_accepted(10)
    settle_and_check(world[1], load)
