"""Connections to the broker, and publishing with confirms."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import kombu.exceptions
from kombu import Connection, Exchange

from shared.events.envelope import CONTENT_TYPE


def connect(url: str, *, confirm_each: bool = True) -> Connection:
    """A broker connection. With confirm_each, every publish waits for the broker's confirm (a publish
    that returns is safely stored); the relay confirms whole batches instead (BatchPublisher)."""
    if url.startswith("memory://"):
        # The in-memory transport polls; poll often so embedded mode reacts within milliseconds.
        return Connection(url, transport_options={"polling_interval": 0.01})
    return Connection(url, heartbeat=30, connect_timeout=5, transport_options={"confirm_publish": confirm_each})


def ensure(conn: Connection, *, timeout: float | None = None) -> None:
    """Connect, trying each node the URL lists (`amqp://a//;amqp://b//;amqp://c//`) once before giving up:
    a cluster whose first nodes are down is still reached through the others."""
    conn.ensure_connection(max_retries=max(1, len(conn.alt)), timeout=timeout)


class PublishNotConfirmed(ConnectionError):
    """The broker refused (nack) or did not confirm a publish in time; it must be published again."""


class BatchPublisher:
    """Publishes many messages and waits once for the broker's confirms of all of them.

    On RabbitMQ the channel is in confirm mode and acks arrive asynchronously (possibly one ack for
    many); `publish_batch` returns only when every message of the batch is confirmed. On the in-memory
    transport a publish is stored when it returns.
    """

    CONFIRM_TIMEOUT = 30.0

    def __init__(self, conn: Connection):
        self.conn = conn
        self.confirming = conn.transport.driver_type == "amqp"
        if self.confirming:
            self.channel = conn.channel()
            self.channel.confirm_select()
            self.channel.events["basic_ack"].add(self._on_ack)
            self.channel.events["basic_nack"].add(self._on_nack)
            self.next_tag = 1
            self.unconfirmed: set[int] = set()
            self.nacked = False
        else:
            self.producer = conn.Producer()

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:
            self.unconfirmed = {t for t in self.unconfirmed if t > delivery_tag}
        else:
            self.unconfirmed.discard(delivery_tag)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self.nacked = True
        self._on_ack(delivery_tag, multiple)

    def publish_batch(self, messages: list[tuple[bytes, str, str, dict]]) -> None:
        """messages: (body, exchange, routing_key, headers). Raises PublishNotConfirmed (or a connection
        error) if any is not confirmed: then none of the batch may be taken as published."""
        if not self.confirming:
            for body, exchange, routing_key, headers in messages:
                publish(self.producer, body, exchange=exchange, routing_key=routing_key, headers=headers)
            return
        self.nacked = False
        for body, exchange, routing_key, headers in messages:
            message = self.channel.prepare_message(body, content_type=CONTENT_TYPE, content_encoding="utf-8",
                                                   headers=headers, properties={"delivery_mode": 2})
            self.channel.basic_publish(message, exchange=exchange, routing_key=routing_key)
            self.unconfirmed.add(self.next_tag)
            self.next_tag += 1
        deadline = time.monotonic() + self.CONFIRM_TIMEOUT
        while self.unconfirmed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishNotConfirmed(f"{len(self.unconfirmed)} publishes not confirmed in "
                                          f"{self.CONFIRM_TIMEOUT:g}s")
            try:
                self.conn.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                pass
        if self.nacked:
            raise PublishNotConfirmed("the broker refused (nack) a publish of the batch")


def publish(producer, body: bytes, *, exchange: Exchange | str, routing_key: str,
            headers: dict | None = None) -> None:
    producer.publish(
        body,
        exchange=exchange,
        routing_key=routing_key,
        content_type=CONTENT_TYPE,
        content_encoding="utf-8",
        delivery_mode=2,  # persistent
        headers=headers or {},
        retry=False,  # the relay decides how to retry; a failed publish leaves the row unsent
    )


def connection_errors(conn: Connection) -> tuple[type[BaseException], ...]:
    # kombu raises its own OperationalError when `ensure_connection` gives up on an unreachable broker:
    # that is a lost connection too, not a bug to log with a traceback.
    return (tuple(conn.connection_errors) + tuple(conn.channel_errors)
            + (OSError, ConnectionError, kombu.exceptions.OperationalError))


class Outage:
    """One warning when the broker goes away and one line with the duration when it is back, instead of a
    line for every reconnection attempt: an operator reads an outage, not a flood."""

    def __init__(self, logger: logging.Logger, what: str, clock: Callable[[], float] = time.monotonic):
        self.logger = logger
        self.what = what
        self.clock = clock
        self.since: float | None = None

    def lost(self, exc: BaseException) -> None:
        if self.since is None:
            self.since = self.clock()
            self.logger.warning("%s lost the broker; reconnecting quietly until it is back", self.what,
                                extra={"error": str(exc) or type(exc).__name__})

    def restored(self) -> None:
        if self.since is not None:
            seconds = round(self.clock() - self.since, 1)
            self.since = None
            self.logger.warning("%s reached the broker again after %s s", self.what, seconds,
                                extra={"outage_seconds": seconds})
