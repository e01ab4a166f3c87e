"""Inbound events of the discipline service → use cases."""

from __future__ import annotations

from services.discipline import service
from shared.events import catalog
from shared.events.envelope import Event
from shared.uow import UnitOfWork


def on_dossier_overdue(event: Event, uow: UnitOfWork) -> None:
    """A dossier passed its due time: explanations from the official and the unit's head, then the
    sanction rules. The consumer has checked the data against the catalog; this turns it into values."""
    data = catalog.read("dossier.overdue", event.data)
    service.record_overdue(
        uow,
        subject=data["code"],
        unit=data["unit"],
        due_at=data["due_at"],
        detected_at=data["detected_at"],
        official=data.get("official") or None,
        step=data.get("step"),
        event_id=event.id,
    )


def on_task_overdue(event: Event, uow: UnitOfWork) -> None:
    """A task passed its deadline: the head of the lead unit explains (and the assignee, when named)."""
    data = catalog.read("task.overdue", event.data)
    service.record_overdue(
        uow,
        subject=data["code"],
        unit=data["lead_unit"],
        due_at=data["due_at"],
        detected_at=data["detected_at"],
        official=data.get("assignee") or None,
        event_id=event.id,
        subject_type="task",
        title=data["title"],
    )


def on_misconduct_reported(event: Event, uow: UnitOfWork) -> None:
    """A citizen reported harassment, extortion or a deliberate delay: inspectors verify it."""
    data = catalog.read("misconduct.reported", event.data)
    service.open_verification(uow, report=data["code"], kind=data["kind"], unit=data["unit"],
                              official=data.get("official"), dossier_code=data.get("dossier_code"),
                              reported_at=data["received_at"])


def on_feedback_overdue(event: Event, uow: UnitOfWork) -> None:
    """Feedback left unhandled past a legal deadline: the head of the unit handling it explains (and the
    official, when the feedback service names one)."""
    data = catalog.read("feedback.overdue", event.data)
    if not data.get("unit"):
        return  # feedback naming no unit is the office's to route; there is no head to ask
    service.record_overdue(
        uow,
        subject=data["code"],
        unit=data["unit"],
        due_at=data["due_at"],
        detected_at=data["detected_at"],
        official=data.get("official") or None,
        event_id=event.id,
        subject_type="feedback",
        title=data["stage"],
    )


def on_dossier_completed(event: Event, uow: UnitOfWork) -> None:
    """A dossier finished late: the official of the step that overran and the unit's head explain, by the
    same path as an overdue dossier. When the deadline sweep already asked them for this dossier and due
    time, the unique key of the requests makes this a no-op; finished early or on time: nothing to do."""
    data = catalog.read("dossier.completed", event.data)
    if data["timeliness"] != "late":
        return
    service.record_overdue(
        uow,
        subject=data["code"],
        unit=data.get("responsible_unit") or data["unit"],
        due_at=data["due_at"],
        detected_at=data["completed_at"],
        official=data.get("responsible_official") or None,
        step=data.get("responsible_step"),
        event_id=event.id,
    )
