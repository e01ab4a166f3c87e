"""Inbound events of the discipline service → use cases."""

from __future__ import annotations

from marshmallow import EXCLUDE, ValidationError

from services.discipline import service
from shared.errors import InvalidInput
from shared.events.catalog import CATALOG
from shared.events.envelope import Event
from shared.uow import UnitOfWork


def on_dossier_overdue(event: Event, uow: UnitOfWork) -> None:
    """A dossier passed its due time: explanations from the official and the unit's head, then the
    sanction rules. The consumer has checked the data against the catalog; this turns it into values."""
    try:
        data = CATALOG["dossier.overdue"].schema(unknown=EXCLUDE).load(event.data)
    except ValidationError as exc:
        raise InvalidInput("dossier.overdue data cannot be read", exc.normalized_messages()) from exc
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
    try:
        data = CATALOG["task.overdue"].schema(unknown=EXCLUDE).load(event.data)
    except ValidationError as exc:
        raise InvalidInput("task.overdue data cannot be read", exc.normalized_messages()) from exc
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
    try:
        data = CATALOG["misconduct.reported"].schema(unknown=EXCLUDE).load(event.data)
    except ValidationError as exc:
        raise InvalidInput("misconduct.reported data cannot be read", exc.normalized_messages()) from exc
    service.open_verification(uow, report=data["code"], kind=data["kind"], unit=data["unit"],
                              official=data.get("official"), dossier_code=data.get("dossier_code"),
                              reported_at=data["received_at"])


def on_feedback_overdue(event: Event, uow: UnitOfWork) -> None:
    """Feedback left unhandled past a legal deadline: the head of the unit handling it explains (and the
    official, when the feedback service names one)."""
    try:
        data = CATALOG["feedback.overdue"].schema(unknown=EXCLUDE).load(event.data)
    except ValidationError as exc:
        raise InvalidInput("feedback.overdue data cannot be read", exc.normalized_messages()) from exc
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
