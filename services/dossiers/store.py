"""SQLAlchemy statements of the dossiers service: what to read, claim and write, no decisions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.dossiers.domain.dossier import OPEN_STATUSES, RECEIVED
from services.dossiers.models import (
    OVERDUE_WATCH,
    PROMISE_WATCH,
    WARNING_WATCH,
    Apology,
    CalendarOverride,
    Dossier,
    DossierAlert,
    DossierStep,
    Handover,
    IngestRejection,
    IngestWaiting,
    Pause,
    Procedure,
    ProcedureVersion,
    SendBack,
)
from shared.alerts import claim_and_mark, mark_due, mark_new

OVERDUE_ALERT = "overdue"
# Once per dossier (their marker is keyed by the receipt instant, which never moves).
APOLOGY_MISSED_ALERT = "apology_missed"
PROMISE_BROKEN_ALERT = "promise_broken"
ONCE_PER_DOSSIER = (APOLOGY_MISSED_ALERT, PROMISE_BROKEN_ALERT)
# Codes per IN (...) list: well under every database's limit on bound parameters.
CHUNK = 500


def chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# -- procedures -------------------------------------------------------------------------------------

def procedure_versions(session: Session, code: str) -> list[ProcedureVersion]:
    return list(session.scalars(select(ProcedureVersion).where(ProcedureVersion.procedure_code == code)
                                .order_by(ProcedureVersion.version)))


def procedures_query(level: str | None, field: str | None) -> Select:
    query = select(Procedure).order_by(Procedure.code)
    if level is not None:
        query = query.where(Procedure.level == level)
    if field is not None:
        query = query.where(Procedure.field == field)
    return query


def procedures_by_code(session: Session, codes: list[str]) -> dict[str, Procedure]:
    found: dict[str, Procedure] = {}
    for chunk in chunks(codes):
        found |= {p.code: p for p in session.scalars(select(Procedure).where(Procedure.code.in_(chunk)))}
    return found


def procedure_names(session: Session, codes: list[str]) -> dict[str, str]:
    """The names of procedures, for lists that show them (not whole procedures with their steps)."""
    names: dict[str, str] = {}
    for chunk in chunks(codes):
        names |= dict(session.execute(select(Procedure.code, Procedure.name).where(Procedure.code.in_(chunk))).all())
    return names


def last_received_at(session: Session, codes: list[str]) -> dict[str, datetime]:
    """The instant of the last dossier received under each procedure that has any."""
    last: dict[str, datetime] = {}
    for chunk in chunks(codes):
        last |= dict(session.execute(select(Dossier.procedure_code, func.max(Dossier.received_at))
                                     .where(Dossier.procedure_code.in_(chunk)).group_by(Dossier.procedure_code)).all())
    return last


# -- dossiers ---------------------------------------------------------------------------------------

def dossiers_query(unit: str | None, status: str | None, overdue: bool | None, now: datetime) -> Select:
    query = select(Dossier).order_by(Dossier.due_at, Dossier.code)
    if unit is not None:
        query = query.where(Dossier.unit == unit)
    if status is not None:
        query = query.where(Dossier.status == status)
    if overdue is True:
        query = query.where(Dossier.status == RECEIVED, Dossier.due_at <= now)
    elif overdue is False:
        query = query.where((Dossier.status != RECEIVED) | (Dossier.due_at > now))
    return query


def open_dossiers_held_by(session: Session, official: str) -> list[Dossier]:
    return list(session.scalars(select(Dossier).where(Dossier.current_official == official,
                                                      Dossier.status.in_(OPEN_STATUSES))))


def open_dossiers_of_unit(session: Session, unit: str) -> list[Dossier]:
    return list(session.scalars(select(Dossier).where(Dossier.unit == unit, Dossier.status.in_(OPEN_STATUSES))
                                .order_by(Dossier.due_at, Dossier.code)))


def step_names_of_unit(session: Session, unit: str) -> dict[str, str]:
    """The name of each step key among the unit's open dossiers."""
    return dict(session.execute(
        select(DossierStep.key, func.min(DossierStep.name)).join(Dossier, Dossier.code == DossierStep.dossier_code)
        .where(Dossier.unit == unit, Dossier.status.in_(OPEN_STATUSES)).group_by(DossierStep.key)).all())


def dossier_steps(session: Session, code: str) -> list[DossierStep]:
    return list(session.scalars(select(DossierStep).where(DossierStep.dossier_code == code)
                                .order_by(DossierStep.position)))


def handovers(session: Session, code: str) -> list[Handover]:
    return list(session.scalars(select(Handover).where(Handover.dossier_code == code)
                                .order_by(Handover.at, Handover.id)))


def pauses(session: Session, code: str) -> list[Pause]:
    return list(session.scalars(select(Pause).where(Pause.dossier_code == code).order_by(Pause.number)))


def send_backs(session: Session, code: str) -> list[SendBack]:
    return list(session.scalars(select(SendBack).where(SendBack.dossier_code == code).order_by(SendBack.id)))


def recorded_instants(session: Session, code: str) -> list[datetime]:
    """Every instant of the dossier's hand-overs and pauses (the latest hand-over only)."""
    moments = [m for m in session.execute(select(func.max(Handover.at)).where(Handover.dossier_code == code))
               .scalars() if m is not None]
    for requested, resumed in session.execute(select(Pause.requested_at, Pause.resumed_at)
                                              .where(Pause.dossier_code == code)):
        moments += [m for m in (requested, resumed) if m is not None]
    return moments


def apologised(session: Session, codes: list[str]) -> set[str]:
    return set(session.scalars(select(Apology.dossier_code).where(Apology.dossier_code.in_(codes))))


# -- alerts -----------------------------------------------------------------------------------------

def claim_overdue(session: Session, now: datetime, limit: int) -> tuple[list, set[str]]:
    """Claim up to `limit` open dossiers past their due instant and not alerted, mark them alerted and
    write their alert markers: (rows claimed, codes whose marker is new).

    Claimed and marked in one statement: the rows locked (SKIP LOCKED, so replicas split the work) are the
    rows updated and returned, without sending their codes back and forth; the markers are written from the
    due dates returned (in the same statement on PostgreSQL)."""
    due = (select(Dossier.code).where(OVERDUE_WATCH, Dossier.due_at <= now).order_by(Dossier.due_at)
           .limit(limit).with_for_update(skip_locked=True))
    claim = (update(Dossier).where(Dossier.code.in_(due)).values(overdue_alerted_due_at=Dossier.due_at)
             .returning(Dossier.code, Dossier.procedure_code, Dossier.unit, Dossier.received_at, Dossier.due_at,
                        Dossier.assignee, Dossier.current_step, Dossier.current_official)
             .execution_options(synchronize_session=False))
    return claim_and_mark(session, claim, DossierAlert.__table__, subject_column="dossier_code",
                          kind=OVERDUE_ALERT, now=now)


def mark_once(session: Session, kind: str, received: dict[str, datetime], now: datetime) -> set[str]:
    """Write the once-per-dossier markers of `kind` (code → receipt instant); the codes newly marked."""
    return mark_due(session, DossierAlert.__table__, subject_column="dossier_code", kind=kind, due=received, now=now)


def claim_broken_promises(session: Session, now: datetime, limit: int) -> list:
    """Claim up to `limit` open apologised dossiers past their promised date and not judged yet (SKIP
    LOCKED), flag them judged and return their rows."""
    due = (select(Dossier.code).where(PROMISE_WATCH, Dossier.promised_at <= now).order_by(Dossier.promised_at)
           .limit(limit).with_for_update(skip_locked=True))
    claim = (update(Dossier).where(Dossier.code.in_(due)).values(promise_alerted_at=now)
             .returning(Dossier.code, Dossier.procedure_code, Dossier.unit, Dossier.received_at, Dossier.due_at,
                        Dossier.promised_at, Dossier.assignee, Dossier.current_step, Dossier.current_official)
             .execution_options(synchronize_session=False))
    return list(session.execute(claim).all())


def claim_warnings(session: Session, now: datetime, limit: int) -> list[Dossier]:
    """Up to `limit` open dossiers whose next warning point has come, locked (SKIP LOCKED)."""
    return list(session.scalars(select(Dossier).where(WARNING_WATCH, Dossier.warn_at <= now).order_by(Dossier.warn_at)
                                .limit(limit).with_for_update(skip_locked=True)))


def fired_warnings(session: Session, codes: list[str]) -> dict[str, set]:
    """(kind, due date) of every warning already fired, by dossier."""
    fired: dict[str, set] = {code: set() for code in codes}
    rows = session.execute(select(DossierAlert.dossier_code, DossierAlert.kind, DossierAlert.due_at)
                           .where(DossierAlert.dossier_code.in_(codes),
                                  DossierAlert.kind.not_in((OVERDUE_ALERT, *ONCE_PER_DOSSIER))))
    for code, kind, due_at in rows:
        fired[code].add((kind, due_at))
    return fired


def mark_warnings(session: Session, kind: str, codes: list[str], now: datetime) -> set[str]:
    """Write the markers of `kind` for the current due dates of `codes`; the codes whose marker is new."""
    return mark_new(session, DossierAlert.__table__, subject_column="dossier_code", kind=kind,
                    subject=Dossier.code, due_at=Dossier.due_at, subjects=codes, now=now)


# -- the calendar -----------------------------------------------------------------------------------

def override_rows(session: Session) -> tuple[tuple, ...]:
    """(day, kind, label) of every announcement, by day."""
    return tuple(tuple(row) for row in session.execute(
        select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.label).order_by(CalendarOverride.day)))


def overrides_between(session: Session, first: date, last: date) -> list[CalendarOverride]:
    return list(session.scalars(select(CalendarOverride)
                                .where(CalendarOverride.day >= first, CalendarOverride.day <= last)
                                .order_by(CalendarOverride.day)))


def overrides(session: Session, year: int | None) -> list[CalendarOverride]:
    query = select(CalendarOverride).order_by(CalendarOverride.day)
    if year is not None:
        query = query.where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
    return list(session.scalars(query))


def running_under_other_rules(session: Session, version: str, limit: int) -> list[Dossier]:
    """Running dossiers whose due instant was computed under other calendar rules, locked (SKIP LOCKED)."""
    return list(session.scalars(select(Dossier).where(Dossier.status == RECEIVED, Dossier.rules_version != version)
                                .order_by(Dossier.code).limit(limit).with_for_update(skip_locked=True)))


# -- external ingest --------------------------------------------------------------------------------

def take_inbox_row(session: Session, inbox, consumer: str, event_id: str, event_type: str, now: datetime) -> bool:
    """Write the inbox row of an event; False when it is there already (a duplicate)."""
    try:
        with session.begin_nested():
            session.execute(insert(inbox).values(consumer=consumer, event_id=event_id, event_type=event_type,
                                                 processed_at=now))
    except IntegrityError:
        return False
    return True


def count_waiting(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(IngestWaiting)) or 0


def waiting_of(session: Session, code: str) -> list[IngestWaiting]:
    return list(session.scalars(select(IngestWaiting).where(IngestWaiting.dossier_code == code)
                                .order_by(IngestWaiting.occurred_at, IngestWaiting.parked_at)))


def codes_waiting(session: Session, codes: set[str]) -> set[str]:
    """Which of these dossiers have external events waiting."""
    return set(session.scalars(select(IngestWaiting.dossier_code).where(
        IngestWaiting.dossier_code.in_(sorted(codes))).distinct()))


def waiting_query() -> Select:
    return select(IngestWaiting).order_by(IngestWaiting.parked_at, IngestWaiting.event_id)


def add_rejection(session: Session, rejection: IngestRejection) -> bool:
    """False when this event was refused before (one row per event id)."""
    try:
        with session.begin_nested():
            session.add(rejection)
    except IntegrityError:
        return False
    return True


def rejection_counts(session: Session, since: datetime | None) -> list:
    """(publisher, reason, count, last instant), most frequent first."""
    where = [IngestRejection.rejected_at >= since] if since is not None else []
    return session.execute(
        select(IngestRejection.publisher, IngestRejection.reason, func.count(), func.max(IngestRejection.rejected_at))
        .where(*where).group_by(IngestRejection.publisher, IngestRejection.reason)
        .order_by(func.count().desc(), IngestRejection.publisher, IngestRejection.reason)).all()


def recent_rejections(session: Session, since: datetime | None, limit: int = 50) -> list[IngestRejection]:
    where = [IngestRejection.rejected_at >= since] if since is not None else []
    return list(session.scalars(select(IngestRejection).where(*where)
                                .order_by(IngestRejection.rejected_at.desc(), IngestRejection.id.desc())
                                .limit(limit)))


# -- the pages: an official's and a unit's open dossiers, apology drafts (each query by an index: the
# current official, or the unit and due date) ---------------------------------------------------------------

def _open():
    from services.dossiers.models import OPEN_WATCH

    return OPEN_WATCH


def held_by_query(official: str, step: str | None, status: str | None, procedure: str | None) -> Select:
    """An official's open dossiers, of one step, status or procedure when asked."""
    query = select(Dossier).where(Dossier.current_official == official, _open())
    if status in OPEN_STATUSES:
        query = query.where(Dossier.status == status)
    if step:
        query = query.where(Dossier.current_step == step)
    if procedure:
        query = query.where(Dossier.procedure_code == procedure)
    return query


def held_by_choices(session: Session, official: str) -> tuple[list, list]:
    """The steps (key, name) and procedures (code, name) among an official's open dossiers."""
    mine = (Dossier.current_official == official, _open())
    # Each step's name from one of her dossiers at that step: a few lookups, not one per dossier.
    sampled = session.execute(select(Dossier.current_step, func.min(Dossier.code)).where(
        *mine, Dossier.current_step.is_not(None)).group_by(Dossier.current_step).order_by(Dossier.current_step)).all()
    names = step_names_of(session, [code for _, code in sampled])
    steps = [(step, names.get((code, step))) for step, code in sampled]
    procedures = session.execute(
        select(Dossier.procedure_code, func.min(Procedure.name))
        .join(Procedure, Procedure.code == Dossier.procedure_code).where(*mine)
        .group_by(Dossier.procedure_code).order_by(Dossier.procedure_code)).all()
    return steps, [tuple(row) for row in procedures]


def step_names_of(session: Session, codes: list[str]) -> dict[tuple[str, str], str]:
    """(dossier code, step key) -> the step's name, for a page of dossiers."""
    names: dict[tuple[str, str], str] = {}
    for chunk in chunks(codes):
        names |= {(code, key): name for code, key, name in session.execute(
            select(DossierStep.dossier_code, DossierStep.key, DossierStep.name)
            .where(DossierStep.dossier_code.in_(chunk)))}
    return names


def unit_counts(session: Session, unit: str, now: datetime, soon: datetime) -> list:
    """A unit's open dossiers counted by step, official and status: (step, official, status, open, overdue,
    due soon, one dossier's code), overdue and due soon judged by the due instant against `now` and `soon`."""
    return list(session.execute(
        select(Dossier.current_step, Dossier.current_official, Dossier.status, func.count(),
               func.count().filter(Dossier.due_at <= now),
               func.count().filter(Dossier.due_at > now, Dossier.due_at <= soon), func.min(Dossier.code))
        .where(Dossier.unit == unit, _open())
        .group_by(Dossier.current_step, Dossier.current_official, Dossier.status)).all())


def unit_open_query(unit: str, step: str | None, official: str | None, standing: str | None, now: datetime,
                    soon: datetime, order: tuple[str, bool] = ("due", False)) -> Select:
    """A unit's open dossiers by due date (or by code; `order` is (field, descending)), of one step, official
    or standing (overdue, due_soon, awaiting_supplement) when asked."""
    columns = (Dossier.code,) if order[0] == "code" else (Dossier.due_at, Dossier.code)
    query = select(Dossier).where(Dossier.unit == unit, _open()) \
        .order_by(*(column.desc() if order[1] else column for column in columns))
    if step:
        query = query.where(Dossier.current_step == step)
    if official:
        query = query.where(Dossier.current_official == official)
    if standing == "overdue":
        query = query.where(Dossier.status == RECEIVED, Dossier.due_at <= now)
    elif standing == "due_soon":
        query = query.where(Dossier.status == RECEIVED, Dossier.due_at > now, Dossier.due_at <= soon)
    elif standing in OPEN_STATUSES:
        query = query.where(Dossier.status == standing)
    return query


def officials_of_unit(session: Session, unit: str, limit: int = 200) -> list[str]:
    """The officials the unit's dossiers name, for a hand-over's choice: those holding an open one, and those
    who received one of the unit's latest dossiers (a bounded read: never the unit's whole history)."""
    holding = set(session.scalars(select(Dossier.current_official).where(
        Dossier.unit == unit, _open(), Dossier.current_official.is_not(None)).distinct()))
    latest = select(Dossier.assignee).where(Dossier.unit == unit).order_by(Dossier.due_at.desc()).limit(limit)
    received = {official for official in session.scalars(latest) if official}
    return sorted(holding | received)[:limit]


def apology_drafts_of_unit(session: Session, unit: str, page: int, page_size: int) -> tuple[list, int]:
    """The unit's apology drafts waiting for the head, oldest first, each with its dossier: (rows, total)."""
    from services.dossiers.models import ApologyDraft

    where = ApologyDraft.unit == unit
    total = session.scalar(select(func.count()).select_from(ApologyDraft).where(where)) or 0
    rows = session.execute(select(ApologyDraft, Dossier).join(Dossier, Dossier.code == ApologyDraft.dossier_code)
                           .where(where).order_by(ApologyDraft.drafted_at, ApologyDraft.dossier_code)
                           .limit(page_size).offset((page - 1) * page_size)).all()
    return [tuple(row) for row in rows], total
