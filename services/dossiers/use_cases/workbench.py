"""What the officers' and heads' pages read: an official's open dossiers with what they can be filtered by, one
dossier with its control sheet and deadline explanation, and a unit's open dossiers counted by step and by
official. Every list is read one page at a time through an index (the current official; the unit and due
date); counts are one GROUP BY over the unit's open dossiers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.dossiers import store
from services.dossiers.domain import dossier as rules
from services.dossiers.domain.working_time import seconds_as_days
from services.dossiers.models import Apology, ApologyDraft, Dossier, Procedure
from services.dossiers.use_cases import calendar_of, ensure_within, load, queries, viewed, viewed_for
from services.dossiers.use_cases import control_sheet as sheets
from services.dossiers.use_cases.deadlines import explain_deadline, hours_text
from shared.auth import Principal
from shared.db import Page, paginate
from shared.uow import UnitOfWork

# The standings a unit's list can be narrowed to.
STANDINGS = ("overdue", "due_soon", rules.AWAITING_SUPPLEMENT)


@dataclass(frozen=True)
class WorkbenchFilter:
    step: str | None = None
    status: str | None = None
    procedure: str | None = None
    # (field, descending): "remaining" (least working time left first) or "code".
    order: tuple[str, bool] = ("remaining", False)


def workbench(uow: UnitOfWork, principal: Principal, page: int, page_size: int,
              wanted: WorkbenchFilter = WorkbenchFilter()) -> dict[str, Any]:
    """The official's open dossiers, least remaining working time first (filtered as asked), and the steps
    and procedures among them to filter by."""
    with uow:
        found = queries.my_dossiers(uow, principal, page, page_size, step=wanted.step, status=wanted.status,
                                    procedure=wanted.procedure, order=wanted.order)
        choices = queries.my_filter_choices(uow, principal)
        return {"page": found, **choices}


def soon_limit(uow: UnitOfWork, now: datetime) -> datetime:
    """Due before this instant (one working day from now) is due soon: the amber badge."""
    return calendar_of(uow).add_working_days(now, 1)


def remaining_days(uow: UnitOfWork, dossier: Dossier, now: datetime) -> str:
    calendar = calendar_of(uow)
    return str(seconds_as_days(calendar, queries.remaining(calendar, dossier, now)))


def dossier_file(uow: UnitOfWork, code: str, principal: Principal) -> dict[str, Any]:
    """Everything the dossier's page shows: the dossier (the applicant as the law allows the caller), its
    procedure's name, the remaining working time, the control sheet with step names, the deadline
    explanation, the steps and the unit's officials to hand over to, the apology (issued or drafted) and
    whether one may be drafted now. Held to the caller's unit."""
    with uow:
        dossier = load(uow, code)
        ensure_within(uow, principal, dossier.unit)
        calendar = calendar_of(uow)
        now = uow.now()
        dossier = viewed_for(uow, dossier, principal)
        procedure = uow.session.get(Procedure, dossier.procedure_code)
        sheet = sheets.control_sheet(uow, code, principal)
        names = {step["key"]: step["name"] for step in sheet["steps"]}
        for handover in sheet["handovers"]:
            handover.from_step_name = names.get(handover.from_step, handover.from_step)
            handover.to_step_name = names.get(handover.to_step, handover.to_step)
        for pause in sheet["pauses"]:
            pause["step_name"] = names.get(pause["step"], pause["step"])
        is_open = dossier.status in rules.OPEN_STATUSES
        apology = uow.session.get(Apology, code)
        draft = uow.session.get(ApologyDraft, code)
        remaining = queries.remaining(calendar, dossier, now)
        late_enough = dossier.status == rules.RECEIVED and dossier.due_at <= soon_limit(uow, now)
        return {
            "dossier": dossier,
            "procedure_name": procedure.name if procedure is not None else dossier.procedure_code,
            "step_name": names.get(dossier.current_step),
            "is_open": is_open,
            "remaining_days": str(seconds_as_days(calendar, remaining)) if is_open else None,
            "remaining_hours": hours_text(remaining) if is_open else None,
            "sheet": sheet,
            "deadline": explain_deadline(uow, code),
            "steps": [(step["key"], step["name"]) for step in sheet["steps"]],
            "next_step": _next_step(sheet["steps"], dossier.current_step),
            "officials": store.officials_of_unit(uow.session, dossier.unit),
            "apology": apology,
            "draft": draft,
            "may_draft_apology": is_open and apology is None and late_enough,
        }


def _next_step(steps: list[dict], current: str | None) -> str | None:
    keys = [step["key"] for step in steps]
    if current in keys and keys.index(current) + 1 < len(keys):
        return keys[keys.index(current) + 1]
    return current


@dataclass(frozen=True)
class UnitFilter:
    step: str | None = None
    official: str | None = None
    standing: str | None = None
    # (field, descending): "due" (the due date) or "code".
    order: tuple[str, bool] = ("due", False)


def unit_dossiers(uow: UnitOfWork, principal: Principal, page: int, page_size: int,
                  wanted: UnitFilter = UnitFilter(), unit: str | None = None) -> dict[str, Any]:
    """A unit's open dossiers (the caller's unit unless one below it is asked): counts of open, due soon
    (within one working day), overdue and waiting for the citizen, in all, by step and by official; and one
    page of the list by due date, filtered as asked, each with its remaining working time."""
    unit = unit or principal.unit
    with uow:
        ensure_within(uow, principal, unit)
        calendar_of(uow)
        now = uow.now()
        soon = soon_limit(uow, now)
        counted = store.unit_counts(uow.session, unit, now, soon)
        # Each step's name from one dossier at that step: a few lookups, not one per open dossier.
        sampled = store.step_names_of(uow.session, sorted({row[6] for row in counted if row[0] is not None}))
        step_names = {key: name for (_, key), name in sampled.items()}
        totals = _counts()
        by_step: dict[str | None, dict] = {}
        by_official: dict[str | None, dict] = {}
        for step, official, status, count, overdue, due_soon, _ in counted:
            for group in (totals, by_step.setdefault(step, _counts(step=step, name=step_names.get(step))),
                          by_official.setdefault(official, _counts(official=official))):
                group["open"] += count
                if status == rules.AWAITING_SUPPLEMENT:
                    group["awaiting_supplement"] += count
                else:
                    group["overdue"] += overdue
                    group["due_soon"] += due_soon
        query = store.unit_open_query(unit, wanted.step, wanted.official, wanted.standing, now, soon, wanted.order)
        found: Page = paginate(uow.session, query, page, page_size)
        procedures = store.procedure_names(uow.session, sorted({d.procedure_code for d in found.items}))
        for dossier in found.items:
            viewed(uow, dossier)
            dossier.remaining_days = remaining_days(uow, dossier, now)
            dossier.step_name = step_names.get(dossier.current_step)
            dossier.procedure_name = procedures.get(dossier.procedure_code)
        return {
            "unit": unit, "at": now, "totals": totals, "page": found,
            "by_step": sorted(by_step.values(), key=lambda g: (g["step"] is None, g["name"] or g["step"] or "")),
            "by_official": sorted(by_official.values(), key=lambda g: (g["official"] is None, g["official"] or "")),
        }


def _counts(**keys) -> dict[str, Any]:
    return {**keys, "open": 0, "due_soon": 0, "overdue": 0, "awaiting_supplement": 0}
