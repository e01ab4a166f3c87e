"""Extensions: the lead unit asks, before the deadline in force, to move it; the assigner decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.tasks import domain, store
from services.tasks.models import Extension
from services.tasks.use_cases import iso, load
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class RequestExtension:
    requested_due_at: datetime
    reason: str


@dataclass(frozen=True)
class DecideExtension:
    approved: bool
    reason: str | None = None  # required when refusing


def request_extension(uow: UnitOfWork, code: str, command: RequestExtension, principal: Principal) -> Extension:
    """The lead unit asks, before the deadline in force, to move it; the assigner decides."""
    with uow:
        now = uow.now()
        task = load(uow, code, for_update=True)
        if principal.unit != task.lead_unit or not principal.has_any(("officer", "head")):
            raise Forbidden(f"only an officer or the head of the lead unit {task.lead_unit!r} may ask to extend "
                            f"task {code}; your token is for unit {principal.unit!r}",
                            {"unit": [f"must be {task.lead_unit!r}"]})
        pending = store.has_pending_extension(uow.session, code)
        domain.check_extension_request(task.due_at, task.completed_at, command.requested_due_at, pending, now)
        extension = Extension(task_code=code, previous_due_at=task.due_at, requested_due_at=command.requested_due_at,
                              reason=command.reason, requested_at=now, requested_by=principal.sub,
                              status=domain.EXTENSION_REQUESTED)
        uow.session.add(extension)
        uow.record("task.extension_requested", code, {
            "code": code, "lead_unit": task.lead_unit, "due_at": iso(uow, task.due_at),
            "requested_due_at": iso(uow, command.requested_due_at), "reason": command.reason,
        }, unit=task.lead_unit)
        uow.commit()
        return extension


def decide_extension(uow: UnitOfWork, code: str, extension_id: int, command: DecideExtension,
                     principal: Principal) -> Extension:
    """The assigner (or the office) approves or refuses; approval moves the deadline, so the task is
    judged against the new one and its reminders and overdue alert follow the new deadline."""
    with uow:
        now = uow.now()
        task = load(uow, code, for_update=True)
        extension = uow.session.get(Extension, extension_id)
        if extension is None or extension.task_code != code:
            raise NotFound(f"task {code} has no extension request {extension_id}")
        if principal.sub != task.assigned_by and not principal.has_any(("office", "admin")):
            raise Forbidden(f"only the assigner {task.assigned_by!r} or the office decides on extensions of "
                            f"task {code}", {"sub": [f"your token is for {principal.sub!r}"]})
        if extension.status != domain.EXTENSION_REQUESTED:
            raise Conflict(f"extension request {extension_id} was already {extension.status}")
        if not command.approved and not (command.reason or "").strip():
            raise InvalidInput("a refusal must say why", {"reason": ["required when refusing"]})
        extension.status = domain.EXTENSION_APPROVED if command.approved else domain.EXTENSION_REFUSED
        extension.decided_at = now
        extension.decided_by = principal.sub
        extension.decision_reason = command.reason
        if command.approved:
            task.due_at = extension.requested_due_at
            # Reminder markers are keyed by deadline, so the new deadline's points fire afresh; the
            # overdue watch goes back on for it.
            task.overdue_alerted_due_at = None
        uow.record("task.extension_decided", code, {
            "code": code, "lead_unit": task.lead_unit, "approved": command.approved,
            "due_at": iso(uow, task.due_at), "reason": command.reason,
        }, unit=task.lead_unit)
        uow.commit()
        return extension
