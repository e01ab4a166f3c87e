"""Use cases of the dossiers service, each in one unit of work."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from services.dossiers import domain
from services.dossiers.models import OVERDUE_WATCH, Applicant, Dossier, DossierAlert, Procedure, ProcedureStep
from shared.alerts import mark_new
from shared.auth import Principal
from shared.codes import new_code
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork
from shared.web import paginate

OVERDUE_ALERT = "overdue"
# Roles that may read an applicant's personal data; officers and heads only for their own unit.
PERSONAL_DATA_ROLES_ALL_UNITS = {"office", "admin"}
PERSONAL_DATA_ROLES_OWN_UNIT = {"officer", "head"}


# -- procedures -------------------------------------------------------------------------------------

def register_procedure(uow: UnitOfWork, data: dict) -> Procedure:
    """Register a procedure: data = {code, name, processing_days, steps: [{key, name, days}]}."""
    with uow:
        processing_days = Decimal(str(data["processing_days"]))
        steps = [dict(step, days=Decimal(str(step["days"]))) for step in data.get("steps") or []]
        plan = domain.check_procedure(data["code"], processing_days, steps)
        if uow.session.get(Procedure, data["code"]) is not None:
            raise Conflict(f"a procedure with code {data['code']!r} is already registered; "
                           "choose another code", {"code": ["already registered"]})
        procedure = Procedure(
            code=data["code"],
            name=data["name"],
            processing_days=processing_days,
            created_at=uow.now(),
            steps=[ProcedureStep(position=i, key=p.key, name=p.name, days=p.days)
                   for i, p in enumerate(plan, start=1)],
        )
        uow.session.add(procedure)
        try:
            uow.session.flush()
        except IntegrityError as exc:  # registered by someone else a moment ago
            raise Conflict(f"a procedure with code {data['code']!r} is already registered; "
                           "choose another code", {"code": ["already registered"]}) from exc
        uow.commit()
        return procedure


def get_procedure(uow: UnitOfWork, code: str) -> Procedure:
    with uow:
        procedure = uow.session.get(Procedure, code)
        if procedure is None:
            raise NotFound(f"no procedure with code {code!r}")
        return procedure


def list_procedures(uow: UnitOfWork, page: int, page_size: int) -> dict:
    with uow:
        return paginate(select(Procedure).order_by(Procedure.code), uow.session, page, page_size)


# -- receiving --------------------------------------------------------------------------------------

def receive_dossier(uow: UnitOfWork, data: dict, *, principal: Principal | None = None) -> dict:
    """Receive a dossier at a desk or online; emits `dossier.received`.

    data = {procedure_code, unit, received_at?, handler?, channel?, code?, applicant?: {name, phone?,
    email?, address?}}. `principal` is the caller over HTTP, held to their unit; None means a trusted
    caller inside the platform (the demo loader).
    """
    with uow:
        if principal is not None:
            principal.ensure_unit(data["unit"])
        code = data.get("code")
        dossier = None
        if code is None or uow.session.get(Dossier, code) is None:
            dossier = _receive(uow, data, channel=data.get("channel") or "direct")
        if dossier is None:
            raise Conflict(f"a dossier with code {code!r} already exists; leave code out to get a new one",
                           {"code": ["already exists"]})
        view = _view(uow, dossier, applicant=uow.session.get(Applicant, dossier.code), show_applicant=True)
        uow.commit()
        return view


def receive_external_dossier(uow: UnitOfWork, data: dict) -> Dossier | None:
    """A dossier announced by an external one-stop system; emits `dossier.received` with channel
    `external`. Idempotent by dossier code: a dossier already known is left as it is and nothing is
    emitted (returns None). data = {code, procedure_code, unit, received_at, handler?}."""
    with uow:
        if uow.session.get(Dossier, data["code"]) is not None:
            return None
        dossier = _receive(uow, data, channel=domain.EXTERNAL_CHANNEL)
        if dossier is None:
            return None
        uow.commit()
        return dossier


def _receive(uow: UnitOfWork, data: dict, channel: str) -> Dossier | None:
    """Create the dossier and record its event; None if its code was taken concurrently."""
    now = uow.now()
    unit = data["unit"]
    served = uow.settings.units
    if served and unit not in served:
        raise InvalidInput(f"this instance does not serve unit {unit!r}; send the dossier to the instance "
                           "of that unit", {"unit": [f"{unit!r} is not among {', '.join(served)}"]})
    code = data.get("code") or new_code("HS", now)
    if not domain.is_valid_code(code):
        raise InvalidInput(f"the dossier code {code!r} is not usable", {"code": [f"use {domain.CODE_RULE}"]})
    # Kept for the transaction: a consumer's batch receives many dossiers of few procedures, and the
    # session's identity map forgets objects nobody holds.
    procedures = uow.memo.setdefault("procedures", {})
    if data["procedure_code"] not in procedures:
        procedures[data["procedure_code"]] = uow.session.get(Procedure, data["procedure_code"])
    procedure = procedures[data["procedure_code"]]
    if procedure is None:
        raise InvalidInput(f"unknown procedure {data['procedure_code']!r}; register it first",
                           {"procedure_code": [f"no procedure with code {data['procedure_code']!r}"]})
    received_at = data.get("received_at") or now
    domain.check_received_at(received_at, now)
    calendar = uow.calendar
    try:
        counting_starts_at, _ = calendar.counting_start(received_at)
        due_at = calendar.due_at(received_at, procedure.processing_days)
    except ValueError as exc:  # outside the calendar's years
        raise InvalidInput("no deadline can be computed for this date", {"received_at": [str(exc)]}) from exc
    dossier = Dossier(
        code=code,
        procedure_code=procedure.code,
        unit=unit,
        handler=data.get("handler"),
        channel=channel,
        status=domain.RECEIVED,
        received_at=received_at,
        counting_starts_at=counting_starts_at,
        processing_days=procedure.processing_days,
        due_at=due_at,
        rules_version=calendar.rules.version,
        created_at=now,
    )
    applicant = data.get("applicant")
    if applicant:
        dossier.applicant = Applicant(dossier_code=code, name=applicant["name"], phone=applicant.get("phone"),
                                      email=applicant.get("email"), address=applicant.get("address"))
    try:
        # Two replicas may take the same external dossier at once: the loser sees it as known.
        with uow.session.begin_nested():
            uow.session.add(dossier)
    except IntegrityError:
        return None
    tz = calendar.tz
    uow.record("dossier.received", code, {
        "code": code,
        "procedure_code": procedure.code,
        "unit": unit,
        "received_at": received_at.astimezone(tz).isoformat(),
        "handler": dossier.handler,
        "due_at": due_at.astimezone(tz).isoformat(),
        "processing_days": domain.format_days(procedure.processing_days),
        "channel": channel,
    }, unit=unit)
    return dossier


# -- reading ----------------------------------------------------------------------------------------

def get_dossier(uow: UnitOfWork, code: str, principal: Principal | None) -> dict:
    """One dossier with where it stands; the applicant only for tokens allowed to see personal data."""
    with uow:
        dossier = _load(uow, code)
        allowed = _may_see_applicant(principal, dossier.unit)
        applicant = uow.session.get(Applicant, code) if allowed else None
        return _view(uow, dossier, applicant=applicant, show_applicant=allowed)


def explain_deadline(uow: UnitOfWork, code: str) -> dict:
    """How the dossier's due date was computed: days counted, days skipped and why, rules version."""
    with uow:
        dossier = _load(uow, code)
        calendar = uow.calendar
        received_at = dossier.received_at.astimezone(calendar.tz)
        explanation = calendar.explain(received_at, dossier.processing_days)
        return {
            "code": dossier.code,
            "procedure_code": dossier.procedure_code,
            "processing_days": domain.format_days(dossier.processing_days),
            **explanation.as_dict(),
            "skipped_days": domain.skipped_days(calendar, received_at, explanation),
            # What was promised at receipt; differs from due_at above only if the calendar changed since.
            "recorded_due_at": dossier.due_at.astimezone(calendar.tz).isoformat(),
            "recorded_rules_version": dossier.rules_version,
        }


def list_dossiers(uow: UnitOfWork, principal: Principal, unit: str | None, status: str | None,
                  overdue: bool | None, page: int, page_size: int) -> dict:
    """Dossiers by due date; the caller's unit unless they see every unit."""
    with uow:
        now = uow.now()
        query = select(Dossier).order_by(Dossier.due_at, Dossier.code)
        if unit is None and not principal.sees_all_units:
            if principal.unit is None:
                raise Forbidden("your token names no unit; ask for a token with your unit",
                                {"unit": ["missing from the token"]})
            unit = principal.unit
        if unit is not None:
            principal.ensure_unit(unit)
            query = query.where(Dossier.unit == unit)
        if status is not None:
            query = query.where(Dossier.status == status)
        if overdue is True:
            query = query.where(Dossier.status == domain.RECEIVED, Dossier.due_at <= now)
        elif overdue is False:
            query = query.where((Dossier.status != domain.RECEIVED) | (Dossier.due_at > now))
        result = paginate(query, uow.session, page, page_size)
        result["items"] = [_view(uow, d) for d in result["items"]]
        return result


# -- finishing --------------------------------------------------------------------------------------

def complete_dossier(uow: UnitOfWork, code: str, *, completed_at: datetime | None = None,
                     principal: Principal | None = None) -> dict:
    """Finish a dossier (result ready); judges it early, on time or late and emits `dossier.completed`,
    naming the official and unit responsible when late. `principal` None: a trusted caller."""
    with uow:
        # Locked: two clerks finishing the same dossier at once must not both emit `dossier.completed`.
        dossier = _load(uow, code, for_update=True)
        if principal is not None:
            principal.ensure_unit(dossier.unit)
        if dossier.status == domain.COMPLETED:
            finished = dossier.completed_at.astimezone(uow.calendar.tz).isoformat()
            raise Conflict(f"dossier {code!r} was already finished at {finished}",
                           {"code": ["already completed"]})
        now = uow.now()
        completed_at = completed_at or now
        domain.check_completed_at(completed_at, dossier.received_at, now)
        tz = uow.calendar.tz
        timeliness = domain.completion_timeliness(completed_at, dossier.due_at, tz)
        responsible = domain.responsibility(timeliness, dossier.handler, dossier.unit)
        dossier.status = domain.COMPLETED
        dossier.completed_at = completed_at
        dossier.timeliness = timeliness
        uow.record("dossier.completed", code, {
            "code": code,
            "procedure_code": dossier.procedure_code,
            "unit": dossier.unit,
            "received_at": dossier.received_at.astimezone(tz).isoformat(),
            "due_at": dossier.due_at.astimezone(tz).isoformat(),
            "completed_at": completed_at.astimezone(tz).isoformat(),
            "timeliness": timeliness,
            "handler": dossier.handler,
            "responsible_step": responsible.step,
            "responsible_official": responsible.official,
            "responsible_unit": responsible.unit,
        }, unit=dossier.unit)
        allowed = _may_see_applicant(principal, dossier.unit) if principal is not None else True
        view = _view(uow, dossier, applicant=uow.session.get(Applicant, code) if allowed else None,
                     show_applicant=allowed)
        uow.commit()
        return view


# -- the overdue sweep ------------------------------------------------------------------------------

def alert_overdue_dossiers(uow: UnitOfWork, limit: int = 1000) -> tuple[int, int]:
    """One batch of the overdue sweep: emits `dossier.overdue` for up to `limit` open dossiers whose due
    instant has passed and was not alerted yet. Returns (emitted, claimed); claimed < limit means no
    more work is visible to this worker right now.

    Rows are claimed with FOR UPDATE SKIP LOCKED through the partial index of unalerted open dossiers,
    so the cost follows the newly overdue, not all open dossiers, and concurrent replicas split the
    work; the marker rows in `dossier_alerts` (unique per dossier, kind and due date) are written in the
    same transaction as the events, so no due date is ever alerted twice.
    """
    with uow:
        now = uow.now()
        session = uow.session
        claimed = session.execute(
            select(Dossier.code, Dossier.procedure_code, Dossier.unit, Dossier.received_at, Dossier.due_at,
                   Dossier.handler)
            .where(OVERDUE_WATCH, Dossier.due_at <= now)
            .order_by(Dossier.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not claimed:
            return 0, 0
        codes = [row.code for row in claimed]
        marked = mark_new(session, DossierAlert.__table__, subject_column="dossier_code", kind=OVERDUE_ALERT,
                          subject=Dossier.code, due_at=Dossier.due_at, subjects=codes, now=now)
        session.execute(
            update(Dossier).where(Dossier.code.in_(codes)).values(overdue_alerted_due_at=Dossier.due_at)
            .execution_options(synchronize_session=False)
        )
        tz = uow.calendar.tz
        detected_at = now.astimezone(tz).isoformat()
        for row in claimed:
            if row.code not in marked:
                continue
            uow.record("dossier.overdue", row.code, {
                "code": row.code,
                "procedure_code": row.procedure_code,
                "unit": row.unit,
                "received_at": row.received_at.astimezone(tz).isoformat(),
                "due_at": row.due_at.astimezone(tz).isoformat(),
                "detected_at": detected_at,
                "step": None,
                "official": row.handler,
            }, unit=row.unit)
        uow.commit()
        return len(marked), len(claimed)


# -- helpers ----------------------------------------------------------------------------------------

def _load(uow: UnitOfWork, code: str, for_update: bool = False) -> Dossier:
    dossier = uow.session.get(Dossier, code, with_for_update=for_update)
    if dossier is None:
        raise NotFound(f"no dossier with code {code!r}")
    return dossier


def _may_see_applicant(principal: Principal | None, unit: str) -> bool:
    if principal is None:
        return False
    if principal.has_any(PERSONAL_DATA_ROLES_ALL_UNITS):
        return True
    return principal.has_any(PERSONAL_DATA_ROLES_OWN_UNIT) and principal.unit == unit


def _view(uow: UnitOfWork, dossier: Dossier, *, applicant: Applicant | None = None,
          show_applicant: bool = False) -> dict[str, Any]:
    """The dossier as users read it: local times, and where it stands against its deadline now."""
    tz = uow.calendar.tz
    standing = domain.standing(dossier.status, dossier.due_at, dossier.timeliness, uow.now())

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(tz) if moment is not None else None

    view: dict[str, Any] = {
        "code": dossier.code,
        "status": dossier.status,
        "procedure_code": dossier.procedure_code,
        "unit": dossier.unit,
        "handler": dossier.handler,
        "channel": dossier.channel,
        "received_at": local(dossier.received_at),
        "counting_starts_at": local(dossier.counting_starts_at),
        "processing_days": domain.format_days(dossier.processing_days),
        "due_at": local(dossier.due_at),
        "timeliness": standing.timeliness,
        "overdue_since": local(standing.overdue_since),
        "completed_at": local(dossier.completed_at),
        "rules_version": dossier.rules_version,
    }
    if show_applicant:
        view["applicant"] = None if applicant is None else {
            "name": applicant.name, "phone": applicant.phone, "email": applicant.email,
            "address": applicant.address,
        }
    return view
