"""Dossier and task facts as rows: each slot stored as JSON (instants as ISO 8601), the effective view
and who is answerable as plain columns for the queries; read (and locked) one at a time or by the
hundred."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy.orm import Session

from services.reporting.domain.board import BoardEntry, Placement, Position, Warning
from services.reporting.domain.dossier_facts import DOSSIER_SLOTS, DossierFact
from services.reporting.domain.task_facts import TASK_SLOTS, TaskFact, counted_in_months
from services.reporting.store.statements import statements

_PAGE = 500  # codes per locking read


def slot_to_json(slot) -> dict | None:
    if slot is None:
        return None
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in vars(slot).items()}


def slot_from_json(kind: str, document: dict | None, slot_types: dict[str, type] = DOSSIER_SLOTS):
    if document is None:
        return None
    # Every instant of a slot is named *_at; the rest are codes and numbers.
    return slot_types[kind](**{name: datetime.fromisoformat(value) if name.endswith("_at") and value else value
                                for name, value in document.items()})


def fact_from_row(code: str, row) -> DossierFact:
    return DossierFact(code, **{kind: slot_from_json(kind, document)
                                       for kind, document in zip(DOSSIER_SLOTS, row, strict=True)})


def fact_columns(fact: DossierFact, now: datetime) -> dict:
    columns = fact_scalars(fact, now)
    columns.update({kind: slot_to_json(slot) for kind, slot in fact.slots().items()})
    return columns


def _isoformat(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a slot is not JSON serialisable")


# json.dumps(slot_to_json(slot)) in one step: json.dumps's own settings, instants written as ISO 8601.
_encode_slot = json.JSONEncoder(default=_isoformat).encode


def slot_params(fact: DossierFact, kinds: Iterable[str]) -> dict[str, str]:
    """The slots `kinds` of a fact as the JSON text the bulk writes take (`bulk_table`): what the JSON type
    would write for `slot_to_json(slot)` (json.dumps; a missing slot as 'null')."""
    params = {}
    for kind in kinds:
        slot = getattr(fact, kind)
        params[kind] = "null" if slot is None else _encode_slot(vars(slot))
    return params


def fact_scalars(fact: DossierFact, now: datetime) -> dict:
    """A fact's columns other than its slots: the effective view and who is answerable."""
    view = fact.view()
    completion, overdue = fact.completion, fact.overdue
    return {
        "unit": fact.unit,
        "received_at": view.received_at,
        "due_at": view.due_at,
        "completed_at": view.completed_at,
        "timeliness": view.timeliness,
        "overdue_detected_at": view.overdue_detected_at,
        "paused_since": view.paused_since,
        "marked_late_at": view.marked_late_at,
        "late_reason": (completion.late_reason if completion else None)
                       or (fact.marked_late.reason if fact.marked_late else None),
        "responsible_step": completion.responsible_step if completion else None,
        "responsible_official": completion.responsible_official if completion else None,
        "responsible_unit": completion.responsible_unit if completion else None,
        "overdue_step": overdue.step if overdue else None,
        "overdue_official": overdue.official if overdue else None,
        "updated_at": now,
    }


_SLOT_COUNT = len(DOSSIER_SLOTS)


def placement_from_row(row) -> Placement:
    """The board's placement from the columns after the slots (statements.PLACEMENT_COLUMNS)."""
    procedure, position_at, step, official, from_step, due_at, detected_at, warning_step, warning_official = row
    return Placement(
        procedure,
        Position(position_at, step, official, from_step) if position_at is not None else None,
        Warning(due_at, detected_at, warning_step, warning_official) if detected_at is not None else None)


def board_columns(placement: Placement, entry: BoardEntry | None) -> dict:
    """The board's columns of a dossier: its newest hand-over and warning, and where it is counted."""
    position, warning = placement.position, placement.warning
    return {
        "position_at": position.at if position else None,
        "position_step": position.step if position else None,
        "position_official": position.official if position else None,
        "position_from_step": position.from_step if position else None,
        "warning_due_at": warning.due_at if warning else None,
        "warning_detected_at": warning.detected_at if warning else None,
        "warning_step": warning.step if warning else None,
        "warning_official": warning.official if warning else None,
        "board_state": entry.state if entry else None,
        "board_step": entry.step if entry else None,
        "board_official": entry.official if entry else None,
    }


def lock_facts(session: Session, codes: list[str]) -> Iterator[tuple[str, DossierFact, Placement]]:
    """The stored facts of these dossiers (those that exist) with their board placements, locked, a page of
    codes per statement."""
    for start in range(0, len(codes), _PAGE):
        for code, *row in session.execute(statements(session).lock_facts, {"codes": codes[start:start + _PAGE]}):
            yield code, fact_from_row(code, row[:_SLOT_COUNT]), placement_from_row(row[_SLOT_COUNT:])


def lock_fact(session: Session, code: str) -> tuple[DossierFact, Placement] | None:
    row = session.execute(statements(session).lock_fact, {"fact_code": code}).first()
    return None if row is None else (fact_from_row(code, row[:_SLOT_COUNT]), placement_from_row(row[_SLOT_COUNT:]))


def insert_fact(session: Session, fact: DossierFact, procedure_code: str | None, now: datetime,
                board: dict | None = None) -> bool:
    """Insert a new fact (with its board columns, `board_columns`); False when another worker created it
    meanwhile."""
    return session.execute(statements(session).insert_fact, {"code": fact.code, "procedure_code": procedure_code,
                                                             **fact_columns(fact, now), **(board or {})}
                           ).first() is not None


def task_fact_from_row(code: str, row) -> TaskFact:
    return TaskFact(code, **{kind: slot_from_json(kind, document, TASK_SLOTS)
                                    for kind, document in zip(TASK_SLOTS, row, strict=True)})


def task_fact_columns(fact: TaskFact, now: datetime, tz) -> dict:
    view = fact.view()
    columns = {
        "in_counters": counted_in_months(view, tz),
        "lead_unit": fact.lead_unit,
        "assigned_at": view.assigned_at,
        "due_at": view.due_at,
        "completed_at": view.completed_at,
        "timeliness": view.timeliness,
        "overdue_detected_at": view.overdue_detected_at,
        "overdue_cleared_at": view.overdue_cleared_at,
        "updated_at": now,
    }
    columns.update({kind: slot_to_json(slot) for kind, slot in fact.slots().items()})
    return columns


def lock_task_facts(session: Session, codes: list[str]) -> Iterator[tuple[str, TaskFact]]:
    for start in range(0, len(codes), _PAGE):
        for code, *row in session.execute(statements(session).lock_task_facts,
                                          {"codes": codes[start:start + _PAGE]}):
            yield code, task_fact_from_row(code, row)


def lock_task_fact(session: Session, code: str) -> TaskFact | None:
    row = session.execute(statements(session).lock_task_fact, {"fact_code": code}).first()
    return None if row is None else task_fact_from_row(code, row)


def insert_task_fact(session: Session, fact: TaskFact, now: datetime, tz) -> bool:
    """Insert a new task fact; False when another worker created it meanwhile (RETURNING, not rowcount,
    which is -1 on psycopg)."""
    return session.execute(statements(session).insert_task_fact,
                           {"code": fact.code, **task_fact_columns(fact, now, tz)}).first() is not None


def update_task_facts(session: Session, facts: list[TaskFact], now: datetime, tz) -> None:
    session.execute(statements(session).update_task_fact,
                    [{"fact_code": fact.code, **task_fact_columns(fact, now, tz)} for fact in facts])


def insert_task_facts(session: Session, facts: list[TaskFact], now: datetime, tz) -> None:
    session.execute(statements(session).insert_task_fact_many,
                    [{"code": fact.code, **task_fact_columns(fact, now, tz)} for fact in facts])
