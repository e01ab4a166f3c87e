"""The life of a dossier after receipt: hand-overs between steps and officials, the citizen's supplement
(the clock stops and resumes), the result ready (judged early, on time or late), the ends, send-backs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.dossiers import store
from services.dossiers.domain import dossier as rules
from services.dossiers.domain.control_sheet import responsibility
from services.dossiers.domain.working_time import seconds_as_days, working_seconds
from services.dossiers.models import Dossier, Handover, Pause, SendBack
from services.dossiers.use_cases import calendar_of, deadlines, iso, load_to_change, viewed, viewed_for
from services.dossiers.use_cases import control_sheet as sheets
from shared.auth import Principal
from shared.errors import Conflict, InvalidInput
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class HandOver:
    """To `to_step` (None: the same step, another official) and `to_official` (in `to_unit` when another
    unit does the step), at `at` (now when None)."""

    to_step: str | None = None
    to_official: str | None = None
    to_unit: str | None = None
    from_official: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class RequestSupplement:
    reasons: tuple[str, ...]
    official: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class ReceiveSupplement:
    at: datetime | None = None


@dataclass(frozen=True)
class EndDossier:
    end: str
    reason: str | None = None
    official: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class SendBackDossier:
    reason: str
    officials_fault: bool
    official: str | None = None
    at: datetime | None = None


def record_handover(uow: UnitOfWork, code: str, command: HandOver, *, principal: Principal | None = None) -> Dossier:
    """A line of the control sheet. Emits `dossier.handed_over` with the budget, time used and timeliness of
    the step it leaves. The result being ready is not a hand-over: use complete_dossier."""
    with uow:
        dossier = load_to_change(uow, code, principal)
        rules.ensure_open(code, dossier.status, "a hand-over")
        calendar = calendar_of(uow)
        now = uow.now()
        at = command.at or now
        rules.check_at(at, sheets.last_event_at(uow, dossier), now)
        plan = sheets.plan(uow, code)
        to_step = command.to_step or dossier.current_step
        keys = [step.key for step in plan]
        if plan and to_step not in keys:
            raise InvalidInput(f"dossier {code!r} has no step {to_step!r}",
                               {"to_step": [f"one of {', '.join(keys)}"]})
        to_official = command.to_official
        if to_step == dossier.current_step and to_official in (None, dossier.current_official) \
                and not command.to_unit:
            raise InvalidInput("a hand-over must change the step, the official or the unit",
                               {"to_step": ["give the next step"], "to_official": ["or the next official"]})
        from_step = dossier.current_step
        from_official = command.from_official or dossier.current_official
        uow.session.add(Handover(dossier_code=code, at=at, from_step=from_step, to_step=to_step,
                                 from_official=from_official, to_official=to_official, to_unit=command.to_unit,
                                 recorded_at=now))
        uow.session.flush()
        sheet = sheets.read(uow, dossier, calendar, end=None, now=at)
        sheets.record_step_closed(uow, dossier, sheet, at=at, from_step=from_step, from_official=from_official,
                                  to_step=to_step, to_official=to_official, to_unit=command.to_unit)
        dossier.current_step = to_step
        dossier.current_official = to_official
        dossier.current_unit = command.to_unit
        dossier.step_started_at = at
        uow.commit()
        return viewed(uow, dossier)


def request_supplement(uow: UnitOfWork, code: str, command: RequestSupplement, *,
                       principal: Principal | None = None) -> Dossier:
    """Ask the citizen to supplement the dossier, with reasons: the clock stops until they do. Only where
    the procedure allows supplements; the law allows one request, and a second one is recorded but makes
    the dossier late whatever its dates (`dossier.marked_late`, reason second_supplement)."""
    with uow:
        dossier = load_to_change(uow, code, principal)
        calendar_of(uow)
        if dossier.status == rules.AWAITING_SUPPLEMENT:
            raise rules.conflict_state(code, dossier.status, f"a supplement was already requested at "
                                       f"{iso(uow, dossier.paused_since)} and not yet received")
        rules.ensure_open(code, dossier.status, "a supplement request")
        if not dossier.supplements_allowed:
            raise Conflict(f"the procedure of dossier {code!r} ({dossier.procedure_code}) does not allow supplement "
                           "requests", {"code": ["supplements not allowed by the procedure"]})
        reasons = rules.check_reasons(list(command.reasons))
        now = uow.now()
        at = command.at or now
        rules.check_at(at, sheets.last_event_at(uow, dossier), now)
        number = dossier.supplements + 1
        counts_as_late = number > rules.SUPPLEMENTS_ALLOWED
        official = command.official or dossier.current_official
        uow.session.add(Pause(dossier_code=code, number=number, requested_at=at, reasons=reasons, official=official,
                              step=dossier.current_step))
        dossier.supplements = number
        dossier.status = rules.AWAITING_SUPPLEMENT
        dossier.paused_since = at
        uow.record("dossier.supplement_requested", code, {
            "code": code, "unit": dossier.unit, "at": iso(uow, at), "reasons": reasons,
            "official": official, "request_number": number, "counts_as_late": counts_as_late,
        }, unit=dossier.unit)
        if counts_as_late and dossier.late_reason is None:
            dossier.late_reason = rules.LATE_SECOND_SUPPLEMENT
            uow.record("dossier.marked_late", code, {
                "code": code, "unit": dossier.unit, "at": iso(uow, at),
                "reason": rules.LATE_SECOND_SUPPLEMENT, "official": official,
            }, unit=dossier.unit)
        uow.commit()
        return viewed(uow, dossier)


def receive_supplement(uow: UnitOfWork, code: str, command: ReceiveSupplement, *,
                       principal: Principal | None = None) -> Dossier:
    """The citizen supplemented the dossier at `at`: the clock resumes and the due instant moves on by the
    working time it stood still (`dossier.supplement_received`, and `dossier.deadline_changed` when the
    due instant moved)."""
    with uow:
        dossier = load_to_change(uow, code, principal)
        if dossier.status != rules.AWAITING_SUPPLEMENT:
            raise rules.conflict_state(code, dossier.status, "no supplement request is waiting for the citizen")
        calendar = calendar_of(uow)
        now = uow.now()
        at = command.at or now
        rules.check_at(at, dossier.paused_since, now, not_before_what="the supplement request")
        pauses = store.pauses(uow.session, code)
        pause = pauses[-1]
        pause.resumed_at = at
        pause.paused_seconds = working_seconds(calendar, pause.requested_at, at)
        dossier.status = rules.RECEIVED
        dossier.paused_since = None
        dossier.paused_seconds = sum(p.paused_seconds or 0 for p in pauses)
        previous = dossier.due_at
        deadlines.move(uow, dossier, calendar, now, pauses=pauses)
        uow.record("dossier.supplement_received", code, {
            "code": code, "unit": dossier.unit, "at": iso(uow, at),
            "paused_days": str(seconds_as_days(calendar, pause.paused_seconds)),
            "due_at": iso(uow, dossier.due_at),
        }, unit=dossier.unit)
        if dossier.due_at != previous:
            deadlines.record_changed(uow, dossier, previous, "supplement_received", calendar)
        uow.commit()
        return viewed(uow, dossier)


def complete_dossier(uow: UnitOfWork, code: str, *, completed_at: datetime | None = None,
                     principal: Principal | None = None) -> Dossier:
    """The result is ready: closes the step in progress on the control sheet (its last line: a
    `dossier.handed_over` with no next step, when a step was in progress), judges the dossier early, on
    time or late and emits `dossier.completed`; a late one names the step that overran, its official and
    unit. `principal` None: a trusted caller."""
    with uow:
        # Locked: two clerks finishing the same dossier at once must not both emit `dossier.completed`.
        dossier = load_to_change(uow, code, principal)
        calendar = calendar_of(uow)
        tz = calendar.tz
        if dossier.status == rules.COMPLETED:
            raise Conflict(f"dossier {code!r} was already finished at {iso(uow, dossier.completed_at)}",
                           {"code": ["already completed"]})
        if dossier.status == rules.AWAITING_SUPPLEMENT:
            raise rules.conflict_state(code, dossier.status, "record the citizen's supplement before the result")
        rules.ensure_open(code, dossier.status, "a result")
        now = uow.now()
        completed_at = completed_at or now
        rules.check_completed_at(completed_at, dossier.received_at, now)
        rules.check_at(completed_at, sheets.last_event_at(uow, dossier), now, field="completed_at")
        timeliness = rules.completion_timeliness(completed_at, dossier.due_at, tz)
        if dossier.late_reason == rules.LATE_SECOND_SUPPLEMENT:
            timeliness = rules.LATE  # Decision 766/QĐ-TTg: a second supplement request is late whatever the dates
        from_step, from_official = dossier.current_step, dossier.current_official
        uow.session.add(Handover(dossier_code=code, at=completed_at, from_step=from_step, to_step=None,
                                 from_official=from_official, to_official=from_official, to_unit=None, recorded_at=now))
        uow.session.flush()
        sheet = sheets.read(uow, dossier, calendar, end=completed_at)
        late_reason = (dossier.late_reason or rules.LATE_OVERRAN) if timeliness == rules.LATE else None
        responsible = responsibility(timeliness, dossier.assignee, dossier.unit, uses=sheet.uses,
                                     segments=sheet.segments, due_at=dossier.due_at, late_reason=late_reason,
                                     second_request=sheets.second_request(uow, dossier))
        if from_step is not None:
            sheets.record_step_closed(uow, dossier, sheet, at=completed_at, from_step=from_step,
                                      from_official=from_official, to_step=None, to_official=None, to_unit=None)
        dossier.status = rules.COMPLETED
        dossier.completed_at = completed_at
        dossier.timeliness = timeliness
        dossier.current_step = None
        dossier.step_started_at = completed_at
        dossier.warn_at = None
        uow.record("dossier.completed", code, {
            "code": code,
            "procedure_code": dossier.procedure_code,
            "unit": dossier.unit,
            "received_at": iso(uow, dossier.received_at),
            "due_at": iso(uow, dossier.due_at),
            "completed_at": iso(uow, completed_at),
            "timeliness": timeliness,
            "promised_at": iso(uow, dossier.promised_at),
            "promise_kept": rules.promise_kept(completed_at, dossier.promised_at, tz),
            "handler": dossier.assignee,
            "responsible_step": responsible.step,
            "responsible_official": responsible.official,
            "responsible_unit": responsible.unit,
            "late_reason": late_reason,
            "supplements": dossier.supplements,
            "paused_days": str(seconds_as_days(calendar, dossier.paused_seconds)),
            "returned_for_fault": dossier.returned_for_fault,
        }, unit=dossier.unit)
        view = viewed_for(uow, dossier, principal)
        uow.commit()
        return view


def end_dossier(uow: UnitOfWork, code: str, command: EndDossier, *, principal: Principal | None = None) -> Dossier:
    """End a dossier: `returned` (the ready result handed to the citizen), or `refused`, `withdrawn`,
    `stopped` (an open dossier closes without a result; refused and stopped need a reason).
    Emits `dossier.<end>`."""
    end = command.end
    if end not in rules.ENDS:
        raise InvalidInput(f"{end!r} is not a way a dossier ends", {"end": [f"one of {', '.join(rules.ENDS)}"]})
    with uow:
        dossier = load_to_change(uow, code, principal)
        if end == rules.RETURNED:
            if dossier.status != rules.COMPLETED:
                raise rules.conflict_state(code, dossier.status,
                                           "the result can be handed to the citizen only once it is ready")
        else:
            rules.ensure_open(code, dossier.status, f"{end} is possible only for a dossier still being handled")
        reason = rules.check_reason(command.reason, end in rules.ENDS_NEEDING_REASON,
                                    f"a dossier {end} must tell the citizen why")
        calendar_of(uow)
        now = uow.now()
        at = command.at or now
        rules.check_at(at, sheets.last_event_at(uow, dossier), now)
        official = command.official or dossier.current_official
        dossier.status = end
        dossier.ended_at = at
        dossier.end_reason = reason
        dossier.warn_at = None
        uow.record(f"dossier.{end}", code, {
            "code": code, "unit": dossier.unit, "procedure_code": dossier.procedure_code,
            "at": iso(uow, at), "reason": reason, "official": official,
        }, unit=dossier.unit)
        uow.commit()
        return viewed(uow, dossier)


def send_back(uow: UnitOfWork, code: str, command: SendBackDossier, *, principal: Principal | None = None) -> Dossier:
    """The dossier was sent back to the citizen (trả lại hồ sơ), with a reason; when it was the officials'
    own fault it is counted on the dossier (reported monthly). Emits `dossier.sent_back`."""
    with uow:
        dossier = load_to_change(uow, code, principal)
        rules.ensure_open(code, dossier.status, "sending back")
        reason = rules.check_reason(command.reason, True, "the citizen must be told why the dossier came back")
        calendar_of(uow)
        now = uow.now()
        at = command.at or now
        rules.check_at(at, sheets.last_event_at(uow, dossier), now)
        official = command.official or dossier.current_official
        uow.session.add(SendBack(dossier_code=code, at=at, reason=reason, officials_fault=command.officials_fault,
                                 official=official))
        dossier.sent_back += 1
        if command.officials_fault:
            dossier.returned_for_fault += 1
        uow.record("dossier.sent_back", code, {
            "code": code, "unit": dossier.unit, "at": iso(uow, at), "reason": reason,
            "officials_fault": command.officials_fault, "official": official,
            "times_for_fault": dossier.returned_for_fault,
        }, unit=dossier.unit)
        uow.commit()
        return viewed(uow, dossier)
