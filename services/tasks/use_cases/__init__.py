"""Use cases of the tasks service, one module per goal; each use case is one unit of work.

What they share: loading a task (404 when unknown), its derived state, instants as events carry them.
"""

from __future__ import annotations

from datetime import datetime

from services.tasks import domain, store
from services.tasks.models import Task
from shared.errors import NotFound
from shared.uow import UnitOfWork


def load(uow: UnitOfWork, code: str, *, for_update: bool = False) -> Task:
    task = store.load_task(uow.session, code, for_update=for_update)
    if task is None:
        raise NotFound(f"no task with code {code!r}")
    return task


def with_state(task: Task, now: datetime) -> Task:
    """The task with its state at `now` (`task.state`), derived, never stored."""
    task.state = domain.derive_state(task.due_at, task.completed_at, task.last_report_at is not None, now)
    return task


def iso(uow: UnitOfWork, moment: datetime | None) -> str | None:
    """An instant as events carry it: ISO 8601 in the calendar's time zone."""
    return moment.astimezone(uow.calendar.tz).isoformat() if moment is not None else None
