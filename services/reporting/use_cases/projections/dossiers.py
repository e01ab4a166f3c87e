"""Events that move where a dossier stands (received, completed, overdue, marked late, deadline moved,
apology, supplement requested and received), merged into the dossier's fact in any order and any number
of times."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.domain.dossier_facts import (
    DOSSIER_STANDING_EVENTS,
    DossierFact,
    Slot,
    months_to_rerank,
    slots_from_event,
    tally_changes,
)
from services.reporting.domain.periods import Month
from services.reporting.store import facts as fact_rows
from services.reporting.use_cases import pending, rankings
from services.reporting.use_cases.projections.registry import projection
from shared.events.envelope import Event
from shared.uow import UnitOfWork


@projection(*DOSSIER_STANDING_EVENTS)
def record_dossier_event(uow: UnitOfWork, event: Event, values: Mapping[str, Any]) -> None:
    """Merge into the dossier's fact, move its unit's stored rows, re-rank the periods that can have moved."""
    with uow:
        tz = uow.calendar.tz
        for slot in slots_from_event(event.type, values, event.time):
            before, after = merge_fact(uow, values["code"], slot, values.get("procedure_code"))
            if after == before:
                continue
            if after.unit != before.unit:
                pending.ensure_units(uow, [after.unit])
            changes = tally_changes(before, after, tz)
            pending.add_changes(uow, changes)
            if not uow.memo.get("replaying"):  # the rebuild re-ranks every period once, at its end
                rankings.rerank_later(uow, [p for month in months_to_rerank(changes.items(),
                                                                                   Month.of(uow.now(), tz))
                                            for p in month.enclosing()])
        uow.commit()


def prefetch_facts(uow: UnitOfWork, codes: set, known: dict[str, DossierFact] | None = None) -> None:
    """Load (and lock) the facts of many dossiers in one statement; codes not found are known to be new.
    `known`: facts as committed that a rebuild still holds (nobody else writes during a rebuild)."""
    codes.discard(None)
    if not codes:
        return
    facts = uow.memo.setdefault("facts", {})  # code -> [fact, dirty, procedure code, the fact as stored]
    missing = uow.memo.setdefault("facts_missing", set())
    for code in codes & known.keys() if known else ():
        facts.setdefault(code, [known[code], False, None, known[code]])
    wanted = sorted(code for code in codes if code not in facts)
    found = set()
    for code, fact in fact_rows.lock_facts(uow.session, wanted):
        facts[code] = [fact, False, None, fact]
        found.add(code)
    missing.update(set(wanted) - found)


def merge_fact(uow: UnitOfWork, code: str, slot: Slot,
               procedure_code: str | None) -> tuple[DossierFact, DossierFact]:
    """Merge what an event says into the dossier's fact: locked and read once per transaction (created at
    once when new, so a second worker waits on it), written back at the commit."""
    session = uow.session
    facts = uow.memo.setdefault("facts", {})
    entry = facts.get(code)
    missing = uow.memo.get("facts_missing", ())
    if entry is None and code in missing and uow.memo.get("replaying"):
        # A rebuild knows the fact is new (prefetched): insert it with the others at the commit.
        missing.discard(code)
        before = DossierFact(code)
        after = before.merged(slot)
        facts[code] = [after, False, procedure_code, None]
        uow.memo.setdefault("new_facts", set()).add(code)
        pending.flush_later(uow)
        return before, after
    if entry is None:
        fact = None if code in missing else fact_rows.lock_fact(session, code)
        if fact is None:
            before = DossierFact(code)
            after = before.merged(slot)
            if fact_rows.insert_fact(session, after, procedure_code, uow.now()):
                facts[code] = [after, False, procedure_code, after]
                return before, after
            # Another worker created it meanwhile: merge into theirs.
            fact = fact_rows.lock_fact(session, code)
        entry = facts[code] = [fact, False, None, fact]
    before = entry[0]
    after = before.merged(slot)
    if after != before:
        entry[0], entry[1] = after, True
        entry[2] = entry[2] or procedure_code
        uow.memo.setdefault("dirty_facts", set()).add(code)
        pending.flush_later(uow)
    return before, after


def prepare_batch(uow: UnitOfWork, events: list[Event]) -> None:
    """Before a consumer's batch: the facts of every dossier its events move, read and locked in one
    statement (in code order, as `flush` writes them) instead of one per dossier; those not found are
    known to be new, and are inserted as they come."""
    prefetch_facts(uow, {event.values.get("code") for event in events if event.type in DOSSIER_STANDING_EVENTS
                         and event.values is not None})
