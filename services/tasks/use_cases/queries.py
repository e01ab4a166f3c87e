"""Reading tasks: one task with its history, lists by unit, document, assigner or state, a leader's
summary by directive, the Monday lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from services.tasks import domain, store
from services.tasks.models import Directive, DirectoryUnit, Extension, Task
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


# -- what the pages show ---------------------------------------------------------------------------
# The browser's views of the same rules: an officer's tasks, one task with what the reader may do on it,
# a head's unit with the extension requests waiting. The flags say which forms to offer; the use cases
# that act (progress, extensions) still check everything themselves.

RECENTLY_COMPLETED = 10


@dataclass
class TaskView:
    task: Task
    directive: Directive | None
    unit_names: dict[str, str]
    can_report: bool
    can_request_extension: bool
    can_decide: bool
    pending_extension: Extension | None


@dataclass
class PendingExtension:
    extension: Extension
    task: Task
    can_decide: bool


@dataclass
class TaskBoard:
    """A unit's tasks: the open ones (one page, earliest deadline first, so the overdue come first), the
    latest completed, and the extension requests waiting for a decision."""

    unit: str
    unit_name: str | None
    open: Page
    completed: list[Task]
    pending: list[PendingExtension] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def task_board(uow: UnitOfWork, principal: Principal, page: int, page_size: int) -> TaskBoard:
    """The caller's unit's tasks (lead or co-operating), each with its state and the working days left
    (`remaining_days`), the latest completed ones, the unit's extension requests waiting and how many
    tasks are in each state."""
    unit = principal.scope_unit(None)
    if unit is None:
        raise Forbidden("the task board is a unit's: your token names no unit", {"unit": ["no unit in the token"]})
    with uow:
        now = uow.now()
        session = uow.session
        base = store.tasks_query(unit=unit, assigned_by=None, document=None, state=None, now=now)
        open_page = paginate(session, base.where(Task.completed_at.is_(None)), page, page_size)
        for task in open_page.items:
            with_remaining(uow, with_state(task, now), now)
        completed = list(session.scalars(base.where(Task.completed_at.is_not(None))
                                          .order_by(None).order_by(Task.completed_at.desc(), Task.code)
                                          .limit(RECENTLY_COMPLETED)))
        for task in completed:
            with_state(task, now)
        pending = [PendingExtension(extension, with_state(task, now), _can_decide(principal, task))
                   for extension, task in session.execute(
                       select(Extension, Task).join(Task, Task.code == Extension.task_code)
                       .where(Task.lead_unit == unit, Extension.status == domain.EXTENSION_REQUESTED)
                       .order_by(Extension.requested_at, Extension.id)).all()]
        counts = {state: session.scalar(
            select(func.count()).select_from(
                base.where(store.state_clause(state, now)).order_by(None).subquery()))
            for state in domain.STATES}
        names = unit_names_of(session, [unit])
        return TaskBoard(unit=unit, unit_name=names.get(unit), open=open_page, completed=completed,
                         pending=pending, counts=counts)


def task_view(uow: UnitOfWork, code: str, principal: Principal) -> TaskView:
    """One task as its page shows it: the task with its history (get_task), its directive, the names of
    its units, and what the reader may do on it now."""
    with uow:
        task = get_task(uow, code, principal)
        now = uow.now()
        with_remaining(uow, task, now)
        pending = next((e for e in task.extensions if e.status == domain.EXTENSION_REQUESTED), None)
        is_open = task.completed_at is None
        directive = uow.session.get(Directive, task.directive) if task.directive else None
        return TaskView(
            task=task, directive=directive, unit_names=unit_names_of(uow.session, [task.lead_unit, *task.co_units]),
            can_report=is_open and principal.unit in [task.lead_unit, *task.co_units]
            and principal.has_any(("officer", "head")),
            can_request_extension=is_open and pending is None and task.due_at is not None and now < task.due_at
            and principal.unit == task.lead_unit and principal.has_any(("officer", "head")),
            can_decide=pending is not None and _can_decide(principal, task),
            pending_extension=pending)


def _can_decide(principal: Principal, task: Task) -> bool:
    """The assigner, or the office, decides on an extension (extensions.decide_extension)."""
    return principal.sub == task.assigned_by or principal.has_any(("office", "admin"))


def with_remaining(uow: UnitOfWork, task: Task, now) -> Task:
    """`remaining_days`: working days left before the deadline (negative once past), None without a
    deadline or beyond the working calendar's years."""
    task.remaining_days = None
    if task.due_at is not None and task.completed_at is None:
        try:
            task.remaining_days = uow.calendar.working_days_between(now, task.due_at)
        except ValueError:
            task.remaining_days = None
    return task


def unit_names_of(session, codes: list[str]) -> dict[str, str]:
    return dict(session.execute(select(DirectoryUnit.code, DirectoryUnit.name)
                                .where(DirectoryUnit.code.in_(set(codes)))).all()) if codes else {}
