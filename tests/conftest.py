"""Fixtures every test suite shares.

Integration tests run services on SQLite files and kombu's in-memory broker (or on PostgreSQL where
they say so); end-to-end tests use the real RabbitMQ and PostgreSQL and fail when they are missing.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from kycuong import registry
from shared import migrations
from shared.auth import mint_token
from shared.clock import ManualClock
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import create_service_app

HANOI = timezone(timedelta(hours=7))
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.05, message: str = ""):
    """Poll until predicate() is truthy; returns its value or fails the test with `message`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for: {message or predicate}")
        time.sleep(interval)


@pytest.fixture
def memory_broker() -> str:
    """A clean in-memory broker (kombu keeps its state per process)."""
    from kombu.transport import memory

    memory.Channel.queues.clear()
    memory.Channel.events.clear()
    memory.Transport.global_state.clear()
    return "memory://"


@pytest.fixture
def clock() -> ManualClock:
    # Monday 16 November 2026, 09:00 in Hà Nội: a plain working day.
    return ManualClock(datetime(2026, 11, 16, 9, 0, tzinfo=HANOI))


class RunningService:
    """One service running in-process for a test: runtime, HTTP client, background threads."""

    def __init__(self, runtime: ServiceRuntime, stop: threading.Event):
        self.runtime = runtime
        self.stop = stop
        self.app = create_service_app(runtime)
        self.client = self.app.test_client()

    def headers(self, sub: str = "tester", unit: str | None = None, roles=("admin",)) -> dict:
        token = mint_token(self.runtime.settings.jwt_secret, sub=sub, unit=unit, roles=roles,
                           now=datetime.now(HANOI))
        return {"Authorization": f"Bearer {token}"}

    def scalar(self, sql: str, **params):
        with self.runtime.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()


@pytest.fixture
def start_service(tmp_path, memory_broker, clock):
    """start_service(name, workers=True, settings overrides…) → RunningService on SQLite + memory broker."""
    started: list[RunningService] = []

    def start(name: str, *, workers: bool = True, sweeps: bool = False, database_url: str | None = None,
              broker_url: str | None = None, use_clock=True, **overrides) -> RunningService:
        settings = Settings.from_env(
            env={},
            var_dir=tmp_path,
            broker_url=broker_url or memory_broker,
            database_urls={name: database_url} if database_url else {},
            relay_idle_poll=0.05,
            sweep_interval=0.2,
            **overrides,
        )
        rt = ServiceRuntime(registry.spec(name), settings, clock=clock if use_clock else None)
        migrations.upgrade(rt.spec.migrations, rt.database_url)
        stop = threading.Event()
        if workers:
            rt.start_workers(stop, sweeps=sweeps)
        service = RunningService(rt, stop)
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop.set()
    for service in started:
        # A consumer still polling the in-memory queue would take the next test's messages.
        service.runtime.join_workers()
        service.runtime.dispose()


def _pg_reachable() -> None:
    engine = create_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the suite must fail, not skip, without PostgreSQL
        pytest.fail(f"PostgreSQL is required at 127.0.0.1:5432 (user postgres): {exc}. "
                    "Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
    finally:
        engine.dispose()


@pytest.fixture
def pg_database():
    """pg_database(label) → URL of a new, empty PostgreSQL database, dropped after the test."""
    _pg_reachable()
    created: list[str] = []

    def make(label: str = "t") -> str:
        name = f"kyc_test_{label}_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        created.append(name)
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

    yield make
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def rabbitmq() -> str:
    """URL of the real RabbitMQ; fails (never skips) when it is not running."""
    import kombu

    conn = kombu.Connection(AMQP_URL, connect_timeout=3)
    try:
        conn.ensure_connection(max_retries=1)
    except Exception as exc:
        pytest.fail(f"RabbitMQ is required at 127.0.0.1:5672 (guest/guest): {exc}. Start it: rabbitmq-server -detached")
    finally:
        conn.release()
    return AMQP_URL


def publish(broker_url: str, body: bytes, routing_key: str, exchange: str = "kycuong.events") -> None:
    """Publish raw bytes as an external system would (with confirms on RabbitMQ)."""
    from shared import broker
    from shared.topology import declare_exchanges

    conn = broker.connect(broker_url)
    try:
        declare_exchanges(conn)
        broker.publish(conn.Producer(), body, exchange=exchange, routing_key=routing_key)
    finally:
        conn.release()


def drain(broker_url: str, queue: str, timeout: float = 0.5) -> list:
    """Take every message from a queue (e.g. a dead-letter queue): [(body, headers)]."""
    from kombu import Queue

    from shared import broker

    got = []
    conn = broker.connect(broker_url)
    try:
        simple = conn.SimpleQueue(Queue(queue, no_declare=True))
        while True:
            try:
                message = simple.get(timeout=timeout)
            except simple.Empty:
                break
            body = message.body
            got.append((body.encode() if isinstance(body, str) else bytes(body), dict(message.headers or {})))
            message.ack()
        simple.close()
    finally:
        conn.release()
    return got
