"""What the projections write: units, facts, the month counters (added to, never recomputed), occurrences,
ratings, the public list of decisions, published rankings and the event archive. Each function is a
statement or two, in the order the caller gives; the caller decides what to write."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.reporting.domain.dossier_facts import DOSSIER_SLOTS, DossierFact
from services.reporting.domain.occurrences import FIGURE_COUNTERS
from services.reporting.domain.periods import Month
from services.reporting.domain.progress import Tally
from services.reporting.domain.ranking import unit_sort_key
from services.reporting.domain.task_facts import TASK_COUNTERS, TaskCounts
from services.reporting.store.facts import fact_scalars, slot_params
from services.reporting.store.statements import (
    BOARD_COUNTERS,
    MONTH_COLUMNS,
    UNIT_TASK_TOTALS,
    dialect_insert,
    head_terms,
    public_sanctions,
    rankings,
    self_assessments,
    statements,
    survey_rounds,
    units,
)


def archive(session: Session, rows: list[dict]) -> None:
    """Archived events, as received; a copy of an event already archived is skipped."""
    session.execute(statements(session).archive, rows)


def ensure_units(session: Session, codes: list[str], now: datetime) -> None:
    """A row for each unit not known yet, in one statement (in code order: two workers never wait in a cycle)."""
    session.execute(statements(session).ensure_unit, [
        {"code": code, "first_seen_at": now, "sort_key": unit_sort_key(code, None)} for code in sorted(codes)])


def unit_kind(session: Session, code: str) -> str | None:
    return session.execute(select(units.c.kind).where(units.c.code == code)).scalar()


def name_unit(session: Session, code: str, name: str, parent: str | None, kind: str, event_at: datetime) -> bool:
    """Name a unit from a directory event unless a newer one already did; whether it did."""
    return bool(session.execute(
        update(units)
        .where(units.c.code == code)
        .where(units.c.directory_event_at.is_(None) | (units.c.directory_event_at <= event_at))
        .values(name=name, parent=parent, kind=kind, directory_event_at=event_at,
                sort_key=unit_sort_key(code, name))
    ).rowcount)


def insert_facts(session: Session, facts: list[tuple[DossierFact, str | None]], now: datetime,
                 board: list[dict] | None = None) -> None:
    """New dossier facts (a rebuild's, written in their final state), with their procedure codes and, when
    given, their board columns (`facts.board_columns`, one per fact)."""
    session.execute(statements(session).insert_fact_many, [
        {"code": fact.code, "procedure_code": procedure_code, **fact_scalars(fact, now),
         **slot_params(fact, DOSSIER_SLOTS), **(board[i] if board else {})}
        for i, (fact, procedure_code) in enumerate(facts)])


def update_facts(session: Session, facts: list[tuple[DossierFact, DossierFact, str | None]],
                 now: datetime) -> None:
    """Changed dossier facts (fact, as stored, procedure code): an event changes one or two of a fact's seven
    slots, so only those are serialised and sent, one statement per set of changed slots. (The rows were
    locked when read, so the order of the updates adds no waiting between workers.)"""
    by_slots: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for fact, stored, procedure_code in facts:
        changed = tuple(kind for kind in DOSSIER_SLOTS if getattr(fact, kind) != getattr(stored, kind))
        by_slots[changed].append({"fact_code": fact.code, "procedure_code_if_missing": procedure_code,
                                  **fact_scalars(fact, now), **slot_params(fact, changed)})
    for _, rows in sorted(by_slots.items()):
        session.execute(statements(session).update_fact_many, rows)


def _by_month(deltas: dict) -> list:
    return sorted(deltas.items(), key=lambda item: (item[0][1], item[0][0]))


def add_to_months(session: Session, deltas: dict[tuple[str, Month], Tally]) -> None:
    """Add to the units' month rows (`scorecards`) and to what they have open now (`unit_open`)."""
    open_by_unit: dict[str, Tally] = {}
    rows = []
    for (unit, month), delta in _by_month(deltas):
        rows.append({"period": str(month), "unit": unit, **dict(zip(MONTH_COLUMNS, delta.as_tuple(), strict=True))})
        open_by_unit[unit] = open_by_unit.get(unit, Tally()) + delta.open_part()
    session.execute(statements(session).add_to_month, rows)
    # Written even when the change is zero: a unit's row there is what lists it in its months' rankings.
    session.execute(statements(session).add_to_open, [
        {"unit": unit, "open_within": delta.open_within, "open_overdue": delta.open_overdue}
        for unit, delta in sorted(open_by_unit.items())])


def update_board(session: Session, rows: list[dict]) -> None:
    """The board's columns of dossiers (`facts.board_columns` with `fact_code`), in code order, one statement."""
    session.execute(statements(session).update_board_many, sorted(rows, key=lambda row: row["fact_code"]))


def add_to_board(session: Session, deltas: dict[tuple[str, str, str], tuple[int, int, int]]) -> None:
    """Add to the board's counters per (unit, procedure, step), then to their sums per unit and per (procedure,
    step), each in key order (two workers never wait on each other in a cycle)."""
    session.execute(statements(session).add_to_board, [
        {"unit": unit, "procedure_code": procedure, "step": step, **dict(zip(BOARD_COUNTERS, counts, strict=True))}
        for (unit, procedure, step), counts in sorted(deltas.items())])
    by_unit: dict[str, tuple[int, ...]] = {}
    by_step: dict[tuple[str, str], tuple[int, ...]] = {}
    for (unit, procedure, step), counts in deltas.items():
        by_unit[unit] = tuple(a + b for a, b in zip(by_unit.get(unit, (0, 0, 0)), counts, strict=True))
        key = (procedure, step)
        by_step[key] = tuple(a + b for a, b in zip(by_step.get(key, (0, 0, 0)), counts, strict=True))
    session.execute(statements(session).add_to_board_unit, [
        {"unit": unit, **dict(zip(BOARD_COUNTERS, counts, strict=True))} for unit, counts in sorted(by_unit.items())])
    session.execute(statements(session).add_to_board_step, [
        {"procedure_code": procedure, "step": step, **dict(zip(BOARD_COUNTERS, counts, strict=True))}
        for (procedure, step), counts in sorted(by_step.items())])


def add_to_task_months(session: Session, deltas: dict[tuple[str, Month], TaskCounts]) -> None:
    """Add to the lead units' task month rows (`task_months`) and their totals (`unit_tasks`)."""
    totals: dict[str, TaskCounts] = {}
    rows = []
    for (unit, month), delta in _by_month(deltas):
        rows.append({"period": str(month), "unit": unit,
                     **dict(zip(TASK_COUNTERS, delta.as_tuple(), strict=True))})
        totals[unit] = totals.get(unit, TaskCounts()) + delta
    session.execute(statements(session).add_to_task_month, rows)
    session.execute(statements(session).add_to_unit_tasks, [
        {"unit": unit, **{name: getattr(total, name) for name in UNIT_TASK_TOTALS}}
        for unit, total in sorted(totals.items())])


def add_to_figure_months(session: Session, deltas: dict[tuple[str, Month], tuple[int, ...]]) -> None:
    session.execute(statements(session).add_to_figure_month, [
        {"period": str(month), "unit": unit, **dict(zip(FIGURE_COUNTERS, counts, strict=True))}
        for (unit, month), counts in _by_month(deltas)])


def insert_occurrences(session: Session, rows: list[dict]) -> list[tuple]:
    """Occurrences not stored yet (a copy of one already stored is skipped); the keys of those that went in."""
    return [tuple(key) for key in session.execute(statements(session).insert_occurrence, rows)]


def insert_new_occurrences(session: Session, rows: list[dict]) -> None:
    """Occurrences known to be new (a rebuild keeps the keys it wrote): plain inserts."""
    session.execute(statements(session).insert_occurrence_many,
                    [{**row, "detail": json.dumps(row["detail"])} for row in rows])


def insert_rating(session: Session, row: dict) -> bool:
    """A rating, unless a copy of it is stored already; whether it went in."""
    return session.execute(statements(session).insert_rating, row).first() is not None


def insert_new_ratings(session: Session, rows: list[dict]) -> None:
    session.execute(statements(session).insert_rating_many, rows)


def upsert_public_sanction(session: Session, values: dict) -> None:
    """A decision on the public list; the newest event about it wins (`event_at`)."""
    _upsert_newest(session, public_sanctions, ["code"], values)


def upsert_survey_round(session: Session, values: dict) -> None:
    """A monthly survey round; the newest event about it wins (`event_at`)."""
    _upsert_newest(session, survey_rounds, ["code"], values)


def upsert_head_term(session: Session, values: dict) -> None:
    """A head's term of office; the newest event about it wins (`event_at`)."""
    _upsert_newest(session, head_terms, ["unit", "official", "since"], values)


def upsert_self_assessment(session: Session, values: dict) -> None:
    """An official's self-assessment of a plan; the newest event about it wins (`event_at`)."""
    _upsert_newest(session, self_assessments, ["code"], values)


def _upsert_newest(session: Session, table, keys: list[str], values: dict) -> None:
    # A duplicate or an older copy arriving late changes nothing: the row keeps the newest event's values.
    statement = dialect_insert(session)(table).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in values if name not in keys},
        where=table.c.event_at < statement.excluded.event_at))


def lock_rankings(session: Session, period: str) -> dict[str, dict[str, tuple[int, str]]]:
    """Lock the period's ranking row of all units (creating it the first time), then read every ranking
    published for the period, by kind of unit ('' for all units)."""
    session.execute(statements(session).lock_ranking,
                    {"period": period, "unit_kind": "", "units_ranked": 0, "entries": {}})
    return dict(session.execute(select(rankings.c.unit_kind, rankings.c.entries)
                                .where(rankings.c.period == period)).all())


def store_ranking(session: Session, period: str, kind: str, entries: dict, units_ranked: int,
                  now: datetime) -> None:
    session.execute(statements(session).upsert_ranking, {
        "period": period, "unit_kind": kind, "entries": entries, "units_ranked": units_ranked, "changed_at": now})
