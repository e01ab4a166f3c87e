"""A service at run time: its settings, clock, calendar, database, broker and background work.

Each service describes itself with a ServiceSpec (in `services/<name>/app.py`); the same spec runs
embedded (threads in one process) or distributed (`kycuong serve` and `kycuong worker`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import MetaData

from shared import broker
from shared.calendar import CalendarRules, WorkingCalendar
from shared.clock import Clock, SystemClock
from shared.consumer import ConsumerRunner, Stream, prune_inbox
from shared.db import inbox_table, is_postgres, make_engine, make_session_factory, outbox_table
from shared.events.envelope import source_for
from shared.outbox import OutboxRelay
from shared.settings import Settings
from shared.topology import EVENTS
from shared.uow import UnitOfWork

log = logging.getLogger("kycuong.runtime")


@dataclass(frozen=True)
class Sweep:
    """A periodic job (deadline sweeps). `run(runtime)` returns how many things it did."""

    name: str
    run: Callable[[ServiceRuntime], int]
    interval: float | None = None  # seconds; default from settings


@dataclass
class ServiceSpec:
    name: str
    metadata: MetaData
    migrations: Path
    blueprints: list = field(default_factory=list)  # flask-smorest Blueprints
    pages: list = field(default_factory=list)  # plain Flask Blueprints (HTML)
    handlers: dict[str, Callable] = field(default_factory=dict)  # on kycuong.events, by type
    streams: list[Stream] = field(default_factory=list)  # other queues (e.g. ingest)
    sweeps: list[Sweep] = field(default_factory=list)
    title: str = ""

    def all_streams(self) -> list[Stream]:
        streams = list(self.streams)
        if self.handlers:
            streams.insert(0, Stream("events", EVENTS, self.handlers))
        return streams


def _housekeeping(rt: ServiceRuntime) -> int:
    """Hourly: published outbox rows and old inbox rows go; unsent rows never do."""
    return (OutboxRelay(rt).prune(timedelta(days=rt.settings.outbox_retention_days))
            + prune_inbox(rt, timedelta(days=rt.settings.inbox_retention_days)))


class ServiceRuntime:
    def __init__(self, spec: ServiceSpec, settings: Settings, clock: Clock | None = None,
                 calendar: WorkingCalendar | None = None, *, pre_ping: bool = True):
        self.spec = spec
        self.name = spec.name
        self.settings = settings
        self.clock = clock or SystemClock()
        self.calendar = calendar or WorkingCalendar(CalendarRules.from_mapping(settings.calendar)
                                                    if settings.calendar else CalendarRules())
        self.database_url = settings.database_url(spec.name)
        self.engine = make_engine(self.database_url, pre_ping=pre_ping)  # shared.db.make_engine: web without
        self.session_factory = make_session_factory(self.engine)
        self.outbox = outbox_table(spec.metadata)
        self.inbox = inbox_table(spec.metadata)
        self.event_conflicts = spec.metadata.tables["event_conflicts"]
        self.is_postgres = is_postgres(self.engine)
        self.notify_channel = f"kycuong_outbox_{spec.name}"
        self.source = source_for(settings.instance, spec.name)
        self.relay_wakeup = threading.Event()
        self._threads: list[threading.Thread] = []

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self)

    def wake_relay(self) -> None:
        self.relay_wakeup.set()

    def broker_connection(self):
        return broker.connect(self.settings.broker_url)

    # -- background work -----------------------------------------------------------------------------

    def start_workers(self, stop: threading.Event, *, relay: bool = True, consumers: bool = True,
                      sweeps: bool = True, wait_ready: float = 10.0) -> list[threading.Thread]:
        threads = []
        readies = []
        if relay:
            threads.append(self._thread("relay", OutboxRelay(self).run, stop))
            threads.append(self._thread("sweep-housekeeping", self._sweep_loop, Sweep(
                "housekeeping", _housekeeping, interval=3600.0), stop))
            if self.is_postgres:
                threads.append(self._thread("notify-listener", self._listen_for_outbox, stop))
        if consumers:
            for stream in self.spec.all_streams():
                ready = threading.Event()
                readies.append(ready)
                threads.append(self._thread(f"consumer-{stream.name}", ConsumerRunner(self, stream).run,
                                            stop, ready))
        if sweeps:
            for sweep in self.spec.sweeps:
                threads.append(self._thread(f"sweep-{sweep.name}", self._sweep_loop, sweep, stop))
        for ready in readies:
            ready.wait(wait_ready)  # queues exist before anyone publishes
        self._threads += threads
        return threads

    def _thread(self, role: str, target, *args) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, name=f"{self.name}-{role}", daemon=True)
        thread.start()
        return thread

    def _sweep_loop(self, sweep: Sweep, stop: threading.Event) -> None:
        interval = sweep.interval or self.settings.sweep_interval
        while not stop.is_set():
            try:
                done = sweep.run(self)
                if done:
                    log.info("sweep done", extra={"service": self.name, "sweep": sweep.name, "count": done})
            except Exception:
                log.exception("sweep failed", extra={"service": self.name, "sweep": sweep.name})
            stop.wait(interval)

    def _listen_for_outbox(self, stop: threading.Event) -> None:
        """Wake the relay as soon as any process commits events (PostgreSQL LISTEN/NOTIFY)."""
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {self.notify_channel}")
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self.wake_relay()
            except Exception as exc:
                log.warning("outbox listener reconnecting", extra={"error": str(exc)})
                stop.wait(1.0)

    def join_workers(self, timeout: float = 5.0) -> None:
        """Wait for the background threads to finish after their stop event was set."""
        for thread in self._threads:
            thread.join(timeout)
        self._threads = [t for t in self._threads if t.is_alive()]

    def dispose(self) -> None:
        self.engine.dispose()
