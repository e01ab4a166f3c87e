"""SQLAlchemy statements of the tasks service: loads, filters, claims and bulk writes; no decisions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Select, and_, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.tasks import domain
from services.tasks.models import (
    OPEN_WITH_DEADLINE,
    OVERDUE_WATCH,
    Digest,
    Directive,
    DirectoryOfficial,
    DirectoryUnit,
    Extension,
    PlanItem,
    ProgressReport,
    Task,
    TaskAlert,
    TaskSeries,
    TaskUnit,
    WorkPlan,
)
from shared.alerts import mark_new

# -- directives ------------------------------------------------------------------------------------

def directives_query() -> Select:
    return select(Directive).order_by(Directive.issued_on.desc(), Directive.number_symbol)


# -- tasks -----------------------------------------------------------------------------------------

def load_task(session: Session, code: str, *, for_update: bool = False) -> Task | None:
    query = select(Task).where(Task.code == code)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def add_task(session: Session, task: Task) -> None:
    """The task and the rows that list it under its lead and co-operating units."""
    session.add(task)
    session.add(TaskUnit(task_code=task.code, unit=task.lead_unit, role="lead"))
    session.add_all(TaskUnit(task_code=task.code, unit=u, role="co") for u in task.co_units)


def history(session: Session, code: str) -> tuple[list[ProgressReport], list[Extension]]:
    """A task's progress reports and extension requests, oldest first."""
    reports = session.scalars(select(ProgressReport).where(ProgressReport.task_code == code)
                              .order_by(ProgressReport.id)).all()
    extensions = session.scalars(select(Extension).where(Extension.task_code == code).order_by(Extension.id)).all()
    return list(reports), list(extensions)


def tasks_query(*, unit: str | None, assigned_by: str | None, document: str | None, state: str | None,
                now: datetime) -> Select:
    """Tasks, earliest deadline first (none last), of a unit (lead or co-operating), an assigner, a
    directing document, in a derived state."""
    query = select(Task).order_by(Task.due_at.is_(None), Task.due_at, Task.code)
    if unit is not None:
        query = query.where(Task.code.in_(select(TaskUnit.task_code).where(TaskUnit.unit == unit)))
    if assigned_by is not None:
        query = query.where(Task.assigned_by == assigned_by)
    if document:
        query = query.where(of_document(document))
    if state:
        query = query.where(state_clause(state, now))
    return query


def of_document(document: str):
    return or_(Task.document == document, Task.directive == document)


def state_clause(state: str, now: datetime):
    """The SQL form of domain.derive_state, so a state filter pages in the database."""
    open_ = Task.completed_at.is_(None)
    not_late = or_(Task.due_at.is_(None), Task.due_at >= now)
    return {
        domain.COMPLETED_ON_TIME: and_(Task.completed_at.is_not(None),
                                       or_(Task.due_at.is_(None), Task.completed_at <= Task.due_at)),
        domain.COMPLETED_LATE: and_(Task.completed_at.is_not(None), Task.completed_at > Task.due_at),
        domain.OVERDUE: and_(open_, Task.due_at < now),
        domain.IN_PROGRESS: and_(open_, not_late, Task.last_report_at.is_not(None)),
        domain.NOT_STARTED: and_(open_, not_late, Task.last_report_at.is_(None)),
    }[state]


def tasks_by_code(session: Session, codes: set[str]) -> dict[str, Task]:
    return {t.code: t for t in session.scalars(select(Task).where(Task.code.in_(codes)))} if codes else {}


def task_counts(session: Session, directives: list[str]) -> dict[str, int]:
    """How many tasks name each of these directives."""
    if not directives:
        return {}
    return dict(session.execute(
        select(Task.directive, func.count()).where(Task.directive.in_(directives)).group_by(Task.directive)
    ).all())


def states_of_directives(session: Session, directives: list[str]) -> list:
    """(directive, due_at, completed_at, last_report_at) of every task naming one of these directives:
    what their derived states are computed from."""
    if not directives:
        return []
    return list(session.execute(
        select(Task.directive, Task.due_at, Task.completed_at, Task.last_report_at)
        .where(Task.directive.in_(directives))).all())


def latest_reports(session: Session, codes: list[str]) -> dict[str, ProgressReport]:
    """The latest progress report of each of these tasks that has one."""
    if not codes:
        return {}
    newest = (select(ProgressReport.task_code, func.max(ProgressReport.id).label("id"))
              .where(ProgressReport.task_code.in_(codes)).group_by(ProgressReport.task_code).subquery())
    return {report.task_code: report for report in session.scalars(
        select(ProgressReport).join(newest, ProgressReport.id == newest.c.id))}


def extensions_of(session: Session, codes: list[str]) -> dict[str, list[Extension]]:
    """The extension requests of these tasks, oldest first, by task."""
    found: dict[str, list[Extension]] = {code: [] for code in codes}
    if codes:
        for extension in session.scalars(select(Extension).where(Extension.task_code.in_(codes))
                                         .order_by(Extension.id)):
            found[extension.task_code].append(extension)
    return found


def assigners(session: Session) -> list:
    """(assigned_by, how many tasks) of everyone who assigned tasks, by code."""
    return list(session.execute(
        select(Task.assigned_by, func.count()).where(Task.assigned_by.is_not(None))
        .group_by(Task.assigned_by).order_by(Task.assigned_by)).all())


def has_pending_extension(session: Session, code: str) -> bool:
    return bool(session.scalar(select(exists().where(
        Extension.task_code == code, Extension.status == domain.EXTENSION_REQUESTED))))


# -- recurring series ------------------------------------------------------------------------------

def occurrences_ahead(session: Session, series: str, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Task).where(Task.series == series, Task.due_at > now))


def claim_series(session: Session, after: str, limit: int) -> list[TaskSeries]:
    """Unfinished series with codes after `after`, locked (SKIP LOCKED) so replicas split them."""
    return list(session.scalars(
        select(TaskSeries).where(TaskSeries.finished.is_(False), TaskSeries.code > after)
        .order_by(TaskSeries.code).limit(limit).with_for_update(skip_locked=True)))


# -- reminders, overdue alerts, Monday lists -------------------------------------------------------

def claim_due_within(session: Session, now: datetime, horizon: datetime, after: tuple[datetime, str] | None,
                     limit: int) -> list[Task]:
    """Open tasks due after `now` and by `horizon`, by (due_at, code) after `after`, locked (SKIP LOCKED)."""
    query = (select(Task).where(OPEN_WITH_DEADLINE, Task.due_at > now, Task.due_at <= horizon)
             .order_by(Task.due_at, Task.code).limit(limit).with_for_update(skip_locked=True))
    if after is not None:
        query = query.where(or_(Task.due_at > after[0], and_(Task.due_at == after[0], Task.code > after[1])))
    return list(session.scalars(query))


def alerted(session: Session, codes: list[str]) -> set[tuple[str, str, datetime]]:
    """The (task, kind, deadline) markers already written for these tasks."""
    if not codes:
        return set()
    return set(session.execute(
        select(TaskAlert.task_code, TaskAlert.kind, TaskAlert.due_at).where(TaskAlert.task_code.in_(codes))).all())


def add_alert(session: Session, code: str, kind: str, due_at: datetime, now: datetime) -> None:
    session.add(TaskAlert(task_code=code, kind=kind, due_at=due_at, alerted_at=now))


def claim_overdue(session: Session, now: datetime, limit: int) -> list:
    """Up to `limit` open tasks past their deadline in force and not alerted for it, locked (SKIP
    LOCKED), read through the partial index of the overdue watch."""
    return list(session.execute(
        select(Task.code, Task.title, Task.lead_unit, Task.due_at, Task.assignee, Task.document)
        .where(OVERDUE_WATCH, Task.due_at < now)
        .order_by(Task.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all())


def mark_overdue(session: Session, codes: list[str], now: datetime) -> set[str]:
    """Marker rows for the current deadline of each task (those already there skipped) and the tasks
    taken off the overdue watch; returns the tasks newly marked."""
    marked = mark_new(session, TaskAlert.__table__, subject_column="task_code", kind=domain.OVERDUE_ALERT,
                      subject=Task.code, due_at=Task.due_at, subjects=codes, now=now)
    session.execute(
        update(Task).where(Task.code.in_(codes)).values(overdue_alerted_due_at=Task.due_at)
        .execution_options(synchronize_session=False)
    )
    return marked


def open_due_before(session: Session, week: date, week_end: datetime) -> list:
    """Open tasks due before `week_end`, of leaders without a Monday list for `week` yet, by leader."""
    compiled = select(Digest.leader).where(Digest.week == week)
    return list(session.execute(
        select(Task.assigned_by, Task.code, Task.due_at, Task.completed_at, Task.last_report_at)
        .where(OPEN_WITH_DEADLINE, Task.due_at < week_end, Task.assigned_by.is_not(None),
               Task.assigned_by.not_in(compiled))
        .order_by(Task.assigned_by, Task.due_at, Task.code)
    ).all())


def open_tasks_due_before(session: Session, week_end: datetime, leader: str | None) -> list[Task]:
    """Open tasks with an assigner (a leader, as the Monday lists go to) due before `week_end`, of one
    leader or of all, by lead unit and deadline."""
    query = (select(Task).where(OPEN_WITH_DEADLINE, Task.due_at < week_end, Task.assigned_by.is_not(None))
             .order_by(Task.lead_unit, Task.due_at, Task.code))
    if leader is not None:
        query = query.where(Task.assigned_by == leader)
    return list(session.scalars(query))


def insert_digests(session: Session, week: date, by_leader: dict[str, list[str]], now: datetime) -> list[str]:
    """Insert the Monday lists; one another replica wrote first is skipped. Returns the leaders written."""
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return list(session.execute(
        dialect_insert(Digest).values([
            {"week": week, "leader": leader, "task_codes": codes, "compiled_at": now}
            for leader, codes in by_leader.items()
        ]).on_conflict_do_nothing(index_elements=["week", "leader"]).returning(Digest.leader)
    ).scalars())


def digests_query(week: date, leader: str | None) -> Select:
    query = select(Digest).where(Digest.week == week).order_by(Digest.leader)
    if leader is not None:
        query = query.where(Digest.leader == leader)
    return query


# -- work plans ------------------------------------------------------------------------------------

def load_plan(session: Session, code: str, *, for_update: bool = False) -> WorkPlan | None:
    query = select(WorkPlan).where(WorkPlan.code == code)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def insert_plan(session: Session, values: dict) -> WorkPlan | None:
    """Insert a plan now (its items refer to it) and return it; None when the official already has one
    for the period (the unique key decides between concurrent requests)."""
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    code = session.execute(dialect_insert(WorkPlan).values(values).on_conflict_do_nothing(
        index_elements=["official", "period_kind", "period"]).returning(WorkPlan.code)).scalar()
    return session.get(WorkPlan, code) if code is not None else None


def plan_of(session: Session, official: str, period_kind: str, period: str) -> WorkPlan | None:
    return session.scalars(select(WorkPlan).where(
        WorkPlan.official == official, WorkPlan.period_kind == period_kind, WorkPlan.period == period)).first()


def plan_items(session: Session, code: str) -> list[PlanItem]:
    return list(session.scalars(select(PlanItem).where(PlanItem.plan_code == code).order_by(PlanItem.position)))


def plans_query(*, official: str | None, unit: str | None, period: str | None, status: str | None) -> Select:
    """Plans, newest period first, of an official, a unit, a period, in a derived status."""
    query = select(WorkPlan).order_by(WorkPlan.first_day.desc(), WorkPlan.official, WorkPlan.period_kind)
    if official is not None:
        query = query.where(WorkPlan.official == official)
    if unit is not None:
        query = query.where(WorkPlan.unit == unit)
    if period is not None:
        query = query.where(WorkPlan.period == period)
    if status is not None:
        query = query.where(plan_status_clause(status))
    return query


def plan_status_clause(status: str):
    """The SQL form of domain.plan_status."""
    return {
        domain.PLAN_DRAFT: WorkPlan.submitted_at.is_(None),
        domain.PLAN_SUBMITTED: and_(WorkPlan.submitted_at.is_not(None), WorkPlan.assessed_at.is_(None)),
        domain.PLAN_ASSESSED: and_(WorkPlan.assessed_at.is_not(None), WorkPlan.reviewed_at.is_(None)),
        domain.PLAN_REVIEWED: WorkPlan.reviewed_at.is_not(None),
    }[status]


def items_by_plan(session: Session, codes: list[str]) -> dict[str, list[PlanItem]]:
    by_plan: dict[str, list[PlanItem]] = {code: [] for code in codes}
    if codes:
        for item in session.scalars(select(PlanItem).where(PlanItem.plan_code.in_(codes))
                                    .order_by(PlanItem.plan_code, PlanItem.position)):
            by_plan[item.plan_code].append(item)
    return by_plan


# -- the directory's read copy ------------------------------------------------------------------------

def directory_has_units(session: Session) -> bool:
    return session.scalar(select(exists().where(DirectoryUnit.code.is_not(None)))) or False


def known_units(session: Session, codes: Iterable[str]) -> set[str]:
    wanted = set(codes)
    if not wanted:
        return set()
    return set(session.scalars(select(DirectoryUnit.code).where(DirectoryUnit.code.in_(wanted))))


def directory_units(session: Session) -> list:
    """(code, name) of every unit of the directory's read copy, by code."""
    return list(session.execute(select(DirectoryUnit.code, DirectoryUnit.name).order_by(DirectoryUnit.code)).all())


def officials_units(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """The unit of each known official among `codes`."""
    wanted = set(codes)
    if not wanted:
        return {}
    return dict(session.execute(select(DirectoryOfficial.code, DirectoryOfficial.unit)
                                .where(DirectoryOfficial.code.in_(wanted))).all())
