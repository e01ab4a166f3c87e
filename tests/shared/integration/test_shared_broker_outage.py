"""A broker outage reads as one outage in the log: one warning when the broker goes away, one line with
its duration when it is back, no traceback for each reconnection attempt."""

from __future__ import annotations

import logging
import threading

from conftest import wait_until

from shared import broker, outbox
from shared.broker import Outage
from shared.consumer import ConsumerRunner


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_an_outage_is_one_warning_and_one_line_with_its_duration(caplog):
    clock = _Clock()
    outage = Outage(logging.getLogger("kycuong.test"), "relay", clock=clock)
    with caplog.at_level(logging.INFO, logger="kycuong.test"):
        for _ in range(5):
            outage.lost(ConnectionRefusedError(111, "Connection refused"))
            clock.now += 2.5
        outage.restored()
        outage.restored()  # connected and still connected: nothing more to say
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["relay lost the broker; reconnecting quietly until it is back",
                     "relay reached the broker again after 12.5 s"]


def _count_connections(monkeypatch, module) -> list:
    attempts = []
    real = broker.connect

    def counting(*args, **kwargs):
        attempts.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module.broker, "connect", counting)
    return attempts


def test_relay_and_consumer_keep_quiet_while_the_broker_is_away(start_service, monkeypatch, caplog):
    # kombu's own OperationalError (ensure_connection giving up on a closed port) is a lost connection too.
    discipline = start_service("discipline", workers=False, broker_url="amqp://guest:guest@127.0.0.1:1//")
    attempts = _count_connections(monkeypatch, outbox)
    stop = threading.Event()
    stream = discipline.runtime.spec.all_streams()[0]
    threads = [threading.Thread(target=outbox.OutboxRelay(discipline.runtime).run, args=(stop,), daemon=True),
               threading.Thread(target=ConsumerRunner(discipline.runtime, stream).run, args=(stop,), daemon=True)]
    with caplog.at_level(logging.INFO):
        for thread in threads:
            thread.start()
        try:
            wait_until(lambda: len(attempts) >= 3, timeout=30, message="three relay connection attempts")
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
    warnings = sorted(r.getMessage() for r in caplog.records if r.name in ("kycuong.outbox", "kycuong.consumer"))
    assert warnings == [f"consumer of {stream_queue(discipline, stream)} lost the broker; reconnecting quietly "
                        "until it is back", "relay lost the broker; reconnecting quietly until it is back"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def stream_queue(service, stream) -> str:
    return ConsumerRunner(service.runtime, stream).queue_name


def test_a_cluster_is_reached_through_a_later_node_when_the_first_ones_are_down(rabbitmq):
    """KYCUONG_BROKER_URL may list every node of a cluster; with the first two down, the third answers."""
    import socket

    down = []
    for _ in range(2):  # bound, never listening: connections to these ports are refused
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        down.append(sock)
    try:
        urls = ";".join([f"amqp://guest:guest@127.0.0.1:{s.getsockname()[1]}//" for s in down] + [rabbitmq])
        conn = broker.connect(urls)
        try:
            broker.ensure(conn)
            assert conn.connected and conn.as_uri().endswith(":5672//")
        finally:
            conn.release()
    finally:
        for sock in down:
            sock.close()
