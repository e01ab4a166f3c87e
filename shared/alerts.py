"""Exactly-once alerts for the deadline sweeps of every service.

A sweep claims due rows with FOR UPDATE SKIP LOCKED (so replicas split the work), then writes one
marker row per (subject, kind, due date) in the same transaction as the events it records; the
marker's unique key makes a second alert for the same due date impossible, even across replicas and
restarts. These two pieces are the same for dossiers, tasks and feedback; they live here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Table, exists, insert, literal, select
from sqlalchemy.orm import Session

from shared.db import UtcDateTime


def mark_new(session: Session, alerts: Table, *, subject_column: str, kind: str, subject: ColumnElement,
             due_at: ColumnElement, subjects: Iterable[str], now: datetime) -> set[str]:
    """Write a marker (`subject_column`, kind, due_at, alerted_at) for each of `subjects` whose current
    due date (`due_at`, a column of the subject's table keyed by `subject`) has none of this kind yet;
    returns the subjects newly marked, the only ones to alert."""
    codes = list(subjects)
    if not codes:
        return set()
    marker_subject = alerts.c[subject_column]
    statement = insert(alerts).from_select(
        [subject_column, "kind", "due_at", "alerted_at"],
        select(subject, literal(kind), due_at, literal(now, UtcDateTime()))
        .where(subject.in_(codes))
        .where(~exists().where(marker_subject == subject, alerts.c.kind == kind, alerts.c.due_at == due_at)),
    ).returning(marker_subject)
    return set(session.execute(statement).scalars())


def sweep_in_batches(step: Callable[[int], tuple[int, int]], batch: int) -> int:
    """Run `step(limit)` → (done, claimed) until a batch comes back short: none left, or the rest are
    locked by another replica that will handle them. Returns the total done."""
    done_total = 0
    while True:
        done, claimed = step(batch)
        done_total += done
        if claimed < batch:
            return done_total
