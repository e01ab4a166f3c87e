"""Receiving a dossier, at a desk or online (HTTP) or announced by an external one-stop system (ingest):
its due date computed in working time from the procedure version in force on the day of receipt."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.dossiers.domain import dossier as rules
from services.dossiers.domain.dossier import format_days
from services.dossiers.models import Applicant, Dossier, DossierStep, Unit
from services.dossiers.use_cases import calendar_of, creating, ensure_within, find, iso, viewed
from services.dossiers.use_cases.deadlines import schedule_warnings
from services.dossiers.use_cases.procedures import procedure_for
from shared.auth import Principal
from shared.codes import CODE_RULE, is_code, new_code, unknown_unit
from shared.errors import Conflict, InvalidInput
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApplicantDetails:
    """Personal data: kept in this service only, never in an event."""

    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class ReceiveDossier:
    """A dossier received under `procedure_code` by `unit`, at `received_at` (now when None), held first by
    `assignee` (the receiving official, `handler` in the API and the events); `code` new when None."""

    procedure_code: str
    unit: str
    received_at: datetime | None = None
    assignee: str | None = None
    channel: str = "direct"
    code: str | None = None
    applicant: ApplicantDetails | None = None


def receive_dossier(uow: UnitOfWork, command: ReceiveDossier, *, principal: Principal | None = None) -> Dossier:
    """Receive a dossier at a desk or online; emits `dossier.received`. `principal` is the caller over HTTP,
    held to their unit; None means a trusted caller inside the platform (the demo loader)."""
    with uow:
        if principal is not None:
            ensure_within(uow, principal, command.unit)
        code = command.code
        dossier = None
        if code is None or uow.session.get(Dossier, code) is None:
            dossier = receive(uow, command, channel=command.channel or "direct")
        if dossier is None:
            raise Conflict(f"a dossier with code {code!r} already exists; leave code out to get a new one",
                           {"code": ["already exists"]})
        uow.commit()
        # Codes only: the applicant's name and contacts never reach a log.
        log.info("dossier received", extra={"dossier": dossier.code, "unit": dossier.unit,
                                            "procedure": dossier.procedure_code, "due_at": dossier.due_at})
        return viewed(uow, dossier, uow.session.get(Applicant, dossier.code))


def receive(uow: UnitOfWork, command: ReceiveDossier, channel: str) -> Dossier | None:
    """Create the dossier and record its event; None if its code was taken concurrently."""
    now = uow.now()
    unit = command.unit
    served = uow.settings.units
    if served and unit not in served:
        raise InvalidInput(f"this instance does not serve unit {unit!r}; send the dossier to the instance "
                           "of that unit", {"unit": [f"{unit!r} is not among {', '.join(served)}"]})
    if not is_code(unit):
        raise InvalidInput(f"{unit!r} is not a unit code: a code has {CODE_RULE}", {"unit": [f"use {CODE_RULE}"]})
    # Once the directory has reached this service, a dossier names one of its units: a made-up unit would
    # otherwise appear in every public ranking. Before (a fresh install) the pattern alone is checked.
    # Read once per transaction, without flushing what it has pending: the directory's copy is written only
    # by its own events' transactions, so a batch of receipts checks its units without one flush each.
    with uow.session.no_autoflush:
        if "directory_known" not in uow.memo:
            uow.memo["directory_known"] = uow.session.scalar(select(Unit.code).limit(1)) is not None
        units_known = uow.memo.setdefault("units_known", {})
        if uow.memo["directory_known"] and unit not in units_known:
            units_known[unit] = uow.session.get(Unit, unit) is not None
    if uow.memo["directory_known"] and not units_known[unit]:
        raise InvalidInput(unknown_unit(unit), {"unit": [unknown_unit(unit)]})
    code = command.code or new_code("HS", now)
    if not rules.is_valid_code(code):
        raise InvalidInput(f"the dossier code {code!r} is not usable", {"code": [f"use {CODE_RULE}"]})
    received_at = command.received_at or now
    rules.check_received_at(received_at, now)
    calendar = calendar_of(uow)
    procedure = procedure_for(uow, command.procedure_code, received_at.astimezone(calendar.tz).date())
    try:
        counting_starts_at, _ = calendar.counting_start(received_at)
        due_at = calendar.due_at(received_at, procedure.processing_days)
    except ValueError as exc:  # outside the calendar's years
        raise InvalidInput("no deadline can be computed for this date", {"received_at": [str(exc)]}) from exc
    dossier = Dossier(
        code=code,
        procedure_code=procedure.procedure_code,
        procedure_version=procedure.version,
        unit=unit,
        assignee=command.assignee,
        channel=channel,
        status=rules.RECEIVED,
        received_at=received_at,
        counting_starts_at=counting_starts_at,
        processing_days=procedure.processing_days,
        due_at=due_at,
        rules_version=calendar.rules.version,
        created_at=now,
        # The control sheet starts with the first planned step, held by the receiving official, from the
        # instant the legal time starts counting (the afternoon after the cut-off is nobody's).
        current_step=procedure.steps[0].key if procedure.steps else None,
        current_official=command.assignee,
        step_started_at=counting_starts_at,
        supplements_allowed=procedure.supplements_allowed,
        supplements=0,
        paused_seconds=0,
        sent_back=0,
        returned_for_fault=0,
    )
    applicant = command.applicant
    if applicant:
        dossier.applicant = Applicant(dossier_code=code, name=applicant.name, phone=applicant.phone,
                                      email=applicant.email, address=applicant.address)
    if creating(uow, code):
        # A consumer's batch found the code unknown in this transaction: no savepoint. If a replica creates
        # the same dossier meanwhile, the batch fails as a whole and its events are applied one by one, here
        # again, with the savepoint below.
        uow.session.add(dossier)
    else:
        try:
            # Two replicas may take the same external dossier at once: the loser sees it as known.
            with uow.session.begin_nested():
                uow.session.add(dossier)
        except IntegrityError:
            return None
    uow.session.add_all([DossierStep(dossier_code=code, position=i, key=step.key, name=step.name, days=step.days,
                                     performer=step.performer)
                         for i, step in enumerate(procedure.steps, start=1)])
    schedule_warnings(uow, dossier, now, fresh=True)
    uow.record("dossier.received", code, {
        "code": code,
        "procedure_code": procedure.procedure_code,
        "unit": unit,
        "received_at": iso(uow, received_at),
        "handler": dossier.assignee,
        "due_at": iso(uow, due_at),
        "processing_days": format_days(procedure.processing_days),
        "channel": channel,
    }, unit=unit)
    return dossier


def receive_external_dossier(uow: UnitOfWork, command: ReceiveDossier) -> Dossier | None:
    """A dossier announced by an external one-stop system; emits `dossier.received` with channel
    `external`. Idempotent by dossier code: a dossier already known is left as it is and nothing is
    emitted (returns None)."""
    with uow:
        if find(uow, command.code) is not None:
            return None
        dossier = receive(uow, command, channel=rules.EXTERNAL_CHANNEL)
        if dossier is None:
            return None
        uow.commit()
        return dossier
