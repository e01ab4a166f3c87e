"""Connections to the broker, and publishing with confirms."""

from __future__ import annotations

from kombu import Connection, Exchange

from shared.events.envelope import CONTENT_TYPE


def connect(url: str) -> Connection:
    if url.startswith("memory://"):
        # The in-memory transport polls; poll often so embedded mode reacts within milliseconds.
        return Connection(url, transport_options={"polling_interval": 0.01})
    return Connection(
        url,
        heartbeat=30,
        connect_timeout=5,
        # Every publish waits for the broker's confirm: a publish that returns is safely stored.
        transport_options={"confirm_publish": True},
    )


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
    return tuple(conn.connection_errors) + tuple(conn.channel_errors) + (OSError, ConnectionError)
