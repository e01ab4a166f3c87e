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
