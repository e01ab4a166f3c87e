"""Reading tasks: one task with its history, lists by unit, document, assigner or state, a leader's
summary by directive, the Monday lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.tasks import domain, store
from services.tasks.models import Task
from services.tasks.use_cases import load, with_state
from shared.auth import Principal
from shared.db import Page, paginate
from shared.errors import Forbidden
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class LeaderSummary:
    leader: str
    directives: list[domain.Tally]
    overall: domain.Tally


def get_task(uow: UnitOfWork, code: str, principal: Principal) -> Task:
    """One task with its derived state and its history of progress reports and extensions."""
    with uow:
        task = load(uow, code)
        if not _can_see(principal, task):
            raise Forbidden(f"your token is for unit {principal.unit!r}, which neither leads nor co-operates "
                            f"on task {code}, and you did not assign it", {"unit": [f"not within {principal.unit!r}"]})
        task.reports, task.extensions = store.history(uow.session, code)
        return with_state(task, uow.now())


def _can_see(principal: Principal, task: Task) -> bool:
    if principal.sees_all_units or (task.assigned_by is not None and principal.sub == task.assigned_by):
        return True
    return any(principal.can_access_unit(u) for u in [task.lead_unit, *task.co_units])


def list_tasks(uow: UnitOfWork, principal: Principal, unit: str | None, document: str | None,
               page: int, page_size: int, state: str | None = None, assigned_by: str | None = None) -> Page:
    """Tasks of a unit (the caller's by default), of a document, of an assigner, in a derived state.

    Officers and heads see the tasks their unit leads or co-operates on, and every task they assigned
    themselves (assigned_by = their own sub); the office, inspectors and admins see all."""
    if assigned_by is not None and not principal.sees_all_units and assigned_by != principal.sub:
        raise Forbidden(f"you may list only the tasks you assigned yourself ({principal.sub!r}), "
                        f"not those of {assigned_by!r}", {"assigned_by": [f"must be {principal.sub!r}"]})
    if assigned_by is None:
        unit = principal.scope_unit(unit)
    with uow:
        now = uow.now()
        query = store.tasks_query(unit=unit, assigned_by=assigned_by, document=document, state=state, now=now)
        result = paginate(uow.session, query, page, page_size)
        for task in result.items:
            with_state(task, now)
        return result


def leader_summary(uow: UnitOfWork, principal: Principal, leader: str, directive: str | None = None) -> LeaderSummary:
    """A leader's assigned tasks by directing document, with completion rates."""
    if not principal.sees_all_units and principal.sub != leader:
        raise Forbidden(f"only {leader!r} or the office may see the tasks {leader!r} assigned",
                        {"sub": [f"your token is for {principal.sub!r}"]})
    with uow:
        now = uow.now()
        tasks = store.tasks_query(unit=None, assigned_by=leader, document=directive, state=None, now=now)
        groups, overall = domain.tally_by_document(
            (task.document, with_state(task, now).state) for task in uow.session.scalars(tasks.order_by(None)))
        return LeaderSummary(leader=leader, directives=groups, overall=overall)


def list_digests(uow: UnitOfWork, principal: Principal, week: date, page: int, page_size: int) -> Page:
    """The Monday lists of a week: a leader sees their own; the office, inspectors and admins all."""
    with uow:
        now = uow.now()
        leader = None if principal.sees_all_units else principal.sub
        result = paginate(uow.session, store.digests_query(week, leader), page, page_size)
        tasks = store.tasks_by_code(uow.session, {c for d in result.items for c in d.task_codes})
        for digest in result.items:
            digest.tasks = [with_state(tasks[c], now) for c in digest.task_codes if c in tasks]
        return result
