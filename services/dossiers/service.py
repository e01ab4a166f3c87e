"""Use cases of the dossiers service, each in one unit of work."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from services.dossiers import domain
from services.dossiers.models import (
    OVERDUE_WATCH,
    WARNING_WATCH,
    Apology,
    Applicant,
    CalendarOverride,
    CalendarState,
    Dossier,
    DossierAlert,
    DossierStep,
    Handover,
    IngestRejection,
    IngestWaiting,
    Pause,
    Procedure,
    ProcedureStep,
    ProcedureVersion,
    SendBack,
    Unit,
)
from services.dossiers.schemas import read_ingest_data
from shared.alerts import claim_and_mark, mark_new
from shared.auth import Principal
from shared.calendar import WorkingCalendar
from shared.codes import new_code
from shared.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from shared.events.envelope import Event, InvalidEvent
from shared.uow import UnitOfWork, causing_event
from shared.web import paginate

OVERDUE_ALERT = "overdue"
# Roles that may read an applicant's personal data; officers and heads only for their own unit.
PERSONAL_DATA_ROLES_ALL_UNITS = {"office", "admin"}
PERSONAL_DATA_ROLES_OWN_UNIT = {"officer", "head"}


# -- procedures -------------------------------------------------------------------------------------

def procedure_for(uow: UnitOfWork, code: str, on: date) -> ProcedureVersion:
    """The version of procedure `code` in force on the local date `on` (the day a dossier was received):
    its `.processing_days`, `.steps` (each `.key .name .days .performer`), `.supplements_allowed`,
    `.extensions_allowed`, `.version`, `.effective_from`. Raises InvalidInput on procedure_code when the
    procedure is unknown or has no version in force yet on that day.
    """
    with uow:
        # Kept for the transaction: a consumer's batch receives many dossiers of few procedures, and the
        # session's identity map forgets objects nobody holds.
        known = uow.memo.setdefault("procedure_versions", {})
        if code not in known:
            known[code] = uow.session.scalars(
                select(ProcedureVersion).where(ProcedureVersion.procedure_code == code)
                .order_by(ProcedureVersion.version)).all()
        versions = known[code]
        if not versions:
            raise InvalidInput(f"unknown procedure {code!r}; register it first",
                               {"procedure_code": [f"no procedure with code {code!r}"]})
        version = domain.version_in_force(versions, on)
        if version is None:
            first = min(v.effective_from for v in versions)
            raise InvalidInput(
                f"procedure {code!r} is not in force on {on.isoformat()}; its first version takes effect on "
                f"{first.isoformat()}",
                {"procedure_code": [f"not in force before {first.isoformat()}"]})
        return version


def register_procedure(uow: UnitOfWork, data: dict) -> dict:
    """Register a procedure with its version 1. data = {code, name, level?, field?, processing_days,
    effective_from? (in force on every date when omitted), supplements_allowed?, extensions_allowed?,
    legal_basis?, steps: [{key, name, days, performer?}]}."""
    with uow:
        code = data["code"]
        terms, errors = _version_terms(code, data)
        errors |= domain.description_errors(data["name"], data.get("level"), data.get("field"))
        if errors:
            raise InvalidInput("the procedure cannot be registered as given", errors)
        if uow.session.get(Procedure, code) is not None:
            raise Conflict(f"a procedure with code {code!r} is already registered; choose another code, or add "
                           f"a version with POST /procedures/{code}/versions", {"code": ["already registered"]})
        now = uow.now()
        procedure = Procedure(code=code, name=data["name"].strip(), level=data.get("level"),
                              field=_clean(data.get("field")), created_at=now,
                              versions=[_version_row(code, 1, terms, now)])
        uow.session.add(procedure)
        try:
            uow.session.flush()
        except IntegrityError as exc:  # registered by someone else a moment ago
            raise Conflict(f"a procedure with code {code!r} is already registered; choose another code",
                           {"code": ["already registered"]}) from exc
        uow.commit()
        return _procedure_view(procedure, _today(uow))


def add_procedure_version(uow: UnitOfWork, code: str, data: dict) -> dict:
    """A new version of a procedure from a later date: data = {effective_from, processing_days,
    supplements_allowed?, extensions_allowed?, legal_basis?, steps}. Dossiers already received keep the
    version they were received under."""
    with uow:
        # Locked: two operators adding versions at once must not both become version N.
        procedure = uow.session.get(Procedure, code, with_for_update=True)
        if procedure is None:
            raise NotFound(f"no procedure with code {code!r}")
        terms, errors = _version_terms(code, data, default_from=None)
        if "effective_from" not in errors:
            problems = domain.new_version_errors(terms.effective_from,
                                                 [v.effective_from for v in procedure.versions],
                                                 _last_received_on(uow, [code]).get(code))
            if problems:
                errors["effective_from"] = problems
        if errors:
            raise InvalidInput("the new version cannot be added as given", errors)
        version = _version_row(code, max(v.version for v in procedure.versions) + 1, terms, uow.now())
        procedure.versions.append(version)
        uow.session.flush()
        uow.commit()
        return _version_view(version)


def get_procedure(uow: UnitOfWork, code: str, on: date | None = None) -> dict:
    """A procedure with the version in force on `on` (today when omitted: then, for a procedure not yet in
    force, its first version, marked in_force false) and the list of its versions."""
    with uow:
        procedure = uow.session.get(Procedure, code)
        if procedure is None:
            raise NotFound(f"no procedure with code {code!r}")
        if on is not None and domain.version_in_force(procedure.versions, on) is None:
            first = procedure.versions[0].effective_from
            raise NotFound(f"procedure {code!r} was not in force on {on.isoformat()}; its first version takes "
                           f"effect on {first.isoformat()}", {"on": [f"before {first.isoformat()}"]})
        return _procedure_view(procedure, on or _today(uow))


def list_procedure_versions(uow: UnitOfWork, code: str) -> list[dict]:
    """Every version of a procedure, oldest first, with its step plan."""
    with uow:
        procedure = uow.session.get(Procedure, code)
        if procedure is None:
            raise NotFound(f"no procedure with code {code!r}")
        return [_version_view(v) for v in procedure.versions]


def list_procedures(uow: UnitOfWork, page: int, page_size: int, level: str | None = None,
                    field: str | None = None) -> dict:
    """The catalog by code, each procedure with its version in force today."""
    with uow:
        query = select(Procedure).order_by(Procedure.code)
        if level is not None:
            query = query.where(Procedure.level == level)
        if field is not None:
            query = query.where(Procedure.field == field)
        result = paginate(query, uow.session, page, page_size)
        today = _today(uow)
        result["items"] = [_procedure_view(p, today) for p in result["items"]]
        return result


@dataclasses.dataclass
class CatalogImport:
    """What an import did: procedures created, procedures whose name, level or field changed, versions
    added as (code, version), and procedures the file left as they were."""

    created: list[str] = dataclasses.field(default_factory=list)
    changed: list[str] = dataclasses.field(default_factory=list)
    versions_added: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    unchanged: int = 0


def import_procedures(uow: UnitOfWork, entries: list[domain.CatalogEntry],
                      progress: Callable[[int, int], None] | None = None) -> CatalogImport:
    """Import parsed catalog entries, all or nothing: every entry is checked against the catalog first
    (a version already there must have the same terms; a new one must start after the existing ones and
    after the last dossier received under the procedure), and one problem anywhere writes nothing.
    Importing the same file again changes nothing."""
    with uow:
        session = uow.session
        codes = [entry.code for entry in entries]
        existing: dict[str, Procedure] = {}
        for chunk in _chunks(codes, 500):
            existing |= {p.code: p for p in session.scalars(select(Procedure).where(Procedure.code.in_(chunk)))}
        last_received = _last_received_on(uow, [code for code in codes if code in existing])
        errors: dict[str, list[str]] = {}
        todo: list[tuple[domain.CatalogEntry, list[domain.VersionTerms]]] = []
        for entry in entries:
            procedure = existing.get(entry.code)
            known = {v.effective_from: v for v in procedure.versions} if procedure else {}
            starts = list(known)
            new: list[domain.VersionTerms] = []
            for terms, where in zip(entry.versions, entry.version_where, strict=True):
                if terms.effective_from in known:
                    registered = known[terms.effective_from]
                    if _terms_of(registered) != terms:
                        errors[f"{where}.effective_from"] = [
                            f"version {registered.version} of {entry.code} from {terms.effective_from.isoformat()} "
                            "is registered with other terms, and a version never changes; give the new terms a "
                            "later effective_from"]
                    continue
                problems = domain.new_version_errors(terms.effective_from, starts, last_received.get(entry.code))
                if problems:
                    errors[f"{where}.effective_from"] = problems
                starts.append(terms.effective_from)
                new.append(terms)
            todo.append((entry, new))
        if errors:
            raise InvalidInput(f"the catalog was not imported: {len(errors)} problem(s) with the versions already "
                               "registered; nothing was written", errors)
        now = uow.now()
        report = CatalogImport()
        for done, (entry, new) in enumerate(todo, start=1):
            procedure = existing.get(entry.code)
            if procedure is None:
                procedure = Procedure(code=entry.code, name=entry.name, level=entry.level, field=entry.field,
                                      created_at=now, versions=[])
                session.add(procedure)
                report.created.append(entry.code)
            elif (procedure.name, procedure.level, procedure.field) != (entry.name, entry.level, entry.field):
                procedure.name, procedure.level, procedure.field = entry.name, entry.level, entry.field
                report.changed.append(entry.code)
            elif not new:
                report.unchanged += 1
            number = max((v.version for v in procedure.versions), default=0)
            for terms in new:
                number += 1
                procedure.versions.append(_version_row(entry.code, number, terms, now))
                report.versions_added.append((entry.code, number))
            if progress is not None:
                progress(done, len(todo))
        session.flush()
        uow.commit()
        return report


def _version_terms(code: str, data: dict, default_from: date | None = domain.IN_FORCE_SINCE_ALWAYS
                   ) -> tuple[domain.VersionTerms, dict[str, list[str]]]:
    """The terms a request describes, and every problem with them by field."""
    processing_days = Decimal(str(data["processing_days"]))
    steps = [dict(step, days=Decimal(str(step["days"]))) for step in data.get("steps") or []]
    plan, errors = domain.procedure_errors(code, processing_days, steps)
    effective_from = data.get("effective_from") or default_from
    if effective_from is None:
        errors["effective_from"] = ["is required for a new version: the first day the new terms apply"]
    legal_basis = _clean(data.get("legal_basis"))
    if legal_basis is not None and len(legal_basis) > domain.MAX_LEGAL_BASIS:
        errors["legal_basis"] = [f"is longer than {domain.MAX_LEGAL_BASIS} characters"]
    terms = domain.VersionTerms(
        effective_from=effective_from or domain.IN_FORCE_SINCE_ALWAYS, processing_days=processing_days,
        steps=tuple(plan), supplements_allowed=data.get("supplements_allowed", True),
        extensions_allowed=data.get("extensions_allowed", True), legal_basis=legal_basis)
    return terms, errors


def _version_row(code: str, number: int, terms: domain.VersionTerms, now: datetime) -> ProcedureVersion:
    return ProcedureVersion(
        procedure_code=code, version=number, effective_from=terms.effective_from,
        processing_days=terms.processing_days, supplements_allowed=terms.supplements_allowed,
        extensions_allowed=terms.extensions_allowed, legal_basis=terms.legal_basis, created_at=now,
        steps=[ProcedureStep(procedure_code=code, version=number, position=i, key=s.key, name=s.name, days=s.days,
                             performer=s.performer)
               for i, s in enumerate(terms.steps, start=1)])


def _terms_of(version: ProcedureVersion) -> domain.VersionTerms:
    return domain.VersionTerms(
        effective_from=version.effective_from, processing_days=version.processing_days,
        steps=tuple(domain.StepPlan(key=s.key, name=s.name, days=s.days, performer=s.performer)
                    for s in version.steps),
        supplements_allowed=version.supplements_allowed, extensions_allowed=version.extensions_allowed,
        legal_basis=version.legal_basis)


def _last_received_on(uow: UnitOfWork, codes: list[str]) -> dict[str, date]:
    """The local date of the last dossier received under each procedure that has any."""
    last: dict[str, date] = {}
    for chunk in _chunks(codes, 500):
        rows = uow.session.execute(
            select(Dossier.procedure_code, func.max(Dossier.received_at))
            .where(Dossier.procedure_code.in_(chunk)).group_by(Dossier.procedure_code))
        last |= {code: received_at.astimezone(uow.calendar.tz).date() for code, received_at in rows}
    return last


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _today(uow: UnitOfWork) -> date:
    return uow.now().astimezone(uow.calendar.tz).date()


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _version_view(version: ProcedureVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "effective_from": version.effective_from,
        "processing_days": version.processing_days,
        "supplements_allowed": version.supplements_allowed,
        "extensions_allowed": version.extensions_allowed,
        "legal_basis": version.legal_basis,
        "steps": [{"key": s.key, "name": s.name, "days": s.days, "performer": s.performer} for s in version.steps],
        "created_at": version.created_at,
    }


def _procedure_view(procedure: Procedure, on: date) -> dict[str, Any]:
    """The procedure with the version in force on `on` (or, before the first, the first one, not in force)."""
    version = domain.version_in_force(procedure.versions, on)
    in_force = version is not None
    if version is None:
        version = procedure.versions[0]
    return {
        "code": procedure.code,
        "name": procedure.name,
        "level": procedure.level,
        "level_label": domain.LEVELS.get(procedure.level) if procedure.level else None,
        "field": procedure.field,
        "created_at": procedure.created_at,
        "on": on,
        "in_force": in_force,
        **_version_view(version),
        "versions": [{"version": v.version, "effective_from": v.effective_from, "processing_days": v.processing_days}
                     for v in procedure.versions],
    }


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
    received_at = data.get("received_at") or now
    domain.check_received_at(received_at, now)
    calendar = _calendar(uow)
    procedure = procedure_for(uow, data["procedure_code"], received_at.astimezone(calendar.tz).date())
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
        handler=data.get("handler"),
        channel=channel,
        status=domain.RECEIVED,
        received_at=received_at,
        counting_starts_at=counting_starts_at,
        processing_days=procedure.processing_days,
        due_at=due_at,
        rules_version=calendar.rules.version,
        created_at=now,
        # The control sheet starts with the first planned step, held by the receiving official, from the
        # instant the legal time starts counting (the afternoon after the cut-off is nobody's).
        current_step=procedure.steps[0].key if procedure.steps else None,
        current_official=data.get("handler"),
        step_started_at=counting_starts_at,
        supplements_allowed=getattr(procedure, "supplements_allowed", True),
        supplements=0,
        paused_seconds=0,
        sent_back=0,
        returned_for_fault=0,
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
    uow.session.add_all([DossierStep(dossier_code=code, position=i, key=step.key, name=step.name, days=step.days,
                                     performer=getattr(step, "performer", None))
                         for i, step in enumerate(procedure.steps, start=1)])
    _schedule_warnings(uow, dossier, now, fresh=True)
    tz = calendar.tz
    uow.record("dossier.received", code, {
        "code": code,
        "procedure_code": procedure.procedure_code,
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
        _calendar(uow)
        dossier = _load(uow, code)
        allowed = _may_see_applicant(principal, dossier.unit)
        applicant = uow.session.get(Applicant, code) if allowed else None
        return _view(uow, dossier, applicant=applicant, show_applicant=allowed)


def explain_deadline(uow: UnitOfWork, code: str) -> dict:
    """How the dossier's due date is computed: the legal time from receipt (cut-off, days counted, days
    skipped and why, the operators' announcements among them), then the apology's new date if any, then
    every pause for the citizen's supplement that moved it; rules version."""
    with uow:
        dossier = _load(uow, code)
        calendar = _calendar(uow)
        tz = calendar.tz
        received_at = dossier.received_at.astimezone(tz)
        explanation = calendar.explain(received_at, dossier.processing_days)
        pauses = _pauses(uow, code)
        apology = uow.session.get(Apology, code)
        deadline = _deadline(uow, dossier, calendar, pauses=pauses, apology=apology)
        counted = set(deadline.counted_pauses)
        last_day = max(deadline.due_at, explanation.due_at).astimezone(tz).date()
        overrides = uow.session.scalars(
            select(CalendarOverride)
            .where(CalendarOverride.day >= received_at.date(), CalendarOverride.day <= last_day)
            .order_by(CalendarOverride.day)).all()
        return {
            "code": dossier.code,
            "procedure_code": dossier.procedure_code,
            "processing_days": domain.format_days(dossier.processing_days),
            **explanation.as_dict(),
            # The legal time alone, before any apology or pause.
            "base_due_at": explanation.due_at.isoformat(),
            "due_at": deadline.due_at.astimezone(tz).isoformat(),
            "status": dossier.status,
            "skipped_days": domain.skipped_days(calendar, received_at, explanation),
            "overrides": [_override_view(o) for o in overrides],
            "pauses": [{
                "number": pause.number,
                "requested_at": pause.requested_at.astimezone(tz).isoformat(),
                "resumed_at": pause.resumed_at.astimezone(tz).isoformat() if pause.resumed_at else None,
                "reasons": pause.reasons,
                "paused_hours": _hours_text(_pause_seconds(calendar, pause, uow.now())),
                "moved_due_at": _span(pause) in counted,
                "label_vi": _pause_label(pause, _span(pause) in counted),
            } for pause in pauses],
            "paused_hours": _hours_text(deadline.paused_seconds),
            "apology": None if apology is None else {
                "issued_at": apology.issued_at.astimezone(tz).isoformat(),
                "previous_due_at": apology.previous_due_at.astimezone(tz).isoformat(),
                "new_due_at": apology.new_due_at.astimezone(tz).isoformat(),
                "reason": apology.reason,
            },
            # What is recorded now; differs from due_at above only while a calendar change is being applied.
            "recorded_due_at": dossier.due_at.astimezone(tz).isoformat(),
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
        _calendar(uow)
        result["items"] = [_view(uow, d) for d in result["items"]]
        return result


# -- finishing --------------------------------------------------------------------------------------

def complete_dossier(uow: UnitOfWork, code: str, *, completed_at: datetime | None = None,
                     principal: Principal | None = None) -> dict:
    """The result is ready: closes the step in progress on the control sheet (its last line: a
    `dossier.handed_over` with no next step, when a step was in progress), judges the dossier early, on
    time or late and emits `dossier.completed`; a late one names the step that overran, its official and
    unit. `principal` None: a trusted caller."""
    with uow:
        # Locked: two clerks finishing the same dossier at once must not both emit `dossier.completed`.
        dossier = _load_to_change(uow, code, principal)
        calendar = _calendar(uow)
        tz = calendar.tz
        if dossier.status == domain.COMPLETED:
            finished = dossier.completed_at.astimezone(tz).isoformat()
            raise Conflict(f"dossier {code!r} was already finished at {finished}",
                           {"code": ["already completed"]})
        if dossier.status == domain.AWAITING_SUPPLEMENT:
            raise domain.conflict_state(code, dossier.status, "record the citizen's supplement before the result")
        domain.ensure_open(code, dossier.status, "a result")
        now = uow.now()
        completed_at = completed_at or now
        domain.check_completed_at(completed_at, dossier.received_at, now)
        domain.check_at(completed_at, _last_event_at(uow, dossier), now, field="completed_at")
        timeliness = domain.completion_timeliness(completed_at, dossier.due_at, tz)
        if dossier.late_reason == domain.LATE_SECOND_SUPPLEMENT:
            timeliness = domain.LATE  # the 766 method: a second supplement request is late whatever the dates
        from_step, from_official = dossier.current_step, dossier.current_official
        uow.session.add(Handover(dossier_code=code, at=completed_at, from_step=from_step, to_step=None,
                                 from_official=from_official, to_official=from_official, to_unit=None, recorded_at=now))
        uow.session.flush()
        sheet = _control(uow, dossier, calendar, end=completed_at)
        late_reason = (dossier.late_reason or domain.LATE_OVERRAN) if timeliness == domain.LATE else None
        responsible = domain.responsibility(timeliness, dossier.handler, dossier.unit, uses=sheet.uses,
                                            segments=sheet.segments, due_at=dossier.due_at, late_reason=late_reason,
                                            second_request=_second_request(uow, dossier))
        if from_step is not None:
            _record_step_closed(uow, dossier, sheet, at=completed_at, from_step=from_step,
                                from_official=from_official, to_step=None, to_official=None, to_unit=None)
        dossier.status = domain.COMPLETED
        dossier.completed_at = completed_at
        dossier.timeliness = timeliness
        dossier.current_step = None
        dossier.step_started_at = completed_at
        dossier.warn_at = None
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
            "late_reason": late_reason,
            "supplements": dossier.supplements,
            "paused_days": str(domain.seconds_as_days(calendar, dossier.paused_seconds)),
            "returned_for_fault": dossier.returned_for_fault,
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
        # Claimed and marked as alerted in one statement: the rows locked (SKIP LOCKED, so replicas split
        # the work) are the rows updated and returned, without sending their codes back and forth; the
        # alert markers are written from the due dates returned (in the same statement on PostgreSQL).
        due = (select(Dossier.code).where(OVERDUE_WATCH, Dossier.due_at <= now).order_by(Dossier.due_at)
               .limit(limit).with_for_update(skip_locked=True))
        claim = (update(Dossier).where(Dossier.code.in_(due)).values(overdue_alerted_due_at=Dossier.due_at)
                 .returning(Dossier.code, Dossier.procedure_code, Dossier.unit, Dossier.received_at, Dossier.due_at,
                            Dossier.handler, Dossier.current_step, Dossier.current_official)
                 .execution_options(synchronize_session=False))
        claimed, marked = claim_and_mark(session, claim, DossierAlert.__table__, subject_column="dossier_code",
                                         kind=OVERDUE_ALERT, now=now)
        if not claimed:
            return 0, 0
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
                # The step in progress and who holds it: they answer if it stays late.
                "step": row.current_step,
                "official": row.current_official or row.handler,
            }, unit=row.unit)
        uow.commit()
        return len(marked), len(claimed)


# -- the lifecycle ----------------------------------------------------------------------------------

def record_handover(uow: UnitOfWork, code: str, data: dict, *, principal: Principal | None = None) -> dict:
    """A line of the control sheet: the dossier passes to `to_step` (None: the same step, another
    official) and `to_official` (in `to_unit` when another unit does the step), at `at` (now when omitted).
    Emits `dossier.handed_over` with the budget, time used and timeliness of the step it leaves. The result
    being ready is not a hand-over: use complete_dossier."""
    with uow:
        dossier = _load_to_change(uow, code, principal)
        domain.ensure_open(code, dossier.status, "a hand-over")
        calendar = _calendar(uow)
        now = uow.now()
        at = data.get("at") or now
        domain.check_at(at, _last_event_at(uow, dossier), now)
        plan = _plan(uow, code)
        to_step = data.get("to_step") or dossier.current_step
        keys = [step.key for step in plan]
        if plan and to_step not in keys:
            raise InvalidInput(f"dossier {code!r} has no step {to_step!r}",
                               {"to_step": [f"one of {', '.join(keys)}"]})
        to_official = data.get("to_official")
        if to_step == dossier.current_step and to_official in (None, dossier.current_official) \
                and not data.get("to_unit"):
            raise InvalidInput("a hand-over must change the step, the official or the unit",
                               {"to_step": ["give the next step"], "to_official": ["or the next official"]})
        from_step = dossier.current_step
        from_official = data.get("from_official") or dossier.current_official
        uow.session.add(Handover(dossier_code=code, at=at, from_step=from_step, to_step=to_step,
                                 from_official=from_official, to_official=to_official, to_unit=data.get("to_unit"),
                                 recorded_at=now))
        uow.session.flush()
        sheet = _control(uow, dossier, calendar, end=None, now=at)
        _record_step_closed(uow, dossier, sheet, at=at, from_step=from_step, from_official=from_official,
                            to_step=to_step, to_official=to_official, to_unit=data.get("to_unit"))
        dossier.current_step = to_step
        dossier.current_official = to_official
        dossier.current_unit = data.get("to_unit")
        dossier.step_started_at = at
        view = _view(uow, dossier)
        uow.commit()
        return view


def request_supplement(uow: UnitOfWork, code: str, data: dict, *, principal: Principal | None = None) -> dict:
    """Ask the citizen to supplement the dossier, with reasons: the clock stops until they do. Only where
    the procedure allows supplements; the law allows one request, and a second one is recorded but makes
    the dossier late whatever its dates (`dossier.marked_late`, reason second_supplement)."""
    with uow:
        dossier = _load_to_change(uow, code, principal)
        calendar = _calendar(uow)
        tz = calendar.tz
        if dossier.status == domain.AWAITING_SUPPLEMENT:
            since = dossier.paused_since.astimezone(tz).isoformat()
            raise domain.conflict_state(code, dossier.status,
                                        f"a supplement was already requested at {since} and not yet received")
        domain.ensure_open(code, dossier.status, "a supplement request")
        if not dossier.supplements_allowed:
            raise Conflict(f"the procedure of dossier {code!r} ({dossier.procedure_code}) does not allow supplement "
                           "requests", {"code": ["supplements not allowed by the procedure"]})
        reasons = domain.check_reasons(data.get("reasons"))
        now = uow.now()
        at = data.get("at") or now
        domain.check_at(at, _last_event_at(uow, dossier), now)
        number = dossier.supplements + 1
        counts_as_late = number > domain.SUPPLEMENTS_ALLOWED
        official = data.get("official") or dossier.current_official
        uow.session.add(Pause(dossier_code=code, number=number, requested_at=at, reasons=reasons, official=official,
                              step=dossier.current_step))
        dossier.supplements = number
        dossier.status = domain.AWAITING_SUPPLEMENT
        dossier.paused_since = at
        uow.record("dossier.supplement_requested", code, {
            "code": code, "unit": dossier.unit, "at": at.astimezone(tz).isoformat(), "reasons": reasons,
            "official": official, "request_number": number, "counts_as_late": counts_as_late,
        }, unit=dossier.unit)
        if counts_as_late and dossier.late_reason is None:
            dossier.late_reason = domain.LATE_SECOND_SUPPLEMENT
            uow.record("dossier.marked_late", code, {
                "code": code, "unit": dossier.unit, "at": at.astimezone(tz).isoformat(),
                "reason": domain.LATE_SECOND_SUPPLEMENT, "official": official,
            }, unit=dossier.unit)
        view = _view(uow, dossier)
        uow.commit()
        return view


def receive_supplement(uow: UnitOfWork, code: str, data: dict, *, principal: Principal | None = None) -> dict:
    """The citizen supplemented the dossier at `at`: the clock resumes and the due instant moves on by the
    working time it stood still (`dossier.supplement_received`, and `dossier.deadline_changed` when the
    due instant moved)."""
    with uow:
        dossier = _load_to_change(uow, code, principal)
        if dossier.status != domain.AWAITING_SUPPLEMENT:
            raise domain.conflict_state(code, dossier.status, "no supplement request is waiting for the citizen")
        calendar = _calendar(uow)
        tz = calendar.tz
        now = uow.now()
        at = data.get("at") or now
        domain.check_at(at, dossier.paused_since, now, not_before_what="the supplement request")
        pauses = _pauses(uow, code)
        pause = pauses[-1]
        pause.resumed_at = at
        pause.paused_seconds = domain.working_seconds(calendar, pause.requested_at, at)
        dossier.status = domain.RECEIVED
        dossier.paused_since = None
        dossier.paused_seconds = sum(p.paused_seconds or 0 for p in pauses)
        previous = dossier.due_at
        _move_deadline(uow, dossier, calendar, now, pauses=pauses)
        uow.record("dossier.supplement_received", code, {
            "code": code, "unit": dossier.unit, "at": at.astimezone(tz).isoformat(),
            "paused_days": str(domain.seconds_as_days(calendar, pause.paused_seconds)),
            "due_at": dossier.due_at.astimezone(tz).isoformat(),
        }, unit=dossier.unit)
        if dossier.due_at != previous:
            _record_deadline_changed(uow, dossier, previous, "supplement_received", calendar)
        view = _view(uow, dossier)
        uow.commit()
        return view


def end_dossier(uow: UnitOfWork, code: str, end: str, data: dict, *, principal: Principal | None = None) -> dict:
    """End a dossier: `returned` (the ready result handed to the citizen), or `refused`, `withdrawn`,
    `stopped` (an open dossier closes without a result; refused and stopped need a reason).
    Emits `dossier.<end>`."""
    if end not in domain.ENDS:
        raise InvalidInput(f"{end!r} is not a way a dossier ends", {"end": [f"one of {', '.join(domain.ENDS)}"]})
    with uow:
        dossier = _load_to_change(uow, code, principal)
        if end == domain.RETURNED:
            if dossier.status != domain.COMPLETED:
                raise domain.conflict_state(code, dossier.status,
                                            "the result can be handed to the citizen only once it is ready")
        else:
            domain.ensure_open(code, dossier.status, f"{end} is possible only for a dossier still being handled")
        reason = domain.check_reason(data.get("reason"), end in domain.ENDS_NEEDING_REASON,
                                     f"a dossier {end} must tell the citizen why")
        tz = _calendar(uow).tz
        now = uow.now()
        at = data.get("at") or now
        domain.check_at(at, _last_event_at(uow, dossier), now)
        official = data.get("official") or dossier.current_official
        dossier.status = end
        dossier.ended_at = at
        dossier.end_reason = reason
        dossier.warn_at = None
        uow.record(f"dossier.{end}", code, {
            "code": code, "unit": dossier.unit, "procedure_code": dossier.procedure_code,
            "at": at.astimezone(tz).isoformat(), "reason": reason, "official": official,
        }, unit=dossier.unit)
        view = _view(uow, dossier)
        uow.commit()
        return view


def send_back(uow: UnitOfWork, code: str, data: dict, *, principal: Principal | None = None) -> dict:
    """The dossier was sent back to the citizen (trả lại hồ sơ), with a reason; when it was the officials'
    own fault it is counted on the dossier (reported monthly). Emits `dossier.sent_back`."""
    with uow:
        dossier = _load_to_change(uow, code, principal)
        domain.ensure_open(code, dossier.status, "sending back")
        reason = domain.check_reason(data.get("reason"), True, "the citizen must be told why the dossier came back")
        if not isinstance(data.get("officials_fault"), bool):
            raise InvalidInput("say whether the officials were at fault",
                               {"officials_fault": ["required: true or false"]})
        tz = _calendar(uow).tz
        now = uow.now()
        at = data.get("at") or now
        domain.check_at(at, _last_event_at(uow, dossier), now)
        official = data.get("official") or dossier.current_official
        uow.session.add(SendBack(dossier_code=code, at=at, reason=reason, officials_fault=data["officials_fault"],
                                 official=official))
        dossier.sent_back += 1
        if data["officials_fault"]:
            dossier.returned_for_fault += 1
        uow.record("dossier.sent_back", code, {
            "code": code, "unit": dossier.unit, "at": at.astimezone(tz).isoformat(), "reason": reason,
            "officials_fault": data["officials_fault"], "official": official,
            "times_for_fault": dossier.returned_for_fault,
        }, unit=dossier.unit)
        view = _view(uow, dossier)
        uow.commit()
        return view


def control_sheet(uow: UnitOfWork, code: str, principal: Principal | None = None) -> dict:
    """The process control sheet: each step's budget, working time used and timeliness, every hand-over,
    every pause and send-back."""
    with uow:
        dossier = _load(uow, code)
        if principal is not None:
            principal.ensure_unit(dossier.unit)
        calendar = _calendar(uow)
        tz = calendar.tz
        now = uow.now()
        end = dossier.completed_at or dossier.ended_at
        sheet = _control(uow, dossier, calendar, end=end, now=end or now)
        day = calendar.hours_per_day() * 3600

        def local(moment):
            return moment.astimezone(tz) if moment is not None else None

        return {
            "code": dossier.code, "procedure_code": dossier.procedure_code, "unit": dossier.unit,
            "status": dossier.status, "received_at": local(dossier.received_at),
            "counting_starts_at": local(dossier.counting_starts_at), "due_at": local(dossier.due_at),
            "completed_at": local(dossier.completed_at),
            "steps": [{
                "key": use.key, "name": use.name,
                "budget_days": None if use.budget_days is None else domain.format_days(use.budget_days),
                "used_days": str((Decimal(use.used_seconds) / day).quantize(Decimal("0.0001"))),
                "used_hours": _hours_text(use.used_seconds),
                "on_time": use.on_time, "started_at": local(use.started_at),
                "finished_at": None if use.in_progress else local(use.finished_at),
                "officials": list(use.officials), "in_progress": use.in_progress,
            } for use in sheet.uses],
            "handovers": [{
                "at": local(h.at), "from_step": h.from_step, "to_step": h.to_step, "from_official": h.from_official,
                "to_official": h.to_official, "to_unit": h.to_unit,
            } for h in sheet.handovers],
            "pauses": [{
                "number": p.number, "requested_at": local(p.requested_at), "resumed_at": local(p.resumed_at),
                "reasons": p.reasons, "official": p.official, "step": p.step,
                "paused_hours": _hours_text(_pause_seconds(calendar, p, now)),
            } for p in sheet.pauses],
            "send_backs": [{
                "at": local(b.at), "reason": b.reason, "officials_fault": b.officials_fault, "official": b.official,
            } for b in uow.session.scalars(select(SendBack).where(SendBack.dossier_code == code)
                                           .order_by(SendBack.id))],
            "supplements": dossier.supplements,
            "returned_for_fault": dossier.returned_for_fault,
        }


# -- apology ----------------------------------------------------------------------------------------

def issue_apology(uow: UnitOfWork, code: str, data: dict, *, principal: Principal | None = None) -> dict:
    """The unit apologises to the citizen with a reason and sets a new return date, once: the law allows
    the date to be reset one time only. Emits `dossier.apology_issued` and `dossier.deadline_changed`.
    data = {reason, new_due_at, official?, signer_title?, signer_name?, place?, at?}."""
    with uow:
        dossier = _load_to_change(uow, code, principal)
        calendar = _calendar(uow)
        tz = calendar.tz
        existing = uow.session.get(Apology, code)
        if existing is not None:
            raise _second_apology(code, existing, tz)
        domain.ensure_open(code, dossier.status, "an apology with a new return date")
        reason = domain.check_reason(data.get("reason"), True, "the apology must say why the result is late")
        now = uow.now()
        at = data.get("at") or now
        domain.check_at(at, dossier.received_at, now, not_before_what="the receipt of the dossier")
        new_due_at = data["new_due_at"]
        domain.require_offset("new_due_at", new_due_at)
        if new_due_at <= dossier.due_at or new_due_at <= at:
            later = max(dossier.due_at, at).astimezone(tz).isoformat()
            raise InvalidInput("the new return date must be later than the current one and than now",
                               {"new_due_at": [f"must be after {later}"]})
        try:
            _apologise(uow, dossier, calendar, at=at, reason=reason, new_due_at=new_due_at,
                       official=data.get("official"), signer_title=data.get("signer_title"),
                       signer_name=data.get("signer_name"), place=data.get("place"))
        except IntegrityError as exc:  # another clerk set the date a moment ago
            raise Conflict(f"the return date of dossier {code!r} was already reset; the law allows it once",
                           {"new_due_at": ["already reset once"]}) from exc
        view = _view(uow, dossier)
        uow.commit()
        return view


def _apologise(uow: UnitOfWork, dossier: Dossier, calendar: WorkingCalendar, *, at: datetime, reason: str,
               new_due_at: datetime, official: str | None = None, signer_title: str | None = None,
               signer_name: str | None = None, place: str | None = None, automatic: bool = False) -> None:
    """Record the apology and move the deadline: the unit's, or the platform's own at the legal latest point.
    Raises IntegrityError (after a savepoint rollback) when the date was already reset."""
    tz = calendar.tz
    previous = dossier.due_at
    official = official or dossier.current_official
    with uow.session.begin_nested():
        uow.session.add(Apology(
            dossier_code=dossier.code, issued_at=at, previous_due_at=previous, new_due_at=new_due_at, reason=reason,
            official=official, step=dossier.current_step, signer_title=signer_title, signer_name=signer_name,
            place=place))
    dossier.due_at = new_due_at
    dossier.overdue_alerted_due_at = None
    _schedule_warnings(uow, dossier, uow.now())
    uow.record("dossier.apology_issued", dossier.code, {
        "code": dossier.code, "unit": dossier.unit, "issued_at": at.astimezone(tz).isoformat(),
        "previous_due_at": previous.astimezone(tz).isoformat(), "due_at": new_due_at.astimezone(tz).isoformat(),
        "reason": reason, "official": official, "step": dossier.current_step, "automatic": automatic,
    }, unit=dossier.unit)
    _record_deadline_changed(uow, dossier, previous, "apology", calendar)


def apology_document(uow: UnitOfWork, code: str, fmt: str, principal: Principal) -> bytes:
    """The apology letter (Phiếu xin lỗi và hẹn lại ngày trả kết quả) as PDF or DOCX. It names the citizen,
    so only the unit's officers and heads, the office and admins may have it."""
    from services.dossiers import documents  # WeasyPrint loads slowly; only the letters need it

    with uow:
        dossier = _load(uow, code)
        principal.ensure_unit(dossier.unit)
        if not _may_see_applicant(principal, dossier.unit):
            raise Forbidden("the apology letter names the citizen; it is for the unit's officers and heads, the "
                            "office and admins")
        apology = uow.session.get(Apology, code)
        if apology is None:
            raise NotFound(f"dossier {code!r} has no apology yet; issue it with POST /dossiers/{code}/apology")
        tz = _calendar(uow).tz
        applicant = uow.session.get(Applicant, code)
        procedure = uow.session.get(Procedure, dossier.procedure_code)
        unit = uow.session.get(Unit, dossier.unit)
        parent = uow.session.get(Unit, unit.parent) if unit is not None and unit.parent else None
        signer = {"signer_title": apology.signer_title} if apology.signer_title else {}
        letter = documents.ApologyLetter(
            agency_name=unit.name if unit is not None else dossier.unit,
            parent_agency_name=parent.name if parent is not None else None,
            place=apology.place or uow.settings.rules.get("dossier_apology_place", DEFAULT_PLACE),
            issued_on=apology.issued_at.astimezone(tz).date(),
            dossier_code=code,
            applicant_name=applicant.name if applicant is not None else "",
            procedure_name=procedure.name if procedure is not None else dossier.procedure_code,
            received_at=dossier.received_at.astimezone(tz),
            previous_due_at=apology.previous_due_at.astimezone(tz),
            new_due_at=apology.new_due_at.astimezone(tz),
            reason=apology.reason,
            signer_name=apology.signer_name,
            **signer,
        )
    return documents.render_apology_pdf(letter) if fmt == "pdf" else documents.render_apology_docx(letter)


def _second_apology(code: str, existing: Apology, tz) -> Conflict:
    first = existing.new_due_at.astimezone(tz)
    issued = existing.issued_at.astimezone(tz)
    return Conflict(
        f"the return date of dossier {code!r} was already reset once, on {issued:%d/%m/%Y %H:%M}, to "
        f"{first:%H:%M %d/%m/%Y} ({first.isoformat()}); the law allows one new date only",
        {"new_due_at": [f"already reset to {first.isoformat()}"]})


# -- warnings: due soon and apology due -------------------------------------------------------------

def alert_warnings(uow: UnitOfWork, limit: int = 1000) -> tuple[int, int]:
    """One batch of the warnings sweep: for up to `limit` open dossiers whose next warning point has come,
    emits `dossier.due_soon` for each due-soon point reached (once per dossier, due date and point) and
    marks the apology due (once per due date). Returns (alerts, claimed)."""
    with uow:
        now = uow.now()
        session = uow.session
        calendar = _calendar(uow)
        tz = calendar.tz
        claimed = session.scalars(
            select(Dossier).where(WARNING_WATCH, Dossier.warn_at <= now).order_by(Dossier.warn_at)
            .limit(limit).with_for_update(skip_locked=True)).all()
        if not claimed:
            return 0, 0
        points = _warning_points(uow)
        codes = [d.code for d in claimed]
        fired = _fired(uow, codes)
        apologised = set(session.scalars(select(Apology.dossier_code).where(Apology.dossier_code.in_(codes))))
        due_now: dict[str, list[str]] = {}
        for dossier in claimed:
            for instant, point in _points_of(calendar, dossier, points, apologised):
                if dossier.warn_at <= instant <= now and (point.alert_kind, dossier.due_at) not in fired[dossier.code]:
                    due_now.setdefault(point.alert_kind, []).append(dossier.code)
        marked: dict[str, set[str]] = {
            kind: mark_new(session, DossierAlert.__table__, subject_column="dossier_code", kind=kind,
                           subject=Dossier.code, due_at=Dossier.due_at, subjects=subjects, now=now)
            for kind, subjects in due_now.items()}
        alerts = 0
        for dossier in claimed:
            apology_due = False
            for _instant, point in _points_of(calendar, dossier, points, apologised):
                if dossier.code not in marked.get(point.alert_kind, ()):
                    continue
                fired[dossier.code].add((point.alert_kind, dossier.due_at))
                alerts += 1
                if point.kind == domain.APOLOGY_DUE:
                    apology_due = True
                    continue
                uow.record("dossier.due_soon", dossier.code, {
                    "code": dossier.code, "unit": dossier.unit, "due_at": dossier.due_at.astimezone(tz).isoformat(),
                    "point": point.label, "detected_at": now.astimezone(tz).isoformat(),
                    "step": dossier.current_step, "official": dossier.current_official or dossier.handler,
                }, unit=dossier.unit)
            if apology_due:
                dossier.apology_due_at = dossier.apology_due_at or now
            if apology_due and now < dossier.due_at:
                # The unit has not apologised by the legal latest point: the platform does, so the citizen
                # hears in time (DOMAIN.md, Dossiers: "at the latest 1 working day before the deadline").
                # After the other points, which speak of the due date they were reached for. Not once the
                # deadline has passed (a sweep that was down, a dossier announced late by an external
                # system): an apology is made before the deadline; after it the dossier is simply late.
                default = domain.default_apology(_plan(uow, dossier.code), dossier.current_step)
                _apologise(uow, dossier, calendar, at=now, reason=default.reason, automatic=True,
                           new_due_at=calendar.add_working_days(dossier.due_at, default.extra_days))
                apologised.add(dossier.code)
            upcoming = [instant for instant, point in _points_of(calendar, dossier, points, apologised)
                        if instant > now and (point.alert_kind, dossier.due_at) not in fired[dossier.code]]
            dossier.warn_at = min(upcoming, default=None)
        uow.commit()
        return alerts, len(claimed)


# -- working-time overrides -------------------------------------------------------------------------

def list_calendar_overrides(uow: UnitOfWork, year: int | None = None) -> list[dict]:
    with uow:
        query = select(CalendarOverride).order_by(CalendarOverride.day)
        if year is not None:
            query = query.where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
        return [_override_view(o) for o in uow.session.scalars(query)]


def add_calendar_override(uow: UnitOfWork, data: dict, *, principal: Principal | None = None) -> dict:
    """An operator's announcement for the year: `day` made a day off or a working day (`kind`), with a
    Vietnamese `label`. Running deadlines move at once (`dossier.deadline_changed`, calendar_changed)."""
    with uow:
        day, kind = data["day"], data["kind"]
        if kind not in domain.OVERRIDE_KINDS:
            raise InvalidInput(f"{kind!r} is not a kind of day",
                               {"kind": [f"one of {', '.join(domain.OVERRIDE_KINDS)}"]})
        existing = uow.session.get(CalendarOverride, day)
        if existing is not None:
            raise Conflict(f"{day.isoformat()} is already announced as {existing.kind} ({existing.label}); remove that "
                           "announcement first", {"day": [f"already {existing.kind}: {existing.label}"]})
        label = domain.check_override(_calendar(uow), day, kind, data.get("label"))
        override = CalendarOverride(day=day, kind=kind, label=label, created_at=uow.now(),
                                    created_by=principal.sub if principal is not None else None)
        uow.session.add(override)
        try:
            uow.session.flush()
        except IntegrityError as exc:
            raise Conflict(f"{day.isoformat()} was announced a moment ago; reload", {"day": ["already announced"]}) \
                from exc
        view = _override_view(override)
        uow.commit()
    view["deadlines_moved"] = apply_calendar(uow)
    return view


def remove_calendar_override(uow: UnitOfWork, day: date, *, principal: Principal | None = None) -> dict:
    """Withdraw an announcement; running deadlines move back."""
    with uow:
        override = uow.session.get(CalendarOverride, day)
        if override is None:
            raise NotFound(f"no announcement for {day.isoformat()}")
        view = _override_view(override)
        uow.session.delete(override)
        uow.commit()
    view["deadlines_moved"] = apply_calendar(uow)
    return view


def apply_calendar(uow: UnitOfWork, batch: int = 500) -> int:
    """Bring every running deadline up to the current calendar, `batch` dossiers per transaction; returns
    how many moved. Cheap when nothing changed: one read of the applied version. A dossier waiting for a
    supplement is brought up to date when the citizen supplements."""
    moved = 0
    while True:
        with uow:
            calendar = _calendar(uow)
            version = calendar.rules.version
            state = uow.session.get(CalendarState, 1, with_for_update=True)
            if state is not None and state.applied_version == version:
                return moved
            now = uow.now()
            dossiers = uow.session.scalars(
                select(Dossier).where(Dossier.status == domain.RECEIVED, Dossier.rules_version != version)
                .order_by(Dossier.code).limit(batch).with_for_update(skip_locked=True)).all()
            for dossier in dossiers:
                previous = dossier.due_at
                _move_deadline(uow, dossier, calendar, now)
                if dossier.due_at != previous:
                    moved += 1
                    _record_deadline_changed(uow, dossier, previous, "calendar_changed", calendar)
            if len(dossiers) < batch:
                if state is None:
                    uow.session.add(CalendarState(id=1, applied_version=version, updated_at=now))
                else:
                    state.applied_version, state.updated_at = version, now
            uow.commit()
            if len(dossiers) < batch:
                return moved


# -- officers' views --------------------------------------------------------------------------------

def my_dossiers(uow: UnitOfWork, principal: Principal, page: int, page_size: int) -> dict:
    """The caller's open dossiers (the step in progress is theirs), least remaining working time first."""
    with uow:
        calendar = _calendar(uow)
        now = uow.now()
        dossiers = uow.session.scalars(select(Dossier).where(Dossier.current_official == principal.sub,
                                                             Dossier.status.in_(domain.OPEN_STATUSES))).all()
        ranked = sorted(((_remaining(calendar, d, now), d) for d in dossiers), key=lambda pair: (pair[0], pair[1].code))
        start = (page - 1) * page_size
        items = []
        for remaining, dossier in ranked[start:start + page_size]:
            view = _view(uow, dossier)
            view["remaining_hours"] = _hours_text(remaining)
            view["remaining_days"] = str(domain.seconds_as_days(calendar, remaining))
            items.append(view)
        return {"items": items, "page": page, "page_size": page_size, "total": len(ranked)}


def unit_summary(uow: UnitOfWork, unit: str, principal: Principal) -> dict:
    """A unit's open dossiers by step: how many, how many due soon (a warning point reached), overdue,
    and waiting for the citizen; the codes of the due soon and overdue ones, most urgent first."""
    with uow:
        principal.ensure_unit(unit)
        calendar = _calendar(uow)
        now = uow.now()
        points = _warning_points(uow, apology=False)
        rows = uow.session.scalars(select(Dossier).where(Dossier.unit == unit, Dossier.status.in_(domain.OPEN_STATUSES))
                                   .order_by(Dossier.due_at, Dossier.code)).all()
        names = dict(uow.session.execute(
            select(DossierStep.key, func.min(DossierStep.name)).join(Dossier, Dossier.code == DossierStep.dossier_code)
            .where(Dossier.unit == unit, Dossier.status.in_(domain.OPEN_STATUSES)).group_by(DossierStep.key)).all())
        steps: dict[str | None, dict] = {}
        totals = {"open": 0, "due_soon": 0, "overdue": 0, "awaiting_supplement": 0}
        for dossier in rows:
            group = steps.setdefault(dossier.current_step, {
                "step": dossier.current_step, "step_name": names.get(dossier.current_step),
                "open": 0, "due_soon": 0, "overdue": 0, "awaiting_supplement": 0, "due_soon_codes": [],
                "overdue_codes": []})
            state = _urgency(calendar, dossier, points, now)
            for bucket in ("open", state):
                if bucket is not None:
                    group[bucket] += 1
                    totals[bucket] += 1
            if state in ("due_soon", "overdue"):
                group[f"{state}_codes"].append(dossier.code)
        ordered = sorted(steps.values(), key=lambda g: (g["step"] is None, g["step"] or ""))
        return {"unit": unit, "at": now.astimezone(calendar.tz), **totals, "steps": ordered}


def _urgency(calendar, dossier: Dossier, points, now: datetime) -> str | None:
    if dossier.status == domain.AWAITING_SUPPLEMENT:
        return "awaiting_supplement"
    if domain.is_overdue(dossier.due_at, now):
        return "overdue"
    instants = domain.due_points(calendar, dossier.due_at, dossier.processing_days, dossier.counting_starts_at, points)
    if instants and instants[0][0] <= now:
        return "due_soon"
    return None


def _remaining(calendar, dossier: Dossier, now: datetime) -> int:
    # While the clock stands still, what is left is what was left when it stopped.
    reference = dossier.paused_since if dossier.status == domain.AWAITING_SUPPLEMENT else now
    return domain.remaining_seconds(calendar, dossier.due_at, reference)


# -- directory read copy ----------------------------------------------------------------------------

def record_unit(uow: UnitOfWork, data: dict, event_time: datetime) -> None:
    """`directory.unit_upserted`: keep the unit's name and parent for the apology letter (newest wins)."""
    with uow:
        unit = uow.session.get(Unit, data["code"])
        if unit is None:
            uow.session.add(Unit(code=data["code"], name=data["name"], parent=data.get("parent"),
                                 kind=data.get("kind"), event_time=event_time))
        elif unit.event_time is None or unit.event_time <= event_time:
            unit.name, unit.parent, unit.kind, unit.event_time = (data["name"], data.get("parent"), data.get("kind"),
                                                                  event_time)
        uow.commit()


# -- lifecycle helpers ------------------------------------------------------------------------------

DEFAULT_PLACE = "Hà Nội"
# The dossiers service's calendar per runtime: the configured one with the operators' announcements from
# this database, rebuilt only when the announcements change (building one takes milliseconds).
_calendars: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _calendar(uow: UnitOfWork) -> WorkingCalendar:
    """The calendar in force: the configured rules plus the overrides stored here; also set as
    `uow.calendar` so everything in this unit of work uses it. One small read per transaction."""
    cached = uow.memo.get("calendar")
    if cached is not None:
        return cached
    rows = tuple(tuple(row) for row in uow.session.execute(
        select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.label).order_by(CalendarOverride.day)))
    base = uow.runtime.calendar
    entry = _calendars.get(uow.runtime)
    if entry is None or entry[0] != (base, rows):
        if rows:
            digest = hashlib.sha1(repr(rows).encode()).hexdigest()[:8]
            # The version tells users (and the deadline sweep) which announcements computed a due date.
            calendar = base.with_overrides(
                extra_days_off=[(day, label) for day, kind, label in rows if kind == domain.DAY_OFF],
                extra_working_days=[(day, label) for day, kind, label in rows if kind == domain.WORKING_DAY],
                version=f"{base.rules.version[:40]}+{digest}")
        else:
            calendar = base
        entry = ((base, rows), calendar)
        _calendars[uow.runtime] = entry
    uow.calendar = entry[1]
    uow.memo["calendar"] = entry[1]
    return entry[1]


@functools.lru_cache(maxsize=16)
def _parse_points(warning: str, apology: str) -> tuple[domain.WarningPoint, ...]:
    return (domain.parse_points(warning, "dossier_warning_points")
            + domain.parse_points(apology, "dossier_apology_point", kind=domain.APOLOGY_DUE))


def _warning_points(uow: UnitOfWork, apology: bool = True) -> tuple[domain.WarningPoint, ...]:
    """The configured points (KYCUONG_RULES: dossier_warning_points "75%,1d", dossier_apology_point "1d")."""
    rules = uow.settings.rules
    points = _parse_points(str(rules.get("dossier_warning_points", domain.DEFAULT_WARNING_POINTS)),
                           str(rules.get("dossier_apology_point", domain.DEFAULT_APOLOGY_POINT)))
    return points if apology else tuple(p for p in points if p.kind != domain.APOLOGY_DUE)


def _points_of(calendar: WorkingCalendar, dossier: Dossier, points, apologised) -> list:
    if dossier.code in apologised:  # the apology is made: it is no longer due
        points = tuple(p for p in points if p.kind != domain.APOLOGY_DUE)
    return domain.due_points(calendar, dossier.due_at, dossier.processing_days, dossier.counting_starts_at, points)


def _fired(uow: UnitOfWork, codes: list[str]) -> dict[str, set]:
    fired: dict[str, set] = {code: set() for code in codes}
    rows = uow.session.execute(select(DossierAlert.dossier_code, DossierAlert.kind, DossierAlert.due_at)
                               .where(DossierAlert.dossier_code.in_(codes), DossierAlert.kind != OVERDUE_ALERT))
    for code, kind, due_at in rows:
        fired[code].add((kind, due_at))
    return fired


def _schedule_warnings(uow: UnitOfWork, dossier: Dossier, now: datetime, *, fresh: bool = False) -> None:
    """Set the dossier's next warning instant for its current due date. A point already behind us when a
    due date moves fires only if that kind of warning never fired for the dossier: "75% used" is not said
    twice because a supplement moved the deadline."""
    calendar = _calendar(uow)
    points = _warning_points(uow)
    if fresh:
        instants = _points_of(calendar, dossier, points, ())
        dossier.warn_at = instants[0][0] if instants else None
        return
    apologised = {dossier.code} if uow.session.get(Apology, dossier.code) is not None else set()
    fired = _fired(uow, [dossier.code])[dossier.code]
    kinds_fired = {kind for kind, _ in fired}
    dossier.warn_at = min((instant for instant, point in _points_of(calendar, dossier, points, apologised)
                           if (point.alert_kind, dossier.due_at) not in fired
                           and (instant > now or point.alert_kind not in kinds_fired)), default=None)


def _pauses(uow: UnitOfWork, code: str) -> list[Pause]:
    return list(uow.session.scalars(select(Pause).where(Pause.dossier_code == code).order_by(Pause.number)))


def _span(pause: Pause) -> domain.PauseSpan:
    return domain.PauseSpan(started_at=pause.requested_at, ended_at=pause.resumed_at)


def _pause_seconds(calendar: WorkingCalendar, pause: Pause, now: datetime) -> int:
    if pause.resumed_at is not None:
        return pause.paused_seconds or 0
    return domain.working_seconds(calendar, pause.requested_at, now)


def _pause_label(pause: Pause, moved: bool) -> str:
    if pause.resumed_at is None:
        return "Đang tạm dừng: chờ công dân bổ sung hồ sơ, thời hạn chưa tính tiếp"
    if moved:
        return "Tạm dừng chờ công dân bổ sung hồ sơ: hạn trả kết quả lùi tương ứng"
    return "Tạm dừng sau khi đã quá hạn: không lùi hạn trả kết quả"


def _hours_text(seconds: int) -> str:
    return str((Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01")))


def _deadline(uow: UnitOfWork, dossier: Dossier, calendar: WorkingCalendar, *, pauses: list[Pause] | None = None,
              apology: Apology | None | bool = False) -> domain.Deadline:
    if pauses is None:
        pauses = _pauses(uow, dossier.code)
    if apology is False:
        apology = uow.session.get(Apology, dossier.code)
    return domain.compute_deadline(calendar, dossier.received_at, dossier.processing_days,
                                   tuple(_span(p) for p in pauses),
                                   None if apology is None else (apology.issued_at, apology.new_due_at))


def _move_deadline(uow: UnitOfWork, dossier: Dossier, calendar: WorkingCalendar, now: datetime, *,
                   pauses: list[Pause] | None = None) -> None:
    """Recompute the due instant under `calendar`; a moved one is watched afresh by the sweeps."""
    try:
        deadline = _deadline(uow, dossier, calendar, pauses=pauses)
    except ValueError:  # outside the calendar's years: keep what was promised
        return
    if deadline.due_at != dossier.due_at:
        dossier.due_at = deadline.due_at
        dossier.overdue_alerted_due_at = None
    dossier.rules_version = calendar.rules.version
    _schedule_warnings(uow, dossier, now)


def _record_deadline_changed(uow: UnitOfWork, dossier: Dossier, previous: datetime, reason: str,
                             calendar: WorkingCalendar) -> None:
    tz = calendar.tz
    uow.record("dossier.deadline_changed", dossier.code, {
        "code": dossier.code, "unit": dossier.unit, "previous_due_at": previous.astimezone(tz).isoformat(),
        "due_at": dossier.due_at.astimezone(tz).isoformat(), "reason": reason,
        "rules_version": calendar.rules.version,
    }, unit=dossier.unit)


def _plan(uow: UnitOfWork, code: str) -> tuple[domain.PlannedStep, ...]:
    return tuple(domain.PlannedStep(key=s.key, name=s.name, days=s.days, performer=s.performer)
                 for s in uow.session.scalars(select(DossierStep).where(DossierStep.dossier_code == code)
                                              .order_by(DossierStep.position)))


@dataclass(frozen=True)
class _Sheet:
    handovers: list[Handover]
    pauses: list[Pause]
    segments: tuple[domain.Segment, ...]
    uses: tuple[domain.StepUse, ...]


def _control(uow: UnitOfWork, dossier: Dossier, calendar: WorkingCalendar, *, end: datetime | None,
             now: datetime | None = None) -> _Sheet:
    """The control sheet as recorded: segments between hand-overs and each step's use of its budget."""
    code = dossier.code
    handovers = list(uow.session.scalars(select(Handover).where(Handover.dossier_code == code)
                                         .order_by(Handover.at, Handover.id)))
    pauses = _pauses(uow, code)
    plan = _plan(uow, code)
    segments = domain.segments_from(plan[0].key if plan else None, dossier.handler, dossier.counting_starts_at,
                                    [(h.at, h.to_step, h.to_official, h.to_unit) for h in handovers], end)
    uses = domain.step_uses(calendar, plan, segments, tuple(_span(p) for p in pauses), now or end or uow.now())
    return _Sheet(handovers=handovers, pauses=pauses, segments=segments, uses=uses)


def _record_step_closed(uow: UnitOfWork, dossier: Dossier, sheet: _Sheet, *, at: datetime, from_step: str | None,
                        from_official: str | None, to_step: str | None, to_official: str | None,
                        to_unit: str | None) -> None:
    """`dossier.handed_over`: a line of the control sheet, with how the step just left did."""
    calendar = _calendar(uow)
    use = next((u for u in sheet.uses if u.key == from_step), None)
    uow.record("dossier.handed_over", dossier.code, {
        "code": dossier.code, "unit": dossier.unit, "at": at.astimezone(calendar.tz).isoformat(),
        "from_step": from_step, "to_step": to_step, "from_official": from_official, "to_official": to_official,
        "to_unit": to_unit,
        "step_budget_days": None if use is None or use.budget_days is None else domain.format_days(use.budget_days),
        "step_used_days": None if use is None else str(domain.seconds_as_days(calendar, use.used_seconds)),
        "step_on_time": None if use is None else use.on_time,
    }, unit=dossier.unit)


def _second_request(uow: UnitOfWork, dossier: Dossier) -> domain.Segment | None:
    if dossier.supplements <= domain.SUPPLEMENTS_ALLOWED:
        return None
    pause = uow.session.get(Pause, (dossier.code, domain.SUPPLEMENTS_ALLOWED + 1))
    if pause is None:
        return None
    return domain.Segment(step=pause.step, official=pause.official, unit=None, start=pause.requested_at, end=None)


def _last_event_at(uow: UnitOfWork, dossier: Dossier) -> datetime:
    """The latest instant already on the dossier's record: a new event cannot come before it."""
    moments = [dossier.received_at]
    moments += [m for m in uow.session.execute(
        select(func.max(Handover.at)).where(Handover.dossier_code == dossier.code)).scalars() if m is not None]
    for requested, resumed in uow.session.execute(
            select(Pause.requested_at, Pause.resumed_at).where(Pause.dossier_code == dossier.code)):
        moments += [m for m in (requested, resumed) if m is not None]
    return max(moments)


def _override_view(override: CalendarOverride) -> dict[str, Any]:
    return {"day": override.day.isoformat(), "kind": override.kind, "label": override.label,
            "created_at": override.created_at, "created_by": override.created_by}


# -- helpers ----------------------------------------------------------------------------------------

def _load(uow: UnitOfWork, code: str, for_update: bool = False) -> Dossier:
    dossier = uow.session.get(Dossier, code, with_for_update=for_update)
    if dossier is None:
        raise NotFound(f"no dossier with code {code!r}")
    return dossier


def _load_to_change(uow: UnitOfWork, code: str, principal: Principal | None) -> Dossier:
    """The dossier locked for a change (two clerks acting on it at once must not both record the step) by
    `principal`, held to their unit; None is a trusted caller inside the platform (ingest, the demo)."""
    dossier = _load(uow, code, for_update=True)
    if principal is not None:
        principal.ensure_unit(dossier.unit)
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
    standing = domain.standing(dossier.status, dossier.due_at, dossier.timeliness, uow.now(), dossier.paused_since)

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
        "status_label": domain.STATUS_LABELS_VI.get(dossier.status, dossier.status),
        "current_step": dossier.current_step,
        "current_official": dossier.current_official,
        "current_unit": dossier.current_unit,
        "supplements": dossier.supplements,
        "paused_since": local(dossier.paused_since),
        "late_reason": dossier.late_reason,
        "sent_back": dossier.sent_back,
        "returned_for_fault": dossier.returned_for_fault,
        "apology_due_since": local(dossier.apology_due_at),
        "ended_at": local(dossier.ended_at),
        "end_reason": dossier.end_reason,
    }
    if show_applicant:
        view["applicant"] = None if applicant is None else {
            "name": applicant.name, "phone": applicant.phone, "email": applicant.email,
            "address": applicant.address,
        }
    return view


# -- external ingest ----------------------------------------------------------------------------------
# External one-stop systems report a dossier's whole life: on `kycuong.ingest` (handlers.py) or in
# batches over HTTP (POST /ingest/events). Both come through `apply_external_event`, and both keep their
# inbox rows under one consumer name, so an event sent both ways has its effect once.

INGEST_CONSUMER = "dossiers.ingest"
INGEST_BATCH_MAX = 500
INGEST_REJECTED = Counter("kycuong_ingest_rejected_total", "External events refused, by publisher and reason",
                          ["publisher", "reason"])
INGEST_WAITING = Gauge("kycuong_ingest_waiting", "External events waiting for the event they depend on")
ACCEPTED, DUPLICATE, WAITING, IGNORED, REJECTED = "accepted", "duplicate", "waiting", "ignored", "rejected"


class IngestRefused(DomainError):
    """An external event this instance will not apply; its code is the rejection reason, so the dead
    letter's x-kycuong-reason starts with it."""

    status = 403

    def __init__(self, reason: str, message: str, errors: dict | None = None):
        super().__init__(message, errors)
        self.code = reason


def apply_external_event(uow: UnitOfWork, event: Event, publisher: str | None, *, over_http: bool = False) -> str:
    """Apply one external event inside the caller's transaction (whose inbox row is the caller's):
    returns `accepted`, `waiting` (parked until the event it depends on is applied) or `ignored` (the
    unit is another instance's). Raises IngestRefused or another DomainError to refuse it.

    After an event is applied, the events of the same dossier that were waiting for it are applied too,
    in the order they happened; one of them that is refused then is recorded as a rejection and dropped,
    without undoing the event that released it."""
    with uow:
        # Who may send it is judged before what it says: an event for another instance's unit is that
        # instance's to judge, even when it is malformed.
        claimed_unit = event.data.get("unit")
        if isinstance(claimed_unit, str) and claimed_unit and not _admitted(uow, publisher, claimed_unit, over_http):
            return IGNORED
        data, occurred_at = read_ingest_data(event.type, event.data)
        if not _admitted(uow, publisher, data["unit"], over_http):
            return IGNORED
        dossier = uow.session.get(Dossier, data["code"])
        _ensure_same_unit(event.type, dossier, data)
        waiting_for = domain.ingest_prerequisite(event.type, dossier.status if dossier is not None else None)
        if waiting_for is not None:
            uow.session.add(IngestWaiting(
                event_id=event.id, dossier_code=data["code"], event_type=event.type, unit=data["unit"],
                publisher=publisher, occurred_at=occurred_at, waiting_for=waiting_for,
                event=event.to_json().decode(), parked_at=uow.now()))
            uow.session.flush()
            _count_waiting(uow)
            uow.commit()
            return WAITING
        # Several use cases in one transaction: they flush, and this use case commits once at the end.
        held, uow.hold_commits = uow.hold_commits, True
        try:
            _INGEST_APPLY[event.type](uow, data)
            _release_waiting(uow, data["code"])
        finally:
            uow.hold_commits = held
        uow.commit()
        return ACCEPTED


def _admitted(uow: UnitOfWork, publisher: str | None, unit: str, over_http: bool) -> bool:
    """True to apply the event here, False to ignore it (another instance's unit); raises to refuse it."""
    admission = domain.admit_external(uow.settings.publishers, uow.settings.units, publisher, unit)
    if admission.verdict == domain.IGNORE:
        if over_http:  # posted to the wrong instance: say so rather than drop it
            raise IngestRefused(domain.UNIT_NOT_SERVED, f"this instance does not serve unit {unit!r}; post the "
                                "event to the instance of that unit", {"unit": ["not served by this instance"]})
        return False
    if admission.verdict == domain.REJECT:
        raise IngestRefused(admission.reason, admission.message,
                            {_REJECTED_FIELD[admission.reason]: [domain.REJECTION_LABELS_VI[admission.reason]]})
    return True


def _count_waiting(uow: UnitOfWork) -> None:
    INGEST_WAITING.set(uow.session.scalar(select(func.count()).select_from(IngestWaiting)) or 0)


# Where a refusal's field error is reported.
_REJECTED_FIELD = {domain.NO_PUBLISHER: "user_id", domain.UNKNOWN_PUBLISHER: "publisher",
                   domain.UNIT_NOT_ALLOWED: "unit", domain.UNIT_NOT_SERVED: "unit"}


def _ensure_same_unit(event_type: str, dossier: Dossier | None, data: dict) -> None:
    """A publisher allowed for unit A must not touch a dossier of unit B by naming A. (A `received` of a
    known dossier changes nothing, whatever unit it names.)"""
    if dossier is not None and event_type != domain.INGEST_RECEIVED and dossier.unit != data["unit"]:
        raise IngestRefused(domain.UNIT_NOT_ALLOWED, f"dossier {dossier.code!r} belongs to unit {dossier.unit!r}, "
                            f"not {data['unit']!r}", {"unit": [f"the dossier's unit is {dossier.unit!r}"]})


def _release_waiting(uow: UnitOfWork, code: str) -> None:
    """Apply the waiting events of dossier `code` whose prerequisite is now met, earliest first; each
    one applied may release others (the result ready releases its return)."""
    session = uow.session
    while True:
        dossier = session.get(Dossier, code)
        status = dossier.status if dossier is not None else None
        waiting = session.scalars(select(IngestWaiting).where(IngestWaiting.dossier_code == code)
                                  .order_by(IngestWaiting.occurred_at, IngestWaiting.parked_at)).all()
        ready = next((w for w in waiting if domain.ingest_prerequisite(w.event_type, status) is None), None)
        if ready is None:
            return
        event = Event.from_json(ready.event)
        recorded = len(uow.events)
        token = causing_event.set(event)
        try:
            data, _ = read_ingest_data(event.type, event.data)
            with session.begin_nested():
                _ensure_same_unit(event.type, dossier, data)
                _INGEST_APPLY[event.type](uow, data)
        except DomainError as exc:
            del uow.events[recorded:]  # the savepoint is undone; so are the events it recorded
            _insert_rejection(uow, event_id=event.id, publisher=ready.publisher,
                              reason=domain.rejection_reason(exc.code), channel="waiting", event_type=event.type,
                              unit=ready.unit, dossier_code=code, detail=f"{exc.message} {exc.errors or ''}".strip())
        finally:
            causing_event.reset(token)
        session.delete(ready)
        session.flush()
        _count_waiting(uow)


def _apply_received(uow: UnitOfWork, data: dict) -> None:
    receive_external_dossier(uow, {key: data[key] for key in ("code", "procedure_code", "unit", "received_at",
                                                                "handler")})


def _apply_handover(uow: UnitOfWork, data: dict) -> None:
    record_handover(uow, data["code"], {key: data[key] for key in (
        "at", "from_step", "to_step", "from_official", "to_official", "to_unit")})


def _apply_supplement_request(uow: UnitOfWork, data: dict) -> None:
    request_supplement(uow, data["code"], {"at": data["at"], "reasons": data["reasons"], "official": data["official"]})


def _apply_supplement(uow: UnitOfWork, data: dict) -> None:
    receive_supplement(uow, data["code"], {"at": data["at"], "official": data["official"]})


def _apply_completion(uow: UnitOfWork, data: dict) -> None:
    complete_dossier(uow, data["code"], completed_at=data["completed_at"])


def _apply_end(end: str) -> Callable[[UnitOfWork, dict], None]:
    def apply(uow: UnitOfWork, data: dict) -> None:
        end_dossier(uow, data["code"], end, {"at": data["at"], "reason": data["reason"], "official": data["official"]})
    return apply


_INGEST_APPLY: dict[str, Callable[[UnitOfWork, dict], None]] = {
    domain.INGEST_RECEIVED: _apply_received,
    domain.INGEST_HANDED_OVER: _apply_handover,
    domain.INGEST_SUPPLEMENT_REQUESTED: _apply_supplement_request,
    domain.INGEST_SUPPLEMENT_RECEIVED: _apply_supplement,
    domain.INGEST_COMPLETED: _apply_completion,
    **{event_type: _apply_end(end) for event_type, end in domain.INGEST_ENDS.items()},
}


def submit_external_events(uow: UnitOfWork, items: list[dict], publisher: str) -> dict:
    """POST /ingest/events: each event in its own transaction, through the same code as the ingest queue;
    one result per event (accepted, duplicate, waiting or rejected with the reason and field errors)."""
    if len(items) > INGEST_BATCH_MAX:
        raise InvalidInput(f"a batch holds at most {INGEST_BATCH_MAX} events; split it",
                           {"events": [f"{len(items)} given"]})
    results = [_submit_one(uow, item, publisher) for item in items]
    summary = {outcome: sum(1 for r in results if r["outcome"] == outcome)
               for outcome in (ACCEPTED, DUPLICATE, WAITING, REJECTED)}
    return {**summary, "results": results}


def _submit_one(uow: UnitOfWork, item: dict, publisher: str) -> dict:
    event = None
    try:
        try:
            event = Event.from_json(json.dumps(item, default=str))
        except InvalidEvent as exc:
            raise IngestRefused(domain.INVALID_EVENT, str(exc), {"event": [str(exc)]}) from exc
        if len(event.id) > EVENT_ID_MAX:
            raise IngestRefused(domain.INVALID_EVENT, f"the event id is longer than {EVENT_ID_MAX} characters",
                                {"id": [f"at most {EVENT_ID_MAX} characters"]})
        with uow:
            try:
                with uow.session.begin_nested():
                    uow.session.execute(insert(uow.runtime.inbox).values(
                        consumer=INGEST_CONSUMER, event_id=event.id, event_type=event.type, processed_at=uow.now()))
            except IntegrityError:
                return {"id": event.id, "type": event.type, "outcome": DUPLICATE, "errors": {}}
            token = causing_event.set(event)
            try:
                outcome = apply_external_event(uow, event, publisher, over_http=True)
            finally:
                causing_event.reset(token)
            if not uow.committed:
                uow.commit()
            return {"id": event.id, "type": event.type, "outcome": outcome, "errors": {}}
    except DomainError as exc:
        reason = domain.rejection_reason(exc.code)
        record_external_rejection(uow, event, publisher=publisher, reason=reason, channel="http",
                                  detail=f"{exc.message} {exc.errors or ''}".strip(),
                                  event_id=event.id if event else _item_id(item))
        return {"id": event.id if event else _item_id(item), "type": event.type if event else None,
                "outcome": REJECTED, "reason": reason, "message": exc.message, "errors": exc.errors}


# Inbox rows key events by id in 64 characters.
EVENT_ID_MAX = 64


def _item_id(item) -> str | None:
    value = item.get("id") if isinstance(item, dict) else None
    return str(value)[:255] if value is not None else None


def record_external_rejection(uow: UnitOfWork, event: Event | None, *, publisher: str | None, reason: str,
                              channel: str, detail: str, event_id: str | None = None) -> bool:
    """Count an external event refused (once per event id); False if it had been counted already."""
    data = event.data if event is not None else {}
    with uow:
        inserted = _insert_rejection(
            uow, event_id=event_id if event_id is not None else (event.id if event else None), publisher=publisher,
            reason=reason, channel=channel, event_type=event.type if event else None,
            unit=_text(data.get("unit")) or (event.unit if event else None),
            dossier_code=_text(data.get("code")) or (event.subject if event else None), detail=detail)
        uow.commit()
        return inserted


def _text(value) -> str | None:
    return value[:64] if isinstance(value, str) else None


def _insert_rejection(uow: UnitOfWork, *, event_id: str | None, publisher: str | None, reason: str, channel: str,
                      event_type: str | None, unit: str | None, dossier_code: str | None, detail: str) -> bool:
    try:
        with uow.session.begin_nested():
            uow.session.add(IngestRejection(
                event_id=event_id, publisher=publisher, reason=reason, channel=channel,
                event_type=(event_type or "")[:128] or None, unit=unit, dossier_code=(dossier_code or "")[:64] or None,
                detail=detail[:4000], rejected_at=uow.now()))
    except IntegrityError:
        return False  # this event was refused before: counted once
    INGEST_REJECTED.labels(publisher or "-", reason).inc()
    return True


def external_rejections(uow: UnitOfWork, since: datetime | None = None) -> dict:
    """Rejected external events: counts by publisher and reason, and the latest ones."""
    with uow:
        where = [IngestRejection.rejected_at >= since] if since is not None else []
        counts = uow.session.execute(
            select(IngestRejection.publisher, IngestRejection.reason, func.count(),
                   func.max(IngestRejection.rejected_at))
            .where(*where).group_by(IngestRejection.publisher, IngestRejection.reason)
            .order_by(func.count().desc(), IngestRejection.publisher, IngestRejection.reason)).all()
        recent = uow.session.scalars(select(IngestRejection).where(*where)
                                     .order_by(IngestRejection.rejected_at.desc(), IngestRejection.id.desc())
                                     .limit(50)).all()
        return {
            "total": sum(row[2] for row in counts),
            "counts": [{"publisher": publisher, "reason": reason, "count": count, "last_at": last_at,
                        "label": domain.REJECTION_LABELS_VI.get(reason, reason)}
                       for publisher, reason, count, last_at in counts],
            "recent": recent,
        }


def waiting_external_events(uow: UnitOfWork, page: int, page_size: int) -> dict:
    """External events waiting for the one they depend on, the longest waiting first."""
    with uow:
        return paginate(select(IngestWaiting).order_by(IngestWaiting.parked_at, IngestWaiting.event_id),
                        uow.session, page, page_size)
