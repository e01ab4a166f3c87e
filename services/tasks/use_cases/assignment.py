"""Assigning tasks: one task, or a recurring series whose occurrences are kept materialised ahead."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from services.tasks import domain, store
from services.tasks.models import Directive, Task, TaskSeries
from services.tasks.use_cases import directory, iso, with_state
from shared.auth import Principal
from shared.codes import new_code
from shared.errors import InvalidInput
from shared.uow import UnitOfWork

# How many future occurrences of a recurring task exist at any time, so units see what comes next.
OCCURRENCES_AHEAD = 3


@dataclass(frozen=True)
class AssignTask:
    title: str
    lead_unit: str
    co_units: list[str] = field(default_factory=list)
    due_at: datetime | None = None
    document: str | None = None
    directive: str | None = None
    assignee: str | None = None
    required_product: str | None = None
    recurrence: domain.Recurrence | None = None


def assign_task(uow: UnitOfWork, command: AssignTask, principal: Principal) -> Task:
    """Assign a task (or, with `recurrence`, a recurring task whose first occurrences are created at
    once); returns the task, or the first occurrence of the series."""
    # A head assigns within their own unit; the office and admins assign to any unit.
    if not principal.sees_all_units:
        principal.ensure_unit(command.lead_unit)
    with uow:
        now = uow.now()
        rule = command.recurrence
        co_units, document, directive = _checked(uow, command, now)
        template = dict(title=command.title, lead_unit=command.lead_unit, co_units=co_units, document=document,
                        directive=directive, required_product=command.required_product,
                        assigned_by=principal.sub, assignee=command.assignee)
        if not rule:
            task = _create_task(uow, now, due_at=command.due_at, **template)
            uow.commit()
            return with_state(task, now)
        rule.validate()
        today = now.astimezone(uow.calendar.tz).date()
        series = TaskSeries(code=new_code("DK", now), kind=rule.kind, weekday=rule.weekday,
                            day_of_month=rule.day_of_month, until=rule.until,
                            last_occurrence_on=today - timedelta(days=1), finished=False, created_at=now, **template)
        uow.session.add(series)
        created = _materialise(uow, series, now)
        if not created:
            raise InvalidInput("the recurrence names no day with a deadline still ahead",
                               {"recurrence": {"until": ["no occurrence falls before this date"]}})
        uow.commit()
        return with_state(created[0], now)


def check_task(uow: UnitOfWork, command: AssignTask, principal: Principal) -> None:
    """What assign_task would refuse (the same errors), without assigning anything: a page asks its reader
    to check the answers before the task goes out."""
    if not principal.sees_all_units:
        principal.ensure_unit(command.lead_unit)
    with uow:
        _checked(uow, command, uow.now())


def _checked(uow: UnitOfWork, command: AssignTask, now: datetime) -> tuple[list[str], str | None, str | None]:
    """(co-operating units, document, directive) of a valid assignment; InvalidInput by field otherwise."""
    if command.recurrence and command.due_at is not None:
        raise InvalidInput("a recurring task takes its deadlines from the recurrence",
                           {"due_at": ["leave empty when a recurrence is given"]})
    co_units = domain.check_assignment(command.lead_unit, command.co_units or [], command.due_at, now)
    directory.check_assignment_codes(uow, command.lead_unit, co_units, command.assignee)
    document, directive = _resolve_directive(uow, command.document, command.directive)
    return co_units, document, directive


def materialise_occurrences(uow: UnitOfWork, after: str = "", limit: int = 200) -> tuple[int, int, str]:
    """One batch of the occurrences sweep over series with codes after `after`; returns (created,
    claimed, last code). Series rows are locked (SKIP LOCKED) so replicas never create the same
    occurrence; the unique (series, occurrence day) key is the last guard."""
    with uow:
        now = uow.now()
        claimed = store.claim_series(uow.session, after, limit)
        created = sum(len(_materialise(uow, series, now)) for series in claimed)
        uow.commit()
        return created, len(claimed), claimed[-1].code if claimed else after


def _resolve_directive(uow: UnitOfWork, document: str | None, directive: str | None) -> tuple[str | None, str | None]:
    """A task names its directing document by number; it is linked to the registered directive of that
    number when there is one (a document not registered yet is still accepted as plain text)."""
    if directive:
        if uow.session.get(Directive, directive) is None:
            raise InvalidInput(f"no directive {directive!r} is registered; register it first",
                               {"directive": ["unknown directive"]})
        if document and document != directive:
            raise InvalidInput("document and directive name different documents",
                               {"document": [f"must be {directive!r} or empty"]})
        return directive, directive
    if document and uow.session.get(Directive, document) is not None:
        return document, document
    return document, None


def _create_task(uow: UnitOfWork, now: datetime, *, due_at: datetime | None, series: str | None = None,
                 occurrence_on: date | None = None, **template) -> Task:
    task = Task(code=new_code("NV", now), due_at=due_at, series=series, occurrence_on=occurrence_on,
                created_at=now, progress_percent=0, **template)
    store.add_task(uow.session, task)
    uow.record("task.assigned", task.code, {
        "code": task.code,
        "title": task.title,
        "lead_unit": task.lead_unit,
        "co_units": list(task.co_units),
        "due_at": iso(uow, task.due_at),
        "document": task.document,
        "assigned_by": task.assigned_by,
        "assignee": task.assignee,
        "series": series,
    }, unit=task.lead_unit)
    return task


def _materialise(uow: UnitOfWork, series: TaskSeries, now: datetime) -> list[Task]:
    """Create the occurrences of `series` so that OCCURRENCES_AHEAD of them have a deadline ahead."""
    cal = uow.calendar
    ahead = store.occurrences_ahead(uow.session, series.code, now)
    if ahead >= OCCURRENCES_AHEAD or series.finished:
        return []
    rule = domain.Recurrence(kind=series.kind, weekday=series.weekday, day_of_month=series.day_of_month,
                             until=series.until)
    previous_due = domain.occurrence_due_at(series.last_occurrence_on, cal.is_working_day, cal.tz)
    created = []
    days = rule.nominal_days(series.last_occurrence_on)
    while ahead < OCCURRENCES_AHEAD:
        day = next(days, None)
        if day is None:
            series.finished = True
            break
        series.last_occurrence_on = day
        due_at = domain.occurrence_due_at(day, cal.is_working_day, cal.tz)
        # A period without a single working day (a week inside Tết) moves back onto the previous
        # occurrence's deadline: it has no report of its own.
        if due_at <= previous_due or due_at <= now:
            continue
        previous_due = due_at
        created.append(_create_task(
            uow, now, due_at=due_at, series=series.code, occurrence_on=day, title=series.title,
            lead_unit=series.lead_unit, co_units=list(series.co_units), document=series.document,
            directive=series.directive, required_product=series.required_product,
            assigned_by=series.assigned_by, assignee=series.assignee))
        ahead += 1
    return created
