"""Reading dossiers: one by code, lists by due date, an official's own, a unit's at a glance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.dossiers import store
from services.dossiers.domain import dossier as rules
from services.dossiers.domain.warning_points import due_points
from services.dossiers.domain.working_time import remaining_seconds, seconds_as_days
from services.dossiers.models import Dossier
from services.dossiers.use_cases import calendar_of, ensure_within, load, viewed, viewed_for
from services.dossiers.use_cases.deadlines import configured_points, hours_text
from shared.auth import Principal
from shared.db import Page, paginate
from shared.uow import UnitOfWork


def get_dossier(uow: UnitOfWork, code: str, principal: Principal | None) -> Dossier:
    """One dossier with where it stands; the applicant only for tokens allowed to see personal data."""
    with uow:
        calendar_of(uow)
        dossier = load(uow, code)
        if principal is None:
            return viewed(uow, dossier)
        return viewed_for(uow, dossier, principal)


def list_dossiers(uow: UnitOfWork, principal: Principal, unit: str | None, status: str | None,
                  overdue: bool | None, page: int, page_size: int) -> Page:
    """Dossiers by due date: of the unit asked for (the caller's or one below it), else the caller's own
    unless they see every unit."""
    with uow:
        if unit is not None:
            ensure_within(uow, principal, unit)
        query = store.dossiers_query(principal.scope_unit(unit) if unit is None else unit, status, overdue, uow.now())
        result = paginate(uow.session, query, page, page_size)
        calendar_of(uow)
        return result.map(lambda dossier: viewed(uow, dossier))


def my_dossiers(uow: UnitOfWork, principal: Principal, page: int, page_size: int, *, step: str | None = None,
                status: str | None = None, procedure: str | None = None,
                order: tuple[str, bool] = ("remaining", False)) -> Page:
    """The caller's open dossiers (the step in progress is theirs), least remaining working time first,
    each with `remaining_hours`, `remaining_days`, `step_name` and `procedure_name`; of one step, status
    (received, awaiting_supplement) or procedure when asked; `order` (field, descending) may put the most time
    left first, or sort by code."""
    with uow:
        calendar = calendar_of(uow)
        now = uow.now()
        dossiers = uow.session.scalars(store.held_by_query(principal.sub, step, status, procedure)).all()
        by_code = order[0] == "code"
        ranked = sorted(((remaining(calendar, d, now), d) for d in dossiers), reverse=order[1],
                        key=lambda pair: pair[1].code if by_code else (pair[0], pair[1].code))
        start = (page - 1) * page_size
        shown = ranked[start:start + page_size]
        codes = [dossier.code for _, dossier in shown]
        step_names = store.step_names_of(uow.session, codes)
        procedures = store.procedure_names(uow.session, sorted({d.procedure_code for _, d in shown}))
        items = []
        for left, dossier in shown:
            dossier = viewed(uow, dossier)
            dossier.remaining_hours = hours_text(left)
            dossier.remaining_days = str(seconds_as_days(calendar, left))
            dossier.step_name = step_names.get((dossier.code, dossier.current_step))
            dossier.procedure_name = procedures.get(dossier.procedure_code)
            items.append(dossier)
        return Page(items, page, page_size, len(ranked))


def my_filter_choices(uow: UnitOfWork, principal: Principal) -> dict[str, list]:
    """What the caller's open dossiers can be filtered by: their steps (key, name) and procedures (code,
    name)."""
    with uow:
        steps, procedures = store.held_by_choices(uow.session, principal.sub)
        return {"steps": steps, "procedures": procedures}


def unit_summary(uow: UnitOfWork, unit: str, principal: Principal) -> dict[str, Any]:
    """A unit's open dossiers by step: how many, how many due soon (a warning point reached), overdue,
    and waiting for the citizen; the codes of the due soon and overdue ones, most urgent first."""
    with uow:
        ensure_within(uow, principal, unit)
        calendar = calendar_of(uow)
        now = uow.now()
        points = configured_points(uow, apology=False)
        rows = store.open_dossiers_of_unit(uow.session, unit)
        names = store.step_names_of_unit(uow.session, unit)
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
        return {"unit": unit, "at": now, **totals, "steps": ordered}


def _urgency(calendar, dossier: Dossier, points, now: datetime) -> str | None:
    if dossier.status == rules.AWAITING_SUPPLEMENT:
        return "awaiting_supplement"
    if rules.is_overdue(dossier.due_at, now):
        return "overdue"
    instants = due_points(calendar, dossier.due_at, dossier.processing_days, dossier.counting_starts_at, points)
    if instants and instants[0][0] <= now:
        return "due_soon"
    return None


def remaining(calendar, dossier: Dossier, now: datetime) -> int:
    """Working seconds left (negative: overdue)."""
    # While the clock stands still, what is left is what was left when it stopped.
    reference = dossier.paused_since if dossier.status == rules.AWAITING_SUPPLEMENT else now
    return remaining_seconds(calendar, dossier.due_at, reference)
