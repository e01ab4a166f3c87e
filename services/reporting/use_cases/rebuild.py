"""`kycuong reporting rebuild`: empty every projection and replay the event archive through the same
registry of projections as the live consumer."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import delete, func, select

from services.reporting.domain.board import Placement
from services.reporting.domain.dossier_facts import DOSSIER_STANDING_EVENTS, DossierFact
from services.reporting.domain.periods import Month
from services.reporting.store.statements import PROJECTION_TABLES, archive_table, scorecards
from services.reporting.use_cases import rankings
from services.reporting.use_cases.projections import project_event
from services.reporting.use_cases.projections.dossiers import BOARD_EVENTS, board_later, prefetch_facts
from services.reporting.use_cases.projections.tasks import TASK_EVENTS, prefetch_task_facts
from shared.events import catalog
from shared.events.envelope import Event


def rebuild(runtime, batch_size: int = 2000, progress: Callable[[int, int], None] | None = None) -> dict:
    """Empty every projection and replay the archive in time order, in batches, through `project_event`;
    then re-rank every period once and publish `ranking.updated` only where the result differs from what
    was published. Stop the reporting worker first: events consumed during a rebuild would be counted on
    tables about to be emptied."""
    started = time.perf_counter()
    with runtime.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(archive_table))
        for table in PROJECTION_TABLES:
            uow.session.execute(delete(table))
        uow.commit()
    done = 0
    after: tuple | None = None
    # Units inserted by an earlier batch (committed): not inserted again by every batch.
    units_ensured: set[str] = set()
    # Likewise the natural keys of the occurrences and ratings written: a later copy is known to add nothing.
    occurrences_stored: set[tuple] = set()
    ratings_stored: set[str] = set()
    # The dossier facts the last two batches touched, as committed: a dossier's events span days, so most of
    # a batch's dossiers were in one of the two before it, and are not read back (and parsed) again.
    recent_facts: dict[str, DossierFact] = {}
    last_touched: dict[str, DossierFact] = {}
    # With their places on the live board (hand-overs, warnings), kept the same way.
    recent_placements: dict[str, Placement] = {}
    last_placed: dict[str, Placement] = {}
    if progress:
        progress(0, total)
    while True:
        with runtime.uow() as uow:
            query = select(archive_table).order_by(archive_table.c.time, archive_table.c.event_id)
            if after is not None:
                query = query.where((archive_table.c.time > after[0])
                                    | ((archive_table.c.time == after[0]) & (archive_table.c.event_id > after[1])))
            rows = uow.session.execute(query.limit(batch_size)).all()
            if not rows:
                break
            uow.memo["replaying"] = True
            uow.memo["units_ensured"] = units_ensured
            uow.memo["occurrences_stored"] = occurrences_stored
            uow.memo["ratings_stored"] = ratings_stored
            board_later(uow)  # first: the batch's new facts go in with their board columns
            events = [event_from_archive(row) for row in rows]
            prefetch_facts(uow, {e.values.get("code") for e in events
                                 if e.type in DOSSIER_STANDING_EVENTS or e.type in BOARD_EVENTS},
                           recent_facts, recent_placements)
            prefetch_task_facts(uow, {e.values.get("code") for e in events if e.type in TASK_EVENTS})
            # One transaction per batch, as the consumer does: the projections' commits only flush.
            uow.hold_commits = True
            for event in events:
                project_event(uow, event, event.values)
            uow.hold_commits = False
            uow.commit()
            touched = {code: entry[0] for code, entry in uow.memo.get("facts", {}).items()}
            placed = {code: entry[0] for code, entry in uow.memo.get("board", {}).items()}
        recent_facts, last_touched = {**last_touched, **touched}, touched
        recent_placements, last_placed = {**last_placed, **placed}, placed
        after = (rows[-1].time, rows[-1].event_id)
        done += len(rows)
        if progress:
            progress(done, total)
    with runtime.uow() as uow:
        months = [Month.parse(text) for text in uow.session.scalars(select(scorecards.c.period).distinct())]
        current = Month.of(uow.now(), uow.calendar.tz)
        periods = {p for month in months if month <= current for p in month.enclosing()}
        for period in sorted(periods, key=lambda p: (p.first, p.last)):
            rankings.refresh_rankings(uow, period)
        uow.commit()
    return {"events": done, "seconds": time.perf_counter() - started}


def event_from_archive(row) -> Event:
    """An archived event as the consumer had it: the document as received, and its values loaded once."""
    return Event(type=row.type, source=row.source, subject=row.subject, data=row.data, unit=row.unit,
                 id=row.event_id, time=row.time, correlationid=row.correlation_id, causationid=row.causation_id,
                 dataversion=row.data_version, values=catalog.load(row.type, row.data))
