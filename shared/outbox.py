"""The outbox relay: publishes what use cases committed to the outbox table, with publisher confirms
(a whole batch is published, then its confirms awaited together).

Rows are claimed in batches with FOR UPDATE SKIP LOCKED on PostgreSQL, so several relays (one per
worker replica) never publish the same row twice at the same time. A batch is marked sent only after
the broker confirmed all of it; on a broker outage rows stay unsent and go out when it is back. Redelivery
of a row that was confirmed but not yet marked (a crash between the two) is absorbed by the inbox.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge
from sqlalchemy import delete, func, select, update

from shared import broker
from shared.topology import declare_exchanges

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

log = logging.getLogger("kycuong.outbox")

PUBLISHED = Counter("kycuong_outbox_published_total", "Events published from the outbox", ["service"])
PENDING = Gauge("kycuong_outbox_pending", "Events in the outbox not yet published", ["service"])


class OutboxRelay:
    def __init__(self, runtime: ServiceRuntime):
        self.runtime = runtime
        self.table = runtime.outbox
        self.batch = runtime.settings.relay_batch

    def relay_once(self, publisher: broker.BatchPublisher) -> int:
        """Publish one batch and mark it sent once the broker confirmed all of it; returns its size."""
        table = self.table
        session = self.runtime.session_factory()
        try:
            rows = session.execute(
                select(table.c.id, table.c.exchange, table.c.routing_key, table.c.body, table.c.correlation_id)
                .where(table.c.sent_at.is_(None))
                .order_by(table.c.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                session.rollback()
                return 0
            # If this raises, nothing is marked: the batch is published again later, and consumers'
            # inboxes absorb whatever the broker had already stored.
            publisher.publish_batch([(row.body, row.exchange, row.routing_key,
                                      {"correlation_id": row.correlation_id or ""}) for row in rows])
            session.execute(update(table).where(table.c.id.in_([row.id for row in rows]))
                            .values(sent_at=self.runtime.clock.now()))
            session.commit()
        finally:
            session.close()
        PUBLISHED.labels(self.runtime.name).inc(len(rows))
        return len(rows)

    def prune(self, retention: timedelta) -> int:
        """Delete rows published longer ago than `retention`: the outbox is a queue, not an archive
        (reporting keeps every event). Unsent rows are never deleted."""
        cutoff = self.runtime.clock.now() - retention
        with self.runtime.session_factory() as session:
            deleted = session.execute(delete(self.table).where(self.table.c.sent_at.is_not(None),
                                                               self.table.c.sent_at < cutoff)).rowcount
            session.commit()
        return max(deleted or 0, 0)

    def pending(self) -> int:
        with self.runtime.session_factory() as session:
            count = session.scalar(select(func.count()).select_from(self.table).where(self.table.c.sent_at.is_(None)))
        PENDING.labels(self.runtime.name).set(count)
        return count

    def run(self, stop: threading.Event) -> None:
        backoff = 0.5
        outage = broker.Outage(log, "relay")
        while not stop.is_set():
            conn = broker.connect(self.runtime.settings.broker_url, confirm_each=False)
            try:
                broker.ensure(conn)
                declare_exchanges(conn)
                publisher = broker.BatchPublisher(conn)
                outage.restored()
                backoff = 0.5
                while not stop.is_set():
                    if self.relay_once(publisher) == 0:
                        self.runtime.relay_wakeup.wait(self.runtime.settings.relay_idle_poll)
                        self.runtime.relay_wakeup.clear()
            except broker.connection_errors(conn) as exc:
                outage.lost(exc)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            except Exception:
                log.exception("relay failed, retrying")
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                conn.release()
