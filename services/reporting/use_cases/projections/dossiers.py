"""Events that move where a dossier stands (received, completed, overdue, marked late, deadline moved,
apology, supplement requested and received), merged into the dossier's fact in any order and any number
of times; with the hand-overs and the warnings before a deadline, where it stands on the live board
(domain.board), whose counters move once per transaction (`flush_board`)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from services.reporting.domain.board import BoardEntry, Placement, Position, Warning, entry_changes, entry_of
from services.reporting.domain.dossier_facts import (
    DOSSIER_STANDING_EVENTS,
    DossierFact,
    Slot,
    months_to_rerank,
    slots_from_event,
    tally_changes,
)
from services.reporting.domain.event_data import parse_instant
from services.reporting.domain.periods import Month
from services.reporting.store import facts as fact_rows
from services.reporting.store import writes
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
            touch_board(uow, values["code"], values.get("procedure_code"))
            if after.unit != before.unit:
                pending.ensure_units(uow, [after.unit])
            changes = tally_changes(before, after, tz)
            pending.add_changes(uow, changes)
            if not uow.memo.get("replaying"):  # the rebuild re-ranks every period once, at its end
                rankings.rerank_later(uow, [p for month in months_to_rerank(changes.items(),
                                                                                   Month.of(uow.now(), tz))
                                            for p in month.enclosing()])
        uow.commit()


# Events that move only where a dossier is on the board (its step and official, a warning before its deadline).
BOARD_EVENTS = ("dossier.handed_over", "dossier.due_soon")


@projection(*BOARD_EVENTS)
def record_board_event(uow: UnitOfWork, event: Event, values: Mapping[str, Any]) -> None:
    """The newest hand-over or warning of the dossier: its place on the board moves at the commit."""
    with uow:
        code = values["code"]
        load_fact(uow, code, values.get("procedure_code"))
        entry = uow.memo["board"][code]
        if event.type == "dossier.handed_over":
            placement = entry[0].handed_over(Position(parse_instant(values["at"], "at"), values.get("to_step"),
                                                      values.get("to_official"), values.get("from_step")))
        else:
            placement = entry[0].warned(Warning(parse_instant(values["due_at"], "due_at"),
                                                parse_instant(values["detected_at"], "detected_at"),
                                                values.get("step"), values.get("official")))
        if placement != entry[0]:
            entry[0] = placement
            touch_board(uow, code, None)
        uow.commit()


def remember_board(uow: UnitOfWork, code: str, fact: DossierFact | None, placement: Placement,
                   written: BoardEntry | None = None) -> None:
    """A dossier's board placement: [now, as its row holds it, the entry its row holds, the entry counted].
    A row read back holds what is counted; a row just inserted holds `written` and is counted nowhere yet."""
    if fact is not None:
        written = counted = entry_of(fact, placement)
    else:
        counted = None
    uow.memo.setdefault("board", {})[code] = [placement, placement, written, counted]


def board_later(uow: UnitOfWork) -> None:
    """Recount the board at the commit. Asked for before the batch's first event (by prepare_batch and the
    rebuild), it runs before the facts are written, so the rebuild's new facts go in with their board
    columns (`flush_board`); asked for later, it runs after and updates their rows."""
    uow.defer("board", functools.partial(flush_board, uow))


def touch_board(uow: UnitOfWork, code: str, procedure_code: str | None) -> None:
    """The dossier may move on the board: recounted once at the commit."""
    entry = uow.memo["board"][code]
    entry[0] = entry[0].with_procedure(procedure_code)
    uow.memo.setdefault("board_touched", set()).add(code)
    pending.flush_later(uow)
    board_later(uow)


def flush_board(uow: UnitOfWork) -> None:
    """Recount the dossiers the transaction moved: their board columns and the counters, a statement each.
    A rebuild's new facts not written yet are inserted here, with their board columns (one write each)."""
    touched = uow.memo.pop("board_touched", ())
    if not touched:
        return
    facts, board = uow.memo["facts"], uow.memo["board"]
    unwritten = uow.memo.get("new_facts", set())
    deltas: dict[tuple[str, str, str], tuple[int, int, int]] = {}
    rows, inserts = [], []
    for code in sorted(touched):
        placement, row_placement, row_entry, counted = board[code]
        entry: BoardEntry | None = entry_of(facts[code][0], placement)
        for key, counts in entry_changes(counted, entry).items():
            deltas[key] = tuple(a + b for a, b in zip(deltas.get(key, (0, 0, 0)), counts, strict=True))
        columns = fact_rows.board_columns(placement, entry)
        if code in unwritten:
            inserts.append((facts[code][0], facts[code][2], columns))
        elif placement != row_placement or entry != row_entry:
            rows.append({"fact_code": code, **columns})
        board[code] = [placement, placement, entry, entry]
    if inserts:
        writes.insert_facts(uow.session, [(fact, procedure) for fact, procedure, _ in inserts], uow.now(),
                            [columns for _, _, columns in inserts])
        dirty = uow.memo.get("dirty_facts", set())
        for fact, _, _ in inserts:
            unwritten.discard(fact.code)
            dirty.discard(fact.code)
            entry_row = facts[fact.code]
            entry_row[1], entry_row[3] = False, entry_row[0]
    if rows:
        writes.update_board(uow.session, rows)
    deltas = {key: counts for key, counts in deltas.items() if any(counts)}
    if deltas:
        writes.add_to_board(uow.session, deltas)


def prefetch_facts(uow: UnitOfWork, codes: set, known: dict[str, DossierFact] | None = None,
                   known_placements: dict[str, Placement] | None = None) -> None:
    """Load (and lock) the facts of many dossiers in one statement, with their board placements; codes not
    found are known to be new. `known`, `known_placements`: facts and placements as committed that a
    rebuild still holds (nobody else writes during a rebuild)."""
    codes.discard(None)
    if not codes:
        return
    facts = uow.memo.setdefault("facts", {})  # code -> [fact, dirty, procedure code, the fact as stored]
    missing = uow.memo.setdefault("facts_missing", set())
    for code in codes & known.keys() if known else ():
        if code not in facts:
            facts[code] = [known[code], False, None, known[code]]
            remember_board(uow, code, known[code], (known_placements or {}).get(code, Placement()))
    wanted = sorted(code for code in codes if code not in facts)
    found = set()
    for code, fact, placement in fact_rows.lock_facts(uow.session, wanted):
        facts[code] = [fact, False, None, fact]
        remember_board(uow, code, fact, placement)
        found.add(code)
    missing.update(set(wanted) - found)


def load_fact(uow: UnitOfWork, code: str, procedure_code: str | None) -> None:
    """The dossier's fact and placement in the transaction's memo: read and locked, or created empty (a
    hand-over or a warning that came before the dossier's other events), so the board has a row to keep."""
    facts = uow.memo.setdefault("facts", {})
    if code in facts:
        return
    session = uow.session
    missing = uow.memo.get("facts_missing", ())
    if code in missing and uow.memo.get("replaying"):
        missing.discard(code)
        facts[code] = [DossierFact(code), False, procedure_code, None]
        remember_board(uow, code, None, Placement(procedure_code))
        uow.memo.setdefault("new_facts", set()).add(code)
        pending.flush_later(uow)
        return
    found = None if code in missing else fact_rows.lock_fact(session, code)
    if found is None:
        empty = DossierFact(code)
        if fact_rows.insert_fact(session, empty, procedure_code, uow.now()):
            facts[code] = [empty, False, procedure_code, empty]
            remember_board(uow, code, None, Placement(procedure_code))
            return
        found = fact_rows.lock_fact(session, code)  # another worker created it meanwhile
    fact, placement = found
    facts[code] = [fact, False, None, fact]
    remember_board(uow, code, fact, placement)


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
        remember_board(uow, code, None, Placement(procedure_code))
        uow.memo.setdefault("new_facts", set()).add(code)
        pending.flush_later(uow)
        return before, after
    if entry is None:
        found = None if code in missing else fact_rows.lock_fact(session, code)
        if found is None:
            before = DossierFact(code)
            after = before.merged(slot)
            placement = Placement(procedure_code)
            written = entry_of(after, placement)
            if fact_rows.insert_fact(session, after, procedure_code, uow.now(),
                                     fact_rows.board_columns(placement, written)):
                facts[code] = [after, False, procedure_code, after]
                remember_board(uow, code, None, placement, written)
                return before, after
            # Another worker created it meanwhile: merge into theirs.
            found = fact_rows.lock_fact(session, code)
        fact, placement = found
        remember_board(uow, code, fact, placement)
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
    board_later(uow)
    prefetch_facts(uow, {event.values.get("code") for event in events
                         if (event.type in DOSSIER_STANDING_EVENTS or event.type in BOARD_EVENTS)
                         and event.values is not None})
