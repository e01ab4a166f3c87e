"""The process control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ): the dossier's steps against
their budgets, every hand-over, pause and send-back; and the line each hand-over writes on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.dossiers import store
from services.dossiers.domain import control_sheet as rules
from services.dossiers.domain.dossier import SUPPLEMENTS_ALLOWED, format_days
from services.dossiers.domain.working_time import seconds_as_days
from services.dossiers.models import Dossier, Handover, Pause
from services.dossiers.use_cases import calendar_of, ensure_within, iso, load
from services.dossiers.use_cases.deadlines import hours_text, pause_seconds, span
from shared.auth import Principal
from shared.calendar import WorkingCalendar
from shared.uow import UnitOfWork


def control_sheet(uow: UnitOfWork, code: str, principal: Principal | None = None) -> dict[str, Any]:
    """Each step's budget, working time used and timeliness, every hand-over, every pause and send-back."""
    with uow:
        dossier = load(uow, code)
        if principal is not None:
            ensure_within(uow, principal, dossier.unit)
        calendar = calendar_of(uow)
        now = uow.now()
        end = dossier.completed_at or dossier.ended_at
        sheet = read(uow, dossier, calendar, end=end, now=end or now)
        day = calendar.hours_per_day() * 3600
        return {
            "code": dossier.code, "procedure_code": dossier.procedure_code, "unit": dossier.unit,
            "status": dossier.status, "received_at": dossier.received_at,
            "counting_starts_at": dossier.counting_starts_at, "due_at": dossier.due_at,
            "completed_at": dossier.completed_at,
            "steps": [{
                "key": use.key, "name": use.name, "budget_days": use.budget_days,
                "used_days": str((Decimal(use.used_seconds) / day).quantize(Decimal("0.0001"))),
                "used_hours": hours_text(use.used_seconds),
                "on_time": use.on_time, "started_at": use.started_at,
                "finished_at": None if use.in_progress else use.finished_at,
                "officials": list(use.officials), "in_progress": use.in_progress,
            } for use in sheet.uses],
            "handovers": sheet.handovers,
            "pauses": [{
                "number": p.number, "requested_at": p.requested_at, "resumed_at": p.resumed_at,
                "reasons": p.reasons, "official": p.official, "step": p.step,
                "paused_hours": hours_text(pause_seconds(calendar, p, now)),
            } for p in sheet.pauses],
            "send_backs": store.send_backs(uow.session, code),
            "supplements": dossier.supplements,
            "returned_for_fault": dossier.returned_for_fault,
        }


def plan(uow: UnitOfWork, code: str) -> tuple[rules.PlannedStep, ...]:
    return tuple(rules.PlannedStep(key=s.key, name=s.name, days=s.days, performer=s.performer)
                 for s in store.dossier_steps(uow.session, code))


@dataclass(frozen=True)
class Sheet:
    handovers: list[Handover]
    pauses: list[Pause]
    segments: tuple[rules.Segment, ...]
    uses: tuple[rules.StepUse, ...]


def read(uow: UnitOfWork, dossier: Dossier, calendar: WorkingCalendar, *, end: datetime | None,
         now: datetime | None = None) -> Sheet:
    """The control sheet as recorded: segments between hand-overs and each step's use of its budget."""
    code = dossier.code
    handovers = store.handovers(uow.session, code)
    pauses = store.pauses(uow.session, code)
    steps = plan(uow, code)
    segments = rules.segments_from(steps[0].key if steps else None, dossier.assignee, dossier.counting_starts_at,
                                   [(h.at, h.to_step, h.to_official, h.to_unit) for h in handovers], end)
    uses = rules.step_uses(calendar, steps, segments, tuple(span(p) for p in pauses), now or end or uow.now())
    return Sheet(handovers=handovers, pauses=pauses, segments=segments, uses=uses)


def record_step_closed(uow: UnitOfWork, dossier: Dossier, sheet: Sheet, *, at: datetime, from_step: str | None,
                       from_official: str | None, to_step: str | None, to_official: str | None,
                       to_unit: str | None) -> None:
    """`dossier.handed_over`: a line of the control sheet, with how the step just left did."""
    calendar = calendar_of(uow)
    use = next((u for u in sheet.uses if u.key == from_step), None)
    uow.record("dossier.handed_over", dossier.code, {
        "code": dossier.code, "unit": dossier.unit, "at": iso(uow, at),
        "from_step": from_step, "to_step": to_step, "from_official": from_official, "to_official": to_official,
        "to_unit": to_unit,
        "step_budget_days": None if use is None or use.budget_days is None else format_days(use.budget_days),
        "step_used_days": None if use is None else str(seconds_as_days(calendar, use.used_seconds)),
        "step_on_time": None if use is None else use.on_time,
    }, unit=dossier.unit)


def second_request(uow: UnitOfWork, dossier: Dossier) -> rules.Segment | None:
    """Who made the supplement request the law does not allow (the second one), if any."""
    if dossier.supplements <= SUPPLEMENTS_ALLOWED:
        return None
    pause = uow.session.get(Pause, (dossier.code, SUPPLEMENTS_ALLOWED + 1))
    if pause is None:
        return None
    return rules.Segment(step=pause.step, official=pause.official, unit=None, start=pause.requested_at, end=None)


def last_event_at(uow: UnitOfWork, dossier: Dossier) -> datetime:
    """The latest instant already on the dossier's record: a new event cannot come before it."""
    return max([dossier.received_at, *store.recorded_instants(uow.session, dossier.code)])
