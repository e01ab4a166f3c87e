"""Exactly-once alerts for the deadline sweeps of every service.

A sweep claims due rows with FOR UPDATE SKIP LOCKED (so replicas split the work), then writes one
marker row per (subject, kind, due date) in the same transaction as the events it records; the
marker's unique key makes a second alert for the same due date impossible, even across replicas and
restarts. These two pieces are the same for dossiers, tasks and feedback; they live here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, Update, exists, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.orm import Session

from shared.db import UtcDateTime, dialect_insert


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


def mark_due(session: Session, alerts: Table, *, subject_column: str | tuple[str, ...], kind: str,
             due: Mapping[Any, datetime], now: datetime) -> set:
    """`mark_new` for a caller that already holds each subject's current due date (`due`: subject →
    due_at), having just claimed and locked those rows: the markers are written from these values,
    without reading the subjects' table again, and one already there for the same subject, kind and due
    date is skipped by the marker's unique key (ON CONFLICT DO NOTHING). Returns the subjects newly
    marked, the only ones to alert.

    A subject named by several columns (feedback's stages: code and stage) gives them as a tuple in
    `subject_column`, and each subject in `due` and in the answer is a tuple of their values."""
    if not due:
        return set()
    composite = not isinstance(subject_column, str)
    columns = tuple(subject_column) if composite else (subject_column,)
    statement = dialect_insert(session)(alerts).on_conflict_do_nothing().returning(*(alerts.c[c] for c in columns))
    rows = [{**dict(zip(columns, subject if composite else (subject,), strict=True)),
             "kind": kind, "due_at": due_at, "alerted_at": now}
            for subject, due_at in due.items()]
    result = session.execute(statement, rows)
    return {tuple(row) for row in result} if composite else set(result.scalars())


def claim_and_mark(session: Session, claim: Update, alerts: Table, *, subject_column: str, kind: str,
                   now: datetime, subject: str = "code", due_at: str = "due_at") -> tuple[list[Row], set[str]]:
    """Run `claim`, an UPDATE … RETURNING that claims due rows (locked with SKIP LOCKED, flagged as
    alerted) and returns at least the columns `subject` and `due_at`, and write a marker (subject, kind,
    due date) for each row it returns, in the same transaction. Returns the claimed rows and the subjects
    newly marked, the only ones to alert: a marker already there for that due date is skipped by its
    unique key.

    On PostgreSQL the claim and the markers are one statement (a data-modifying WITH): the markers are
    written from the rows the UPDATE returns, without sending the codes back to the server, in one round
    trip: on the benchmark's large database a sweep of 10,000 takes 1.15 s this way against 1.53 s with
    the claim then `mark_due` (medians of 6, alternating).
    SQLite, which has no data-modifying WITH, runs the claim, then `mark_due`."""
    if session.get_bind().dialect.name != "postgresql":
        rows = list(session.execute(claim).all())
        return rows, mark_due(session, alerts, subject_column=subject_column, kind=kind,
                              due={row._mapping[subject]: row._mapping[due_at] for row in rows}, now=now)
    claimed = claim.cte("claimed")
    marker_subject = alerts.c[subject_column]
    marked = (postgresql_insert(alerts)
              .from_select([subject_column, "kind", "due_at", "alerted_at"],
                           select(claimed.c[subject], literal(kind), claimed.c[due_at], literal(now, UtcDateTime())))
              .on_conflict_do_nothing()
              .returning(marker_subject)
              .cte("marked"))
    fresh = marked.c[subject_column].is_not(None).label("newly_marked")
    result = session.execute(select(*claimed.c, fresh)
                             .outerjoin_from(claimed, marked, marked.c[subject_column] == claimed.c[subject])).all()
    return result, {row._mapping[subject] for row in result if row.newly_marked}


def sweep_in_batches(step: Callable[[int], tuple[int, int]], batch: int) -> int:
    """Run `step(limit)` → (done, claimed) until a batch comes back short: none left, or the rest are
    locked by another replica that will handle them. Returns the total done."""
    done_total = 0
    while True:
        done, claimed = step(batch)
        done_total += done
        if claimed < batch:
            return done_total
