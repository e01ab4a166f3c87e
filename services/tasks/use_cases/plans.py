"""Work plans: an official plans a week, a month or a quarter, submits it to the head of the unit, marks
items done, assesses it at the end of the period; the head reviews the self-assessment.

Plan 69/KH-UBND of Hà Nội (2017), II.3.c: every official builds a work plan for the week, month, quarter
and year and reports it to the head of the unit, who manages, follows and supervises it. The levels are
those of Decree 90/2020/ND-CP as amended by Decree 48/2023/ND-CP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.tasks import domain, store
from services.tasks.models import PlanItem, WorkPlan
from services.tasks.use_cases import iso
from shared.auth import Principal
from shared.codes import new_code
from shared.db import Page, paginate
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork

WRITERS = ("officer", "head")


@dataclass(frozen=True)
class WritePlan:
    period: str  # 2026-W48, 2026-11 or 2026-Q4: the kind follows from the form
    items: list[domain.PlanItemDraft] = field(default_factory=list)


@dataclass(frozen=True)
class AddItems:
    items: list[domain.PlanItemDraft]


@dataclass(frozen=True)
class MarkItemDone:
    done_on: date | None = None  # today (local) when not given


@dataclass(frozen=True)
class SelfAssess:
    level: str
    comment: str


@dataclass(frozen=True)
class ReviewPlan:
    agreed: bool
    note: str | None = None


@dataclass(frozen=True)
class PlanFilter:
    official: str | None = None
    unit: str | None = None
    period: str | None = None
    status: str | None = None
    page: int = 1
    page_size: int = 20


def write_plan(uow: UnitOfWork, command: WritePlan, principal: Principal) -> WorkPlan:
    """A draft plan of the caller for a period, with its first items; one plan per official and period."""
    unit = _own_unit(principal)
    period = _period(command.period)
    with uow:
        now = uow.now()
        existing = store.plan_of(uow.session, principal.sub, period.kind, period.label)
        if existing is not None:
            raise Conflict(f"you already have a plan for {period.label}: {existing.code}; add items to it",
                           {"period": [f"plan {existing.code} exists"]})
        domain.check_period_open(period, _today(uow))
        domain.check_plan_items(period, command.items)
        _check_tasks(uow, unit, command.items)
        plan = store.insert_plan(uow.session, dict(
            code=new_code("KH", now), official=principal.sub, unit=unit, period_kind=period.kind,
            period=period.label, first_day=period.first_day, last_day=period.last_day, created_at=now))
        if plan is None:
            # Another request of the same official for the same period committed in between.
            raise Conflict(f"you already have a plan for {period.label}; add items to it",
                           {"period": ["a plan for this period exists"]})
        _add_items(uow, plan, command.items, 1)
        plan = _detail(uow, plan)
        uow.commit()
        return plan


def add_items(uow: UnitOfWork, code: str, command: AddItems, principal: Principal) -> WorkPlan:
    with uow:
        plan = _own_plan(uow, code, principal)
        domain.check_plan_editable(_status(plan))
        items = store.plan_items(uow.session, code)
        domain.check_plan_items(_period(plan.period), command.items, first_position=len(items))
        _check_tasks(uow, plan.unit, command.items, first_position=len(items))
        _add_items(uow, plan, command.items, len(items) + 1)
        plan = _detail(uow, plan)
        uow.commit()
        return plan


def submit_plan(uow: UnitOfWork, code: str, principal: Principal) -> WorkPlan:
    """The plan goes to the head of the unit: `plan.submitted`."""
    with uow:
        now = uow.now()
        plan = _own_plan(uow, code, principal)
        domain.check_submission(_status(plan), _period(plan.period), _today(uow))
        plan.submitted_at = now
        items = store.plan_items(uow.session, code)
        uow.record("plan.submitted", code, {
            "code": code, "official": plan.official, "unit": plan.unit, "period_kind": plan.period_kind,
            "period": plan.period, "items": len(items), "submitted_at": iso(uow, now),
        }, unit=plan.unit)
        uow.commit()
        return _with_items(plan, items)


def mark_item_done(uow: UnitOfWork, code: str, position: int, command: MarkItemDone,
                   principal: Principal) -> WorkPlan:
    with uow:
        plan = _own_plan(uow, code, principal)
        items = store.plan_items(uow.session, code)
        item = next((i for i in items if i.position == position), None)
        if item is None:
            raise NotFound(f"plan {code} has no item {position} (it has {len(items)})")
        today = _today(uow)
        done_on = command.done_on or today
        domain.check_item_done(_status(plan), _period(plan.period), done_on, today)
        item.done_on = done_on
        uow.commit()
        return _with_items(plan, items)


def self_assess(uow: UnitOfWork, code: str, command: SelfAssess, principal: Principal) -> WorkPlan:
    """Done and done-on-time counted from the items, the level the official proposes: `plan.self_assessed`."""
    with uow:
        now = uow.now()
        plan = _own_plan(uow, code, principal)
        domain.check_self_assessment(_status(plan), _period(plan.period), command.level, _today(uow),
                                     uow.calendar.is_working_day)
        items = store.plan_items(uow.session, code)
        count = domain.count_items((i.planned_on, i.done_on) for i in items)
        plan.assessed_at, plan.level, plan.comment = now, command.level, command.comment
        uow.record("plan.self_assessed", code, {
            "code": code, "official": plan.official, "unit": plan.unit, "period_kind": plan.period_kind,
            "period": plan.period, "items": count.items, "done": count.done, "done_on_time": count.done_on_time,
            "level": command.level, "assessed_at": iso(uow, now),
        }, unit=plan.unit)
        uow.commit()
        return _with_items(plan, items)


def review_plan(uow: UnitOfWork, code: str, command: ReviewPlan, principal: Principal) -> WorkPlan:
    """The head of the plan's unit agrees with the self-assessment or notes what they do not agree with."""
    with uow:
        plan = _load(uow, code, for_update=True)
        if "head" not in principal.roles or not principal.can_access_unit(plan.unit):
            raise Forbidden(f"the head of unit {plan.unit!r} reviews this plan; your token is for unit "
                            f"{principal.unit!r}", {"unit": [f"not the head of {plan.unit!r}"]})
        if plan.official == principal.sub:
            raise Forbidden("you cannot review your own plan: the head of the unit above reviews it",
                            {"official": ["your own plan"]})
        domain.check_review(_status(plan), command.agreed, command.note)
        plan.reviewed_at, plan.reviewed_by = uow.now(), principal.sub
        plan.review_agreed, plan.review_note = command.agreed, (command.note or "").strip() or None
        plan = _detail(uow, plan)
        uow.commit()
        return plan


def get_plan(uow: UnitOfWork, code: str, principal: Principal) -> WorkPlan:
    with uow:
        plan = _load(uow, code)
        if not _can_see(principal, plan):
            raise Forbidden(f"plan {code} is {plan.official!r}'s: only they, the head of unit {plan.unit!r}, "
                            "inspectors and the office see it", {"code": ["not your plan"]})
        return _detail(uow, plan)


def list_plans(uow: UnitOfWork, query: PlanFilter, principal: Principal) -> Page:
    """Plans, newest period first. An officer sees their own; a head those of their unit; the office,
    inspectors and admins every unit's."""
    official, unit = query.official, query.unit
    if not principal.sees_all_units and "head" not in principal.roles:
        if official not in (None, principal.sub):
            raise Forbidden(f"you see only your own plans ({principal.sub!r}); the head of the unit sees "
                            "the others", {"official": [f"must be {principal.sub!r}"]})
        # Their own plans wherever they were written (an official may have moved between units).
        official = principal.sub
        unit = principal.scope_unit(unit) if unit is not None else None
    else:
        unit = principal.scope_unit(unit)
    period = _period(query.period).label if query.period is not None else None
    with uow:
        result = paginate(uow.session, store.plans_query(official=official, unit=unit, period=period,
                                                         status=query.status), query.page, query.page_size)
        items = store.items_by_plan(uow.session, [p.code for p in result.items])
        for plan in result.items:
            _with_items(plan, items[plan.code])
        return result


# -- helpers ---------------------------------------------------------------------------------------

def _own_unit(principal: Principal) -> str:
    if principal.unit is None:
        raise Forbidden("your token names no unit: a plan belongs to an official of a unit",
                        {"unit": ["no unit in the token"]})
    return principal.unit


def _period(label: str) -> domain.PlanPeriod:
    try:
        return domain.parse_period(label)
    except ValueError as exc:
        raise InvalidInput(str(exc), {"period": [str(exc)]}) from None


def _load(uow: UnitOfWork, code: str, *, for_update: bool = False) -> WorkPlan:
    plan = store.load_plan(uow.session, code, for_update=for_update)
    if plan is None:
        raise NotFound(f"no plan with code {code!r}")
    return plan


def _own_plan(uow: UnitOfWork, code: str, principal: Principal) -> WorkPlan:
    plan = _load(uow, code, for_update=True)
    if plan.official != principal.sub:
        raise Forbidden(f"plan {code} is {plan.official!r}'s: an official writes, submits and assesses only "
                        "their own plan", {"code": ["not your plan"]})
    return plan


def _can_see(principal: Principal, plan: WorkPlan) -> bool:
    if principal.sees_all_units or principal.sub == plan.official:
        return True
    return "head" in principal.roles and principal.can_access_unit(plan.unit)


def _status(plan: WorkPlan) -> str:
    return domain.plan_status(plan.submitted_at, plan.assessed_at, plan.reviewed_at)


def _today(uow: UnitOfWork) -> date:
    return uow.now().astimezone(uow.calendar.tz).date()


def _check_tasks(uow: UnitOfWork, unit: str, items: list[domain.PlanItemDraft], first_position: int = 0) -> None:
    """An item linked to an assigned task names a task of the official's unit (lead or co-operating)."""
    errors = {}
    for index, item in enumerate(items):
        if item.task is None:
            continue
        task = store.load_task(uow.session, item.task)
        if task is None:
            errors[first_position + index] = {"task": [f"no task with code {item.task!r}"]}
        elif unit not in [task.lead_unit, *task.co_units]:
            errors[first_position + index] = {"task": [f"task {item.task} is not one of unit {unit!r}"]}
    if errors:
        raise InvalidInput("an item names a task that is not one of your unit's", {"items": errors})


def _add_items(uow: UnitOfWork, plan: WorkPlan, items: list[domain.PlanItemDraft], first: int) -> None:
    uow.session.add_all(PlanItem(plan_code=plan.code, position=first + n, title=item.title, task_code=item.task,
                                 planned_on=item.planned_on) for n, item in enumerate(items))
    uow.session.flush()


def _detail(uow: UnitOfWork, plan: WorkPlan, items: list[PlanItem] | None = None) -> WorkPlan:
    return _with_items(plan, items if items is not None else store.plan_items(uow.session, plan.code))


def _with_items(plan: WorkPlan, items: list[PlanItem]) -> WorkPlan:
    """The plan with its items, derived status and counts (`plan.items`, `plan.status`, `plan.count`)."""
    plan.items = items
    plan.status = _status(plan)
    plan.count = domain.count_items((i.planned_on, i.done_on) for i in items)
    return plan
