"""The consumer runner: one per service and worker, on the queue `<service>.events`.

- Small prefetch; the messages that have arrived are applied together in one transaction (one commit
  for the batch, and work a batch shares, such as re-ranking a month, done once). A message is
  acknowledged only after that transaction, holding its effects and its inbox row, has committed, so a
  crash before that means a redelivery, and the inbox makes it harmless. If any message of a batch
  fails, the batch is undone and its messages are applied one by one, so only the faulty one suffers.
- A message that can never be processed (not a CloudEvent, data that fails its schema, a handler that
  rejects it) goes to `<queue>.dlq` with the reason in its headers; it is never dropped.
- Each event's data is loaded once, leniently, by its catalog schema (unknown fields ignored): a handler
  reads `event.values` (datetimes, dates, decimals), never parses `event.data` (the document as received,
  kept for archiving) again.
- A transient failure (database unavailable, deadlock, `shared.errors.Retryable`) is retried in place
  with back-off a bounded number of times, then the message is requeued; after `delivery_limit`
  deliveries it is dead-lettered.
- A lost broker connection is re-established with back-off; heartbeats are checked between messages.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from prometheus_client import Counter
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from shared import broker
from shared.db import dialect_insert
from shared.errors import DomainError, Retryable
from shared.events import catalog
from shared.events.envelope import Event, InvalidEvent
from shared.logging import bound
from shared.topology import DLX, declare, queue_name
from shared.uow import UnitOfWork, causing_event

if TYPE_CHECKING:
    from kombu import Exchange

    from shared.runtime import ServiceRuntime

log = logging.getLogger("kycuong.consumer")

CONSUMED = Counter("kycuong_events_consumed_total", "Events taken from the queue", ["service", "type", "outcome"])
CONFLICTS = Counter("kycuong_event_conflicts_total", "Messages reusing an applied event's id with other content",
                    ["service", "type"])


def content_digest(event: Event) -> str:
    """What an event says, as a digest: its type, source, subject and data (not its delivery details)."""
    canonical = json.dumps([event.type, event.source, event.subject, event.data], sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

Handler = Callable[[Event, UnitOfWork], None]
# Called once per batch, inside its transaction and before its handlers, with the events about to be applied
# (duplicates left out): reads what the handlers would read one event at a time in one statement each (the
# batch's dossiers, facts, ...) into `uow.memo`, so a handler meets them already loaded. It must change
# nothing a handler could see differently: the per-event path (`process`) never calls it, and both paths
# leave the same rows (tests/*/integration/test_*_batched.py).
BatchPreparer = Callable[[UnitOfWork, list[Event]], None]

# The AMQP `user_id` property of the message being handled. RabbitMQ refuses a message whose user_id is
# not the user of the connection that published it, so a handler of `kycuong.ingest` can trust it as the
# publisher's identity.
message_user_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("message_user_id", default=None)


@dataclass(frozen=True)
class DeadLetter:
    """A message the runner dead-lettered: its event when it could be read, the reason, its user_id."""

    event: Event | None
    reason: str
    user_id: str | None


class Handlers(Mapping[str, Handler]):
    """The handlers of one stream by event type, registered the same way in every service's handlers.py:

        events = Handlers()

        @events.on("dossier.overdue")
        def on_dossier_overdue(event, uow): ...
    """

    def __init__(self, *, flush_each_event: bool = True):
        self._by_type: dict[str, Handler] = {}
        self.preparers: list[BatchPreparer] = []
        # In a batch, a use case's commit only flushes (the batch commits once). False: not even that; the
        # rows go out with the next query's autoflush or the batch's commit, one statement per table for
        # several events, for handlers whose reads are all ORM queries (which autoflush) or need no rows of
        # the events before them.
        self.flush_each_event = flush_each_event

    def before_batch(self, preparer: BatchPreparer) -> BatchPreparer:
        """Register a preparer of each batch (see `BatchPreparer`)."""
        self.preparers.append(preparer)
        return preparer

    def on(self, *event_types: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for event_type in event_types:
                self.add(event_type, handler)
            return handler
        return register

    def add(self, event_type: str, handler: Handler) -> None:
        if event_type in self._by_type:
            raise ValueError(f"two handlers for {event_type}")
        self._by_type[event_type] = handler

    def __getitem__(self, event_type: str) -> Handler:
        return self._by_type[event_type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_type)

    def __len__(self) -> int:
        return len(self._by_type)


@dataclass(frozen=True)
class Stream:
    """A queue a service consumes: its name suffix, exchange and handlers by event type."""

    name: str
    exchange: Exchange
    handlers: Mapping[str, Handler]
    # False for streams whose publishers are outside the platform (ingest): the catalog's schemas are
    # what the platform emits, and the handlers validate the external contract themselves (event.data
    # then stays as it arrived).
    validate: bool = True
    # Called after each message of this stream is dead-lettered (e.g. to count refused publishers); a
    # failure here is logged and never blocks the acknowledgement.
    on_dead_letter: Callable[[ServiceRuntime, DeadLetter], None] | None = None


class ConsumerRunner:
    IN_PLACE_ATTEMPTS = 4

    def __init__(self, runtime: ServiceRuntime, stream: Stream):
        self.runtime = runtime
        self.stream = stream
        self.consumer_name = f"{runtime.name}.{stream.name}"
        # A department's instance (serving only some units) has queues of its own, named after it.
        self.instance = runtime.settings.instance if runtime.settings.units else None
        self.queue_name = queue_name(runtime.name, stream.name, self.instance)
        self._deliveries: dict[str, int] = {}  # for transports that do not count deliveries

    # -- processing one message ------------------------------------------------------------------

    def parse(self, body: bytes, headers: dict | None, content_type: str | None):
        """(event, handler, None), or (None, None, outcome/reason) for a message not to apply."""
        try:
            event = Event.from_message(body, content_type, headers)
        except InvalidEvent as exc:
            return None, None, ("dead", str(exc))
        handler = self.stream.handlers.get(event.type)
        if handler is None:
            if self.stream.validate and event.type in catalog.CATALOG:
                # A type of the catalog this service no longer handles, on a binding an older version left on
                # the broker: nothing to do with it, and nothing wrong with it.
                return None, None, ("ignored", None)
            # A type nobody defined, sent where this queue listens: a publisher's mistake that must be seen.
            known = "the catalog" if self.stream.validate else "this stream's contract"
            return None, None, ("dead", f"unknown event type {event.type!r} on a key this queue is bound to: it is "
                                        f"not in {known}")
        if self.stream.validate:
            try:
                event = dataclasses.replace(event, values=catalog.load(event.type, event.data))
            except DomainError as exc:
                return None, None, ("dead", _domain_reason(exc))
        return event, handler, None

    def process(self, body: bytes, headers: dict | None = None,
                content_type: str | None = "application/cloudevents+json",
                user_id: str | None = None) -> tuple[str, str | None]:
        """Apply one message alone. Returns (outcome, reason): outcome is 'done', 'duplicate', 'conflict', 'ignored',
        'dead' (reason given) or 'retry'."""
        event, handler, verdict = self.parse(body, headers, content_type)
        if verdict:
            return verdict
        with bound(correlation=event.correlationid, service=self.runtime.name):
            for attempt in range(self.IN_PLACE_ATTEMPTS):
                try:
                    return self._apply(event, handler, user_id, body), None
                except DomainError as exc:
                    return "dead", _domain_reason(exc)
                except (Retryable, OperationalError) as exc:
                    reason = f"{type(exc).__name__}: {exc}"
                except DBAPIError as exc:
                    if not exc.connection_invalidated:
                        return "dead", f"{type(exc).__name__}: {exc.orig}"
                    reason = f"{type(exc).__name__}: {exc}"
                except Exception as exc:  # a bug or bad data the schema could not see
                    log.exception("handler failed", extra={"event_id": event.id, "type": event.type})
                    return "dead", f"{type(exc).__name__}: {exc}"
                delay = min(0.1 * 2**attempt, 2.0)
                log.warning("transient failure, retrying", extra={"event_id": event.id, "error": reason,
                                                                  "attempt": attempt + 1, "retry_in": delay})
                time.sleep(delay)
            return "retry", reason

    def process_batch(self, messages: list[tuple]) -> list[tuple[str, str | None]]:
        """Apply several messages, each (body, headers, content_type[, user_id]), in one transaction and
        one commit. If any of them fails, the whole transaction is undone and the messages are applied one
        by one (`process`), so the one at fault is dead-lettered or retried alone: failures are rare, and
        this saves a savepoint per event."""
        results: list[tuple[str, str | None] | None] = [None] * len(messages)
        todo = []
        for i, (body, headers, content_type, *_) in enumerate(messages):
            event, handler, verdict = self.parse(body, headers, content_type)
            if verdict:
                results[i] = verdict
            else:
                todo.append((i, event, handler))
        if not todo:
            return results
        try:
            with bound(service=self.runtime.name), self.runtime.uow() as uow:
                uow.hold_commits = True
                uow.hold_flushes = not getattr(self.stream.handlers, "flush_each_event", True)
                inbox = self.runtime.inbox
                seen = dict(uow.session.execute(select(inbox.c.event_id, inbox.c.digest).where(
                    inbox.c.consumer == self.consumer_name,
                    inbox.c.event_id.in_([event.id for _, event, _ in todo]))).all())
                applied = []
                preparers = getattr(self.stream.handlers, "preparers", ())
                if preparers:
                    fresh = [event for _, event, _ in todo if event.id not in seen]
                    for preparer in preparers:
                        preparer(uow, fresh)
                for i, event, handler in todo:
                    digest = content_digest(event)
                    if event.id in seen:
                        results[i] = self._duplicate(uow, event, seen[event.id], digest, messages[i][0])
                        continue
                    seen[event.id] = digest
                    token = causing_event.set(event)
                    user_token = message_user_id.set(_user_id_of(messages[i]))
                    try:
                        with bound(correlation=event.correlationid):
                            handler(event, uow)
                    finally:
                        message_user_id.reset(user_token)
                        causing_event.reset(token)
                    results[i] = ("done", None)
                    applied.append({"consumer": self.consumer_name, "event_id": event.id,
                                    "event_type": event.type, "processed_at": uow.now(), "digest": digest})
                # The inbox rows go in with the effects; a worker that applied one of these events at the
                # same moment makes this insert fail, and the messages are then taken one by one.
                if applied:
                    uow.session.execute(insert(inbox), applied)
                uow.hold_commits = False
                uow.commit()
        except Exception as exc:
            log.info("batch undone, applying its messages one by one",
                     extra={"queue": self.queue_name, "size": len(todo), "error": f"{type(exc).__name__}: {exc}"})
            for i, _event, _handler in todo:
                results[i] = self.process(*messages[i])
        return results

    def _apply(self, event: Event, handler: Handler, user_id: str | None = None, body: bytes = b"") -> str:
        inbox = self.runtime.inbox
        token = causing_event.set(event)
        user_token = message_user_id.set(user_id)
        try:
            with self.runtime.uow() as uow:
                digest = content_digest(event)
                try:
                    with uow.session.begin_nested():
                        uow.session.execute(insert(inbox).values(
                            consumer=self.consumer_name, event_id=event.id, event_type=event.type,
                            processed_at=uow.now(), digest=digest))
                except IntegrityError:
                    applied_digest = uow.session.scalar(select(inbox.c.digest).where(
                        inbox.c.consumer == self.consumer_name, inbox.c.event_id == event.id))
                    outcome, _ = self._duplicate(uow, event, applied_digest, digest, body)
                    uow.commit()
                    return outcome
                handler(event, uow)
                if not uow.committed:
                    uow.commit()
                return "done"
        finally:
            message_user_id.reset(user_token)
            causing_event.reset(token)

    def _duplicate(self, uow: UnitOfWork, event: Event, applied_digest: str | None, digest: str,
                   body: bytes) -> tuple[str, str | None]:
        """A message whose event id was applied before: a copy (nothing to do), or, with other content, a
        conflict, which is not applied either but is kept, counted and logged for an admin to resolve."""
        if applied_digest is None or applied_digest == digest:
            return "duplicate", None
        uow.session.execute(dialect_insert(uow.session)(self.runtime.event_conflicts).values(
            consumer=self.consumer_name, event_id=event.id, event_type=event.type, applied_digest=applied_digest,
            digest=digest, body=body, seen_at=uow.now()).on_conflict_do_nothing())
        CONFLICTS.labels(self.runtime.name, event.type).inc()
        log.warning("an event id was reused with other content; the first one stands",
                    extra={"event_id": event.id, "type": event.type, "queue": self.queue_name})
        return "conflict", None

    # -- the loop ----------------------------------------------------------------------------------

    def _handle(self, batch: list, producer) -> None:
        results = self.process_batch([(m.body, m.headers, m.content_type, (m.properties or {}).get("user_id"))
                                      for m in batch])
        for message, (outcome, reason) in zip(batch, results, strict=True):
            event_type = (message.delivery_info or {}).get("routing_key", "?")
            if outcome == "retry":
                # RabbitMQ counts deliveries of a quorum queue's messages; count here too, for transports
                # (and broker versions) that do not.
                count = max(int((message.headers or {}).get("x-delivery-count") or 0), self._count(message))
                if count + 1 >= self.runtime.settings.delivery_limit:
                    outcome, reason = "dead", f"gave up after {count + 1} deliveries: {reason}"
                else:
                    CONSUMED.labels(self.runtime.name, event_type, "requeued").inc()
                    message.requeue()
                    continue
            if outcome == "dead":
                self._dead_letter(producer, message, reason)
                self._after_dead_letter(message, reason)
            message.ack()
            CONSUMED.labels(self.runtime.name, event_type, outcome).inc()

    def _count(self, message) -> int:
        key = str(hash(message.body))
        if len(self._deliveries) > 10_000:
            self._deliveries.clear()
        self._deliveries[key] = self._deliveries.get(key, 0) + 1
        return self._deliveries[key] - 1

    def _dead_letter(self, producer, message, reason: str) -> None:
        log.error("message dead-lettered", extra={"queue": self.queue_name, "reason": reason})
        headers = dict(message.headers or {})
        headers.update({
            "x-kycuong-reason": reason[:2000],
            "x-kycuong-queue": self.queue_name,
            "x-kycuong-routing-key": (message.delivery_info or {}).get("routing_key", ""),
        })
        broker.publish(producer, message.body, exchange=DLX, routing_key=self.queue_name, headers=headers)

    def _after_dead_letter(self, message, reason: str) -> None:
        if self.stream.on_dead_letter is None:
            return
        try:
            event = Event.from_message(message.body, message.content_type, message.headers)
        except InvalidEvent:
            event = None
        try:
            self.stream.on_dead_letter(self.runtime, DeadLetter(event, reason, (message.properties or {}).get(
                "user_id")))
        except Exception:
            log.exception("dead-letter hook failed", extra={"queue": self.queue_name})

    def run(self, stop: threading.Event, ready: threading.Event | None = None) -> None:
        backoff = 0.5
        settings = self.runtime.settings
        outage = broker.Outage(log, f"consumer of {self.queue_name}")
        while not stop.is_set():
            conn = broker.connect(settings.broker_url)
            try:
                broker.ensure(conn)
                queue = declare(conn, self.runtime.name, self.stream.handlers, stream=self.stream.name,
                                exchange=self.stream.exchange, delivery_limit=settings.delivery_limit,
                                instance=self.instance)
                producer = conn.Producer()
                batch: list = []
                consumer = conn.Consumer(queues=[queue], prefetch_count=settings.prefetch,
                                         on_message=batch.append)
                with consumer:
                    outage.restored()
                    backoff = 0.5
                    if ready is not None:
                        ready.set()
                    while not stop.is_set():
                        try:
                            conn.drain_events(timeout=0.5)
                            # Gather what is already waiting, up to the prefetch window, into one batch.
                            while len(batch) < settings.prefetch:
                                conn.drain_events(timeout=0.005)
                        except TimeoutError:  # socket.timeout too: nothing (more) arrived
                            pass
                        if batch:
                            self._handle(batch, producer)
                            batch.clear()
                        conn.heartbeat_check()
            except broker.connection_errors(conn) as exc:
                outage.lost(exc)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            except Exception:
                log.exception("consumer failed, restarting", extra={"queue": self.queue_name})
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                conn.release()


def _user_id_of(message: tuple) -> str | None:
    return message[3] if len(message) > 3 else None


def _domain_reason(exc: DomainError) -> str:
    return f"{exc.code}: {exc.message} {exc.errors or ''}".strip()


def prune_inbox(runtime: ServiceRuntime, retention: timedelta) -> int:
    """Forget inbox rows older than `retention`: a redelivery comes within minutes (hours after an
    outage), so a month of memory is ample, and the table stays small."""
    from sqlalchemy import delete

    cutoff = runtime.clock.now() - retention
    with runtime.session_factory() as session:
        deleted = session.execute(delete(runtime.inbox).where(runtime.inbox.c.processed_at < cutoff)).rowcount
        session.commit()
    return max(deleted or 0, 0)
