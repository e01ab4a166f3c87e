"""Broker topology (docs/architecture.md), declared the same way on RabbitMQ and on kombu's in-memory transport.

- `kycuong.events`: durable topic exchange; routing key = event type. Only platform services write here.
- `kycuong.ingest`: durable topic exchange for external publishers (their credentials write only here).
- `kycuong.dlx`: durable direct exchange for dead letters.
- `<service>.events`: a quorum queue per consuming service with a delivery limit, dead-lettering to
  `kycuong.dlx` with routing key `<service>.events`, which lands in `<service>.events.dlq`.
- A department's own instance of a service (KYCUONG_UNITS set) consumes from `<service>.<instance>.<stream>`:
  every instance gets its own copy of each event (a shared queue would hand each event to one of them).
"""

from __future__ import annotations

from collections.abc import Iterable

from kombu import Connection, Exchange, Queue

EVENTS = Exchange("kycuong.events", type="topic", durable=True)
INGEST = Exchange("kycuong.ingest", type="topic", durable=True)
DLX = Exchange("kycuong.dlx", type="direct", durable=True)


def queue_name(service: str, stream: str = "events", instance: str | None = None) -> str:
    return f"{service}.{instance}.{stream}" if instance else f"{service}.{stream}"


def dlq_name(queue: str) -> str:
    return f"{queue}.dlq"


def _queue_arguments(name: str, *, delivery_limit: int, quorum: bool) -> dict:
    arguments = {"x-dead-letter-exchange": DLX.name, "x-dead-letter-routing-key": name}
    if quorum:
        arguments.update({"x-queue-type": "quorum", "x-delivery-limit": delivery_limit})
    return arguments


def dead_letter_queue(queue: str, *, quorum: bool = True) -> Queue:
    arguments = {"x-queue-type": "quorum"} if quorum else {}
    return Queue(dlq_name(queue), exchange=DLX, routing_key=queue, durable=True, queue_arguments=arguments)


def declare(conn: Connection, service: str, bindings: Iterable[str], *, delivery_limit: int,
            stream: str = "events", exchange: Exchange = EVENTS, instance: str | None = None) -> Queue:
    """Declare exchanges, the service's queue with its bindings, and its dead-letter queue."""
    quorum = conn.transport.driver_type == "amqp"
    channel = conn.default_channel
    for ex in (EVENTS, INGEST, DLX):
        ex(channel).declare()
    name = queue_name(service, stream, instance)
    queue = Queue(name, durable=True,
                  queue_arguments=_queue_arguments(name, delivery_limit=delivery_limit, quorum=quorum))
    bound = queue(channel)
    bound.declare()
    for key in sorted(set(bindings)):
        bound.bind_to(exchange=exchange, routing_key=key)
    dead_letter_queue(queue.name, quorum=quorum)(channel).declare()
    return queue


def declare_exchanges(conn: Connection) -> None:
    channel = conn.default_channel
    for ex in (EVENTS, INGEST, DLX):
        ex(channel).declare()
