"""Support for the tests that compare a consumer's batched path with its per-event path.

The same messages are applied to two copies of a service on PostgreSQL (no background workers, one manual
clock): one takes them in batches (`ConsumerRunner.process_batch`, which runs the stream's batch preparers),
the other one message at a time (`ConsumerRunner.process`, which never does). Both must leave the same rows.
Generated codes (random suffixes) and the audit chain's hashes differ by nature; the tests compare what
the rows say, without them.
"""

from __future__ import annotations

import random

from sqlalchemy import text

from shared.consumer import ConsumerRunner
from shared.events.envelope import CONTENT_TYPE


def runner(service, stream: str = "events") -> ConsumerRunner:
    [chosen] = [s for s in service.runtime.spec.all_streams() if s.name == stream]
    return ConsumerRunner(service.runtime, chosen)


def messages(bodies: list[bytes], user_id: str | None = None) -> list[tuple]:
    return [(body, {}, CONTENT_TYPE, user_id) for body in bodies]


def with_duplicates_shuffled(bodies: list[bytes], seed: int) -> list[bytes]:
    """Every body once in a shuffled order, then a quarter of them again (redeliveries), interleaved."""
    rng = random.Random(seed)
    shuffled = list(bodies)
    rng.shuffle(shuffled)
    again = rng.sample(bodies, max(1, len(bodies) // 4))
    for body in again:
        shuffled.insert(rng.randrange(len(shuffled) + 1), body)
    return shuffled


def apply_batched(service, batch: list[tuple], size: int, stream: str = "events") -> list[tuple]:
    """Batches of `size`; each must commit as one (a batch undone is replayed one message at a time by
    `process`, which would hide what the batched path does)."""
    consumer = runner(service, stream)
    replayed = []
    consumer.process = lambda *message: replayed.append(message) or ConsumerRunner.process(consumer, *message)
    results = []
    for start in range(0, len(batch), size):
        results += consumer.process_batch(batch[start:start + size])
    assert not replayed, f"{len(replayed)} messages were replayed one by one after a batch was undone"
    return results


def apply_one_by_one(service, batch: list[tuple], stream: str = "events") -> list[tuple]:
    consumer = runner(service, stream)
    return [consumer.process(*message) for message in batch]


def rows(service, sql: str) -> list[tuple]:
    with service.runtime.engine.connect() as conn:
        return sorted((tuple(row) for row in conn.execute(text(sql))), key=repr)
