"""Use cases of the tasks service, each in one unit of work."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.tasks import domain
from services.tasks.models import (
    OPEN_WITH_DEADLINE,
    OVERDUE_WATCH,
    Digest,
    Directive,
    Extension,
    ProgressReport,
    Task,
    TaskAlert,
    TaskSeries,
    TaskUnit,
)
from shared.alerts import mark_new
from shared.auth import Principal
from shared.codes import new_code
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork
from shared.web import paginate

# How many future occurrences of a recurring task exist at any time, so units see what comes next.
OCCURRENCES_AHEAD = 3
DEFAULT_REMINDER_DAYS = (7, 3, 1)


# -- directives ------------------------------------------------------------------------------------

def create_directive(uow: UnitOfWork, data: dict, principal: Principal) -> Directive:
    with uow:
        number = data["number_symbol"].strip()
        if uow.session.get(Directive, number) is not None:
            raise Conflict(f"directive {number!r} is already registered",
                           {"number_symbol": ["already registered"]})
        directive = Directive(number_symbol=number, issued_on=data["issued_on"], signer=data["signer"],
                              summary=data["summary"], issued_by=data.get("issued_by") or principal.unit,
                              created_at=uow.now())
        uow.session.add(directive)
        uow.commit()
        directive.task_count = 0
        return directive


def list_directives(uow: UnitOfWork, page: int, page_size: int) -> dict:
    with uow:
        query = select(Directive).order_by(Directive.issued_on.desc(), Directive.number_symbol)
        result = paginate(query, uow.session, page, page_size)
        _count_tasks(uow, result["items"])
        return result


def get_directive(uow: UnitOfWork, number: str) -> Directive:
    with uow:
        directive = uow.session.get(Directive, number)
        if directive is None:
            raise NotFound(f"no directive with number {number!r}")
        _count_tasks(uow, [directive])
        return directive


def _count_tasks(uow: UnitOfWork, directives: list[Directive]) -> None:
    numbers = [d.number_symbol for d in directives]
    counts = dict(uow.session.execute(
        select(Task.directive, func.count()).where(Task.directive.in_(numbers)).group_by(Task.directive)
    ).all()) if numbers else {}
    for directive in directives:
        directive.task_count = counts.get(directive.number_symbol, 0)


# -- assignment and recurrence ---------------------------------------------------------------------

def assign_task(uow: UnitOfWork, data: dict, principal: Principal) -> Task:
    """Assign a task (or, with `recurrence`, a recurring task whose first occurrences are created at
    once); returns the task, or the first occurrence of the series."""
    # A head assigns within their own unit; the office and admins assign to any unit.
    if not principal.sees_all_units:
        principal.ensure_unit(data["lead_unit"])
    with uow:
        now = uow.now()
        recurrence = data.get("recurrence")
        if recurrence and data.get("due_at") is not None:
            raise InvalidInput("a recurring task takes its deadlines from the recurrence",
                               {"due_at": ["leave empty when a recurrence is given"]})
        co_units = domain.check_assignment(data["lead_unit"], data.get("co_units") or [], data.get("due_at"), now)
        document, directive = _resolve_directive(uow, data.get("document"), data.get("directive"))
        template = dict(title=data["title"], lead_unit=data["lead_unit"], co_units=co_units, document=document,
                        directive=directive, required_product=data.get("required_product"),
                        assigned_by=principal.sub, assignee=data.get("assignee"))
        if not recurrence:
            task = _create_task(uow, now, due_at=data.get("due_at"), **template)
            uow.commit()
            return _with_state(task, now)
        rule = domain.Recurrence(kind=recurrence["kind"], weekday=recurrence.get("weekday"),
                                 day_of_month=recurrence.get("day_of_month"), until=recurrence.get("until"))
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
        return _with_state(created[0], now)


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
    uow.session.add(task)
    uow.session.add(TaskUnit(task_code=task.code, unit=task.lead_unit, role="lead"))
    uow.session.add_all(TaskUnit(task_code=task.code, unit=u, role="co") for u in task.co_units)
    uow.record("task.assigned", task.code, {
        "code": task.code,
        "title": task.title,
        "lead_unit": task.lead_unit,
        "co_units": list(task.co_units),
        "due_at": _iso(uow, task.due_at),
        "document": task.document,
        "assigned_by": task.assigned_by,
        "assignee": task.assignee,
        "series": series,
    }, unit=task.lead_unit)
    return task


def _materialise(uow: UnitOfWork, series: TaskSeries, now: datetime) -> list[Task]:
    """Create the occurrences of `series` so that OCCURRENCES_AHEAD of them have a deadline ahead."""
    cal = uow.calendar
    ahead = uow.session.scalar(
        select(func.count()).select_from(Task).where(Task.series == series.code, Task.due_at > now))
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


def materialise_occurrences(uow: UnitOfWork, after: str = "", limit: int = 200) -> tuple[int, int, str]:
    """One batch of the occurrences sweep over series with codes after `after`; returns (created,
    claimed, last code). Series rows are locked (SKIP LOCKED) so replicas never create the same
    occurrence; the unique (series, occurrence day) key is the last guard."""
    with uow:
        now = uow.now()
        claimed = uow.session.scalars(
            select(TaskSeries).where(TaskSeries.finished.is_(False), TaskSeries.code > after)
            .order_by(TaskSeries.code).limit(limit).with_for_update(skip_locked=True)
        ).all()
        created = sum(len(_materialise(uow, series, now)) for series in claimed)
        uow.commit()
        return created, len(claimed), claimed[-1].code if claimed else after


# -- reading ---------------------------------------------------------------------------------------

def _with_state(task: Task, now: datetime) -> Task:
    task.state = domain.derive_state(task.due_at, task.completed_at, task.last_report_at is not None, now)
    return task


def _can_see(principal: Principal, task: Task) -> bool:
    if principal.sees_all_units or (task.assigned_by is not None and principal.sub == task.assigned_by):
        return True
    return any(principal.can_access_unit(u) for u in [task.lead_unit, *task.co_units])


def _load(uow: UnitOfWork, code: str, *, for_update: bool = False) -> Task:
    query = select(Task).where(Task.code == code)
    if for_update:
        query = query.with_for_update()
    task = uow.session.scalars(query).first()
    if task is None:
        raise NotFound(f"no task with code {code!r}")
    return task


def get_task(uow: UnitOfWork, code: str, principal: Principal) -> Task:
    """One task with its derived state and its history of progress reports and extensions."""
    with uow:
        task = _load(uow, code)
        if not _can_see(principal, task):
            raise Forbidden(f"your token is for unit {principal.unit!r}, which neither leads nor co-operates "
                            f"on task {code}, and you did not assign it", {"unit": [f"not within {principal.unit!r}"]})
        task.reports = uow.session.scalars(
            select(ProgressReport).where(ProgressReport.task_code == code).order_by(ProgressReport.id)).all()
        task.extensions = uow.session.scalars(
            select(Extension).where(Extension.task_code == code).order_by(Extension.id)).all()
        return _with_state(task, uow.now())


def _state_clause(state: str, now: datetime):
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


def list_tasks(uow: UnitOfWork, principal: Principal, unit: str | None, document: str | None,
               page: int, page_size: int, state: str | None = None, assigned_by: str | None = None) -> dict:
    """Tasks of a unit (the caller's by default), of a document, of an assigner, in a derived state.

    Officers and heads see the tasks their unit leads or co-operates on, and every task they assigned
    themselves (assigned_by = their own sub); the office, inspectors and admins see all."""
    with uow:
        now = uow.now()
        query = select(Task).order_by(Task.due_at.is_(None), Task.due_at, Task.code)
        if assigned_by is not None and not principal.sees_all_units and assigned_by != principal.sub:
            raise Forbidden(f"you may list only the tasks you assigned yourself ({principal.sub!r}), "
                            f"not those of {assigned_by!r}", {"assigned_by": [f"must be {principal.sub!r}"]})
        if unit is None and assigned_by is None and not principal.sees_all_units:
            if principal.unit is None:
                raise Forbidden("your token names no unit, so there is no unit whose tasks you may list")
            unit = principal.unit
        if unit is not None:
            if assigned_by is None:
                principal.ensure_unit(unit)
            query = query.where(Task.code.in_(select(TaskUnit.task_code).where(TaskUnit.unit == unit)))
        if assigned_by is not None:
            query = query.where(Task.assigned_by == assigned_by)
        if document:
            query = query.where(or_(Task.document == document, Task.directive == document))
        if state:
            query = query.where(_state_clause(state, now))
        result = paginate(query, uow.session, page, page_size)
        for task in result["items"]:
            _with_state(task, now)
        return result


def leader_summary(uow: UnitOfWork, principal: Principal, leader: str, directive: str | None = None) -> dict:
    """A leader's assigned tasks by directing document, with completion rates."""
    if not principal.sees_all_units and principal.sub != leader:
        raise Forbidden(f"only {leader!r} or the office may see the tasks {leader!r} assigned",
                        {"sub": [f"your token is for {principal.sub!r}"]})
    with uow:
        now = uow.now()
        query = select(Task).where(Task.assigned_by == leader)
        if directive:
            query = query.where(or_(Task.document == directive, Task.directive == directive))
        groups: dict[str | None, dict] = {}
        overall = _empty_tally(None)
        for task in uow.session.scalars(query):
            state = _with_state(task, now).state
            for tally in (groups.setdefault(task.document, _empty_tally(task.document)), overall):
                tally["total"] += 1
                tally[state] += 1
        rows = sorted(groups.values(), key=lambda g: (g["document"] is None, g["document"] or ""))
        return {"leader": leader, "directives": [_rates(g) for g in rows], "overall": _rates(overall)}


def _empty_tally(document: str | None) -> dict:
    return {"document": document, "total": 0, **dict.fromkeys(domain.STATES, 0)}


def _rates(tally: dict) -> dict:
    def share(n: int) -> Decimal:
        if not tally["total"]:
            return Decimal("0.0")
        return (Decimal(100 * n) / tally["total"]).quantize(Decimal("0.1"), ROUND_HALF_UP)

    completed = tally[domain.COMPLETED_ON_TIME] + tally[domain.COMPLETED_LATE]
    return {**tally, "completion_rate": share(completed), "on_time_rate": share(tally[domain.COMPLETED_ON_TIME])}


# -- progress and extensions -----------------------------------------------------------------------

def report_progress(uow: UnitOfWork, code: str, data: dict, principal: Principal) -> Task:
    """The lead unit or a co-operating unit reports progress; 100% by the lead unit completes the task."""
    with uow:
        now = uow.now()
        task = _load(uow, code, for_update=True)
        unit = principal.unit
        if unit is None or unit not in [task.lead_unit, *task.co_units]:
            raise Forbidden(f"only the lead unit {task.lead_unit!r} or a co-operating unit reports progress "
                            f"on task {code}; your token is for unit {unit!r}",
                            {"unit": [f"not a unit of task {code}"]})
        is_lead = unit == task.lead_unit
        completes = domain.check_progress(task.completed_at, data["percent"], is_lead)
        uow.session.add(ProgressReport(task_code=code, unit=unit, percent=data["percent"], text=data["text"],
                                       product=data.get("product"), reported_at=now, reported_by=principal.sub))
        task.last_report_at = now
        if is_lead:
            task.progress_percent = data["percent"]
        uow.record("task.progress_reported", code, {
            "code": code, "lead_unit": task.lead_unit, "unit": unit, "percent": data["percent"],
            "reported_at": _iso(uow, now),
        }, unit=task.lead_unit)
        if completes:
            task.completed_at = now
            uow.record("task.completed", code, {
                "code": code, "lead_unit": task.lead_unit, "due_at": _iso(uow, task.due_at),
                "completed_at": _iso(uow, now), "timeliness": domain.timeliness(task.due_at, now),
                "assignee": task.assignee,
            }, unit=task.lead_unit)
        uow.commit()
        return _with_state(task, now)


def request_extension(uow: UnitOfWork, code: str, data: dict, principal: Principal) -> Extension:
    """The lead unit asks, before the deadline in force, to move it; the assigner decides."""
    with uow:
        now = uow.now()
        task = _load(uow, code, for_update=True)
        if principal.unit != task.lead_unit or not principal.has_any(("officer", "head")):
            raise Forbidden(f"only an officer or the head of the lead unit {task.lead_unit!r} may ask to extend "
                            f"task {code}; your token is for unit {principal.unit!r}",
                            {"unit": [f"must be {task.lead_unit!r}"]})
        pending = uow.session.scalar(select(exists().where(
            Extension.task_code == code, Extension.status == domain.EXTENSION_REQUESTED)))
        domain.check_extension_request(task.due_at, task.completed_at, data["requested_due_at"], pending, now)
        extension = Extension(task_code=code, previous_due_at=task.due_at, requested_due_at=data["requested_due_at"],
                              reason=data["reason"], requested_at=now, requested_by=principal.sub,
                              status=domain.EXTENSION_REQUESTED)
        uow.session.add(extension)
        uow.record("task.extension_requested", code, {
            "code": code, "lead_unit": task.lead_unit, "due_at": _iso(uow, task.due_at),
            "requested_due_at": _iso(uow, data["requested_due_at"]), "reason": data["reason"],
        }, unit=task.lead_unit)
        uow.commit()
        return extension


def decide_extension(uow: UnitOfWork, code: str, extension_id: int, data: dict, principal: Principal) -> Extension:
    """The assigner (or the office) approves or refuses; approval moves the deadline, so the task is
    judged against the new one and its reminders and overdue alert follow the new deadline."""
    with uow:
        now = uow.now()
        task = _load(uow, code, for_update=True)
        extension = uow.session.get(Extension, extension_id)
        if extension is None or extension.task_code != code:
            raise NotFound(f"task {code} has no extension request {extension_id}")
        if principal.sub != task.assigned_by and not principal.has_any(("office", "admin")):
            raise Forbidden(f"only the assigner {task.assigned_by!r} or the office decides on extensions of "
                            f"task {code}", {"sub": [f"your token is for {principal.sub!r}"]})
        if extension.status != domain.EXTENSION_REQUESTED:
            raise Conflict(f"extension request {extension_id} was already {extension.status}")
        if not data["approved"] and not (data.get("reason") or "").strip():
            raise InvalidInput("a refusal must say why", {"reason": ["required when refusing"]})
        extension.status = domain.EXTENSION_APPROVED if data["approved"] else domain.EXTENSION_REFUSED
        extension.decided_at = now
        extension.decided_by = principal.sub
        extension.decision_reason = data.get("reason")
        if data["approved"]:
            task.due_at = extension.requested_due_at
            # Reminder markers are keyed by deadline, so the new deadline's points fire afresh; the
            # overdue watch goes back on for it.
            task.overdue_alerted_due_at = None
        uow.record("task.extension_decided", code, {
            "code": code, "lead_unit": task.lead_unit, "approved": data["approved"],
            "due_at": _iso(uow, task.due_at), "reason": data.get("reason"),
        }, unit=task.lead_unit)
        uow.commit()
        return extension


# -- sweeps: reminders, overdue, Monday digest -----------------------------------------------------

def reminder_days(uow: UnitOfWork) -> tuple[int, ...]:
    return tuple(sorted({int(n) for n in uow.settings.rules.get("task_reminder_days", DEFAULT_REMINDER_DAYS)}))


def remind_tasks(uow: UnitOfWork, after: tuple[datetime, str] | None = None,
                 limit: int = 500) -> tuple[int, int, tuple[datetime, str] | None]:
    """One batch of the reminder sweep: `task.due_soon` for each open task that reached a reminder
    point (working days before its deadline), once per (task, deadline, point). Walks open tasks due
    within the widest point by (due_at, code) after `after`; returns (emitted, claimed, cursor)."""
    with uow:
        now = uow.now()
        cal = uow.calendar
        points = reminder_days(uow)
        if not points:
            return 0, 0, after
        horizon = cal.add_working_days(now, max(points) + 1)
        query = (select(Task).where(OPEN_WITH_DEADLINE, Task.due_at > now, Task.due_at <= horizon)
                 .order_by(Task.due_at, Task.code).limit(limit).with_for_update(skip_locked=True))
        if after is not None:
            query = query.where(or_(Task.due_at > after[0], and_(Task.due_at == after[0], Task.code > after[1])))
        claimed = uow.session.scalars(query).all()
        if not claimed:
            return 0, 0, after
        due = {}
        for task in claimed:
            point = domain.reminder_point(points, cal.working_days_between(now, task.due_at))
            if point is not None:
                due[task.code] = (task, f"due_soon:{point}", point)
        already = set(uow.session.execute(
            select(TaskAlert.task_code, TaskAlert.kind, TaskAlert.due_at).where(TaskAlert.task_code.in_(list(due)))
        ).all()) if due else set()
        emitted = 0
        for code, (task, kind, point) in due.items():
            if (code, kind, task.due_at) in already:
                continue
            uow.session.add(TaskAlert(task_code=code, kind=kind, due_at=task.due_at, alerted_at=now))
            uow.record("task.due_soon", code, {
                "code": code, "lead_unit": task.lead_unit, "due_at": _iso(uow, task.due_at),
                "working_days_before": point, "assignee": task.assignee,
            }, unit=task.lead_unit)
            emitted += 1
        uow.commit()
        last = claimed[-1]
        return emitted, len(claimed), (last.due_at, last.code)


def alert_overdue_tasks(uow: UnitOfWork, limit: int = 1000) -> tuple[int, int]:
    """One batch of the overdue sweep: `task.overdue` for up to `limit` open tasks past their deadline
    in force and not alerted for it yet; returns (emitted, claimed). Same pattern as the dossiers'
    overdue sweep: rows claimed with SKIP LOCKED through a partial index, marker rows unique per task
    and deadline written in the same transaction as the events."""
    with uow:
        now = uow.now()
        session = uow.session
        claimed = session.execute(
            select(Task.code, Task.title, Task.lead_unit, Task.due_at, Task.assignee, Task.document)
            .where(OVERDUE_WATCH, Task.due_at < now)
            .order_by(Task.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not claimed:
            return 0, 0
        codes = [row.code for row in claimed]
        marked = mark_new(session, TaskAlert.__table__, subject_column="task_code", kind=domain.OVERDUE_ALERT,
                          subject=Task.code, due_at=Task.due_at, subjects=codes, now=now)
        session.execute(
            update(Task).where(Task.code.in_(codes)).values(overdue_alerted_due_at=Task.due_at)
            .execution_options(synchronize_session=False)
        )
        detected_at = _iso(uow, now)
        for row in claimed:
            if row.code not in marked:
                continue
            uow.record("task.overdue", row.code, {
                "code": row.code, "title": row.title, "lead_unit": row.lead_unit,
                "due_at": _iso(uow, row.due_at), "detected_at": detected_at,
                "assignee": row.assignee, "document": row.document,
            }, unit=row.lead_unit)
        uow.commit()
        return len(marked), len(claimed)


def compile_monday_digests(uow: UnitOfWork) -> int:
    """On Mondays (local time), per leader, the list of tasks due (deadline passed or within the week)
    without a progress report in the last 7 days; once per week and leader. Returns how many digests
    were compiled. Not on Mondays: nothing (a Monday missed entirely is not made up later)."""
    with uow:
        now = uow.now()
        local_today = now.astimezone(uow.calendar.tz).date()
        if local_today.weekday() != 0:
            return 0
        week = local_today
        _, week_end = domain.digest_window(week, uow.calendar.tz)
        compiled = select(Digest.leader).where(Digest.week == week)
        rows = uow.session.execute(
            select(Task.assigned_by, Task.code, Task.due_at, Task.completed_at, Task.last_report_at)
            .where(OPEN_WITH_DEADLINE, Task.due_at < week_end, Task.assigned_by.is_not(None),
                   Task.assigned_by.not_in(compiled))
            .order_by(Task.assigned_by, Task.due_at, Task.code)
        ).all()
        by_leader: dict[str, list[str]] = {}
        for row in rows:
            if domain.due_but_unreported(row.due_at, row.completed_at, row.last_report_at, week_end, now):
                by_leader.setdefault(row.assigned_by, []).append(row.code)
        if not by_leader:
            return 0
        dialect_insert = pg_insert if uow.runtime.is_postgres else sqlite_insert
        # Another replica may compile the same week at the same moment: the first one wins, quietly.
        inserted = uow.session.execute(
            dialect_insert(Digest).values([
                {"week": week, "leader": leader, "task_codes": codes, "compiled_at": now}
                for leader, codes in by_leader.items()
            ]).on_conflict_do_nothing(index_elements=["week", "leader"]).returning(Digest.leader)
        ).scalars().all()
        uow.commit()
        return len(inserted)


def list_digests(uow: UnitOfWork, principal: Principal, week: date, page: int, page_size: int) -> dict:
    """The Monday lists of a week: a leader sees their own; the office, inspectors and admins all."""
    with uow:
        now = uow.now()
        query = select(Digest).where(Digest.week == week).order_by(Digest.leader)
        if not principal.sees_all_units:
            query = query.where(Digest.leader == principal.sub)
        result = paginate(query, uow.session, page, page_size)
        codes = {c for d in result["items"] for c in d.task_codes}
        tasks = {t.code: _with_state(t, now) for t in uow.session.scalars(select(Task).where(Task.code.in_(codes)))}
        for digest in result["items"]:
            digest.tasks = [tasks[c] for c in digest.task_codes if c in tasks]
        return result


def _iso(uow: UnitOfWork, moment: datetime | None) -> str | None:
    return moment.astimezone(uow.calendar.tz).isoformat() if moment is not None else None
