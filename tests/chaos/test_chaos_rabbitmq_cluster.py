"""A real RabbitMQ cluster: three nodes on this machine (own node names, ports and data directories, one
Erlang cookie) joined with `join_cluster`. The platform is given all three in KYCUONG_BROKER_URL (kombu's
failover list, 'url1;url2;url3'); its queues are quorum queues with a member on every node. The node every
process connects to first is stopped under load: the processes fail over to the others, the queues elect
new leaders, and every outbox row still reaches every consumer's inbox once, with no HTTP 500.
"""

from __future__ import annotations

import json
import uuid

import pytest
from chaos_stack import Ledger, Load, fail_without, open_stack, private_dir, settle_and_check

from kycuong.private_instances import InstanceError, RabbitCluster
from shared.settings import Settings

pytestmark = pytest.mark.chaos


@pytest.fixture(scope="module")
def cluster_world(request):
    with private_dir(request, "cluster") as base:
        cluster = RabbitCluster(base / "rabbitmq", f"cluster-{uuid.uuid4().hex[:8]}")
        try:
            try:
                cluster.start()
            except InstanceError as exc:
                fail_without(exc)
            stack = open_stack(base / "logs", broker_url=cluster.broker_url)
            ledger = Ledger(stack)
            try:
                yield cluster, stack, ledger
            finally:
                ledger.close()
                stack.close()
        finally:
            cluster.stop()


def queues(node) -> dict[str, dict]:
    rows = json.loads(node.ctl("list_queues", "name", "type", "leader", "members", "online",
                               "--formatter", "json").stdout)
    return {row["name"]: row for row in rows}


def test_the_platform_names_all_three_nodes(cluster_world):
    cluster, stack, _ = cluster_world
    nodes = cluster.nodes
    assert cluster.running_nodes(nodes[-1]) == sorted(node.node for node in nodes)
    assert Settings.from_env({"KYCUONG_BROKER_URL": stack.env["KYCUONG_BROKER_URL"]}).broker_url.split(";") == [
        node.url for node in nodes]
    declared = queues(nodes[0])
    assert {"discipline.events", "reporting.events", "dossiers.ingest"} <= set(declared)
    for name, row in declared.items():
        assert row["type"] == "quorum", name
        assert sorted(row["members"]) == sorted(node.node for node in nodes), name


def test_one_node_stopped_under_load_loses_nothing(cluster_world):
    cluster, stack, ledger = cluster_world
    first, *others = cluster.nodes  # every process connects to the first URL while it answers
    with Load(stack) as load:
        load.wait_for_accepted(6)
        first.stop()
        load.wait_for_accepted(20)
    settle_and_check(ledger, load)
    survivors = queues(others[0])
    assert cluster.running_nodes(others[0]) == sorted(node.node for node in others)
    for name, row in survivors.items():
        assert row["leader"] != first.node, f"{name} has no leader among the running nodes"
    exited = {name: p.returncode for name, p in stack.processes.items() if p.poll() is not None}
    assert exited == {}, "every web and worker process survives the node's loss"
