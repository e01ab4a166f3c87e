"""Progress reports: the lead or a co-operating unit reports; 100% by the lead unit completes the task."""

from __future__ import annotations

from dataclasses import dataclass

from services.tasks import domain
from services.tasks.models import ProgressReport, Task
from services.tasks.use_cases import iso, load, with_state
from shared.auth import Principal
from shared.errors import Forbidden
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class ReportProgress:
    percent: int
    text: str
    product: str | None = None  # file name or URL of the product


def report_progress(uow: UnitOfWork, code: str, command: ReportProgress, principal: Principal) -> Task:
    """The lead unit or a co-operating unit reports progress; 100% by the lead unit completes the task."""
    with uow:
        now = uow.now()
        task = load(uow, code, for_update=True)
        unit = principal.unit
        if unit is None or unit not in [task.lead_unit, *task.co_units]:
            raise Forbidden(f"only the lead unit {task.lead_unit!r} or a co-operating unit reports progress "
                            f"on task {code}; your token is for unit {unit!r}",
                            {"unit": [f"not a unit of task {code}"]})
        is_lead = unit == task.lead_unit
        completes = domain.check_progress(task.completed_at, command.percent, is_lead)
        uow.session.add(ProgressReport(task_code=code, unit=unit, percent=command.percent, text=command.text,
                                       product=command.product, reported_at=now, reported_by=principal.sub))
        task.last_report_at = now
        if is_lead:
            task.progress_percent = command.percent
        uow.record("task.progress_reported", code, {
            "code": code, "lead_unit": task.lead_unit, "unit": unit, "percent": command.percent,
            "reported_at": iso(uow, now),
        }, unit=task.lead_unit)
        if completes:
            task.completed_at = now
            uow.record("task.completed", code, {
                "code": code, "lead_unit": task.lead_unit, "due_at": iso(uow, task.due_at),
                "completed_at": iso(uow, now), "timeliness": domain.timeliness(task.due_at, now),
                "assignee": task.assignee,
            }, unit=task.lead_unit)
        uow.commit()
        return with_state(task, now)
