"""What a transaction's projections have buffered, written once just before it commits (`flush`).

Within one transaction (a consumer's batch, a rebuild's batch) the facts read are kept in `uow.memo` and
the counters, occurrences and archived events written once at the commit, so a batch costs a few
statements per dossier rather than per event. A rebuild also keeps what it wrote between its batches
(units, the keys of occurrences and ratings): it reads less back, and writes the rows it knows are new
with plain inserts of pre-serialised values.
"""

from __future__ import annotations

import functools

from services.reporting.domain.occurrences import add_counts, occurrence_figure_counts, rating_figure_counts
from services.reporting.domain.periods import Month
from services.reporting.domain.progress import Tally
from services.reporting.domain.task_facts import TaskCounts
from services.reporting.store import facts as fact_rows
from services.reporting.store import writes
from shared.events.envelope import Event
from shared.uow import UnitOfWork


def archive(uow: UnitOfWork, event: Event) -> None:
    """Keep the event for rebuilds, as received. Rows are buffered and written in one statement when the
    transaction commits (a consumer's batch holds many events); a failed transaction keeps none of them."""
    rows = uow.memo.get("archive")
    if rows is None:
        rows = uow.memo["archive"] = []
        uow.defer("archive", functools.partial(_write_archive, uow))
    rows.append({
        "event_id": event.id,
        "type": event.type,
        "source": event.source,
        "subject": event.subject,
        "unit": event.unit,
        "time": event.time,
        "correlation_id": event.correlationid,
        "causation_id": event.causationid,
        "data_version": event.dataversion,
        "data": event.data,
        "archived_at": uow.now(),
    })


def _write_archive(uow: UnitOfWork) -> None:
    rows = uow.memo.pop("archive", [])
    if rows:
        writes.archive(uow.session, rows)


def ensure_units(uow: UnitOfWork, codes) -> None:
    """Every unit an event names gets a row (once per transaction, once per rebuild): those not met yet in
    one statement (a consumer's batch names its units here first, so its events find them met)."""
    known = uow.memo.setdefault("units_ensured", set())
    new = {code for code in codes if code and code not in known}
    if new:
        writes.ensure_units(uow.session, sorted(new), uow.now())
        known |= new


def flush_later(uow: UnitOfWork) -> None:
    uow.defer("flush", functools.partial(flush, uow))


def add_changes(uow: UnitOfWork, changes: dict[tuple[str, Month], Tally]) -> None:
    """Add the increments to the transaction's month deltas (written at the commit)."""
    if not changes:
        return
    deltas = uow.memo.setdefault("month_deltas", {})
    for key, delta in changes.items():
        deltas[key] = deltas.get(key, Tally()) + delta
    flush_later(uow)


def add_task_changes(uow: UnitOfWork, changes: dict[tuple[str, Month], TaskCounts]) -> None:
    """Add a task's increments to the transaction's task month deltas (written at the commit)."""
    if not changes:
        return
    deltas = uow.memo.setdefault("task_deltas", {})
    for key, delta in changes.items():
        deltas[key] = deltas.get(key, TaskCounts()) + delta
    flush_later(uow)


def add_figure_counts(uow: UnitOfWork, unit: str, month: Month, counts: tuple[int, ...], flush: bool = True) -> None:
    """Add to the transaction's increments of a unit's month counts (figure_months, written at the commit)."""
    deltas = uow.memo.setdefault("figure_deltas", {})
    key = (unit, month)
    deltas[key] = add_counts(deltas[key], counts) if key in deltas else counts
    if flush:
        flush_later(uow)


def flush(uow: UnitOfWork) -> None:
    """Write what the transaction's projections buffered: changed dossier facts, month increments and
    open dossiers, task facts and their months, occurrences, ratings. Always in the same order (facts by
    code, months, then units), so two workers never wait on each other in a cycle."""
    session = uow.session
    now = uow.now()
    tz = uow.calendar.tz
    facts = uow.memo.get("facts", {})  # code -> [fact, dirty, procedure code, the fact as stored]
    new = sorted(uow.memo.pop("new_facts", ()))
    dirty = sorted(set(uow.memo.pop("dirty_facts", ())) - set(new))
    if new:
        # Only a rebuild defers its inserts (nobody else writes meanwhile); written in their final state.
        writes.insert_facts(session, [(facts[code][0], facts[code][2]) for code in new], now)
    if dirty:
        writes.update_facts(session, [(facts[code][0], facts[code][3], facts[code][2]) for code in dirty], now)
    for code in (*new, *dirty):
        entry = facts[code]
        entry[1], entry[3] = False, entry[0]
    deltas: dict = uow.memo.pop("month_deltas", {})
    if deltas:
        writes.add_to_months(session, deltas)
    task_deltas: dict = uow.memo.pop("task_deltas", {})
    if task_deltas:
        writes.add_to_task_months(session, task_deltas)
    task_facts: dict = uow.memo.get("task_facts", {})  # code -> [fact, None | "new" | "dirty"]
    new_tasks = sorted(code for code, entry in task_facts.items() if entry[1] == "new")
    dirty_tasks = sorted(code for code, entry in task_facts.items() if entry[1] == "dirty")
    if new_tasks:
        fact_rows.insert_task_facts(session, [task_facts[code][0] for code in new_tasks], now, tz)
    if dirty_tasks:
        fact_rows.update_task_facts(session, [task_facts[code][0] for code in dirty_tasks], now, tz)
    for code in (*new_tasks, *dirty_tasks):
        task_facts[code][1] = None
    occurrences = uow.memo.pop("occurrences", {})
    if occurrences:
        stored = uow.memo.get("occurrences_stored")  # a rebuild's: the keys its earlier batches wrote
        if stored is None:
            new_keys = writes.insert_occurrences(session, [occurrences[key] for key in sorted(occurrences)])
        else:
            new_keys = [key for key in sorted(occurrences) if key not in stored]
            if new_keys:
                writes.insert_new_occurrences(session, [occurrences[key] for key in new_keys])
            stored.update(new_keys)
        for key in new_keys:
            row = occurrences[key]
            counts = occurrence_figure_counts(row["kind"], row["on_time"])
            if counts is not None and row["unit"] is not None:
                add_figure_counts(uow, row["unit"], Month.of(row["at"], tz), counts, flush=False)
    ratings = uow.memo.pop("ratings", {})
    if ratings:
        # Only a rebuild buffers ratings; it keeps the codes its earlier batches wrote.
        stored = uow.memo["ratings_stored"]
        new_codes = [code for code in sorted(ratings) if code not in stored]
        if new_codes:
            writes.insert_new_ratings(session, [ratings[code] for code in new_codes])
        stored.update(new_codes)
        for code in new_codes:
            row = ratings[code]
            if row["unit"]:  # a copy of a rating already stored adds nothing
                add_figure_counts(uow, row["unit"], Month.parse(row["period"]),
                                  rating_figure_counts(row["overall"]), flush=False)
    figure_deltas: dict = uow.memo.pop("figure_deltas", {})
    if figure_deltas:
        writes.add_to_figure_months(session, figure_deltas)
