"""Use cases of the tasks service, each in one unit of work."""

from __future__ import annotations

from sqlalchemy import select

from services.tasks import domain
from services.tasks.models import Task, TaskUnit
from shared.auth import Principal
from shared.codes import new_code
from shared.errors import Forbidden, NotFound
from shared.uow import UnitOfWork
from shared.web import paginate


def assign_task(uow: UnitOfWork, data: dict, principal: Principal) -> Task:
    # A head assigns within their own unit; the office and admins assign to any unit.
    if not principal.sees_all_units:
        principal.ensure_unit(data["lead_unit"])
    assigned_by = principal.sub
    with uow:
        now = uow.now()
        co_units = domain.check_assignment(data["lead_unit"], data.get("co_units") or [], data.get("due_at"), now)
        task = Task(
            code=new_code("NV", now),
            title=data["title"],
            lead_unit=data["lead_unit"],
            co_units=co_units,
            document=data.get("document"),
            required_product=data.get("required_product"),
            assigned_by=assigned_by,
            due_at=data.get("due_at"),
            created_at=now,
        )
        uow.session.add(task)
        uow.session.add(TaskUnit(task_code=task.code, unit=task.lead_unit, role="lead"))
        uow.session.add_all(TaskUnit(task_code=task.code, unit=u, role="co") for u in co_units)
        uow.record("task.assigned", task.code, {
            "code": task.code,
            "title": task.title,
            "lead_unit": task.lead_unit,
            "co_units": co_units,
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "document": task.document,
            "assigned_by": assigned_by,
        }, unit=task.lead_unit)
        uow.commit()
        return task


def get_task(uow: UnitOfWork, code: str, principal: Principal) -> Task:
    with uow:
        task = uow.session.get(Task, code)
        if task is None:
            raise NotFound(f"no task with code {code!r}")
        if not any(principal.can_access_unit(u) for u in [task.lead_unit, *task.co_units]):
            principal.ensure_unit(task.lead_unit)
        return task


def list_tasks(uow: UnitOfWork, principal: Principal, unit: str | None, document: str | None,
               page: int, page_size: int) -> dict:
    with uow:
        query = select(Task).order_by(Task.due_at.is_(None), Task.due_at, Task.code)
        if unit is None and not principal.sees_all_units:
            if principal.unit is None:
                raise Forbidden("your token names no unit, so there is no unit whose tasks you may list")
            unit = principal.unit
        if unit is not None:
            principal.ensure_unit(unit)
            query = query.where(Task.code.in_(select(TaskUnit.task_code).where(TaskUnit.unit == unit)))
        if document:
            query = query.where(Task.document == document)
        return paginate(query, uow.session, page, page_size)
