"""Inbound events of the discipline service → use cases.

The consumer has loaded each event's data with its catalog schema: handlers read `event.values` (typed
values, defaults filled) and call one use case.
"""

from __future__ import annotations

from services.discipline.use_cases.late_facts import prepare_late_batch, record_apology_missed, record_overdue
from services.discipline.use_cases.misconduct import open_verification
from shared.consumer import Handlers
from shared.events.envelope import Event
from shared.uow import UnitOfWork

# Discipline's handlers read through ORM queries (which flush what is pending first): in a batch their rows
# are written together, at the next query or the commit, not at the end of each event.
events = Handlers(flush_each_event=False)


@events.on("dossier.overdue")
def on_dossier_overdue(event: Event, uow: UnitOfWork) -> None:
    """A dossier passed its legal due time (apologised or not: an apology excuses nothing): explanations
    from the official and the unit's head, then the sanction rules."""
    data = event.values
    record_overdue(uow, subject=data["code"], unit=data["unit"], due_at=data["due_at"],
                   detected_at=data["detected_at"], official=data.get("official") or None, step=data.get("step"),
                   event_id=event.id)


@events.on("task.overdue")
def on_task_overdue(event: Event, uow: UnitOfWork) -> None:
    """A task passed its deadline: the head of the lead unit explains (and the assignee, when named)."""
    data = event.values
    record_overdue(uow, subject=data["code"], unit=data["lead_unit"], due_at=data["due_at"],
                   detected_at=data["detected_at"], official=data.get("assignee") or None, event_id=event.id,
                   subject_type="task", title=data["title"])


@events.on("misconduct.reported")
def on_misconduct_reported(event: Event, uow: UnitOfWork) -> None:
    """A citizen reported harassment, extortion or a deliberate delay: inspectors verify it."""
    data = event.values
    open_verification(uow, report=data["code"], kind=data["kind"], unit=data["unit"], official=data.get("official"),
                      dossier_code=data.get("dossier_code"), reported_at=data["received_at"])


@events.on("feedback.overdue")
def on_feedback_overdue(event: Event, uow: UnitOfWork) -> None:
    """Feedback left unhandled past a legal deadline: the head of the unit handling it explains (and the
    official, when the feedback service names one)."""
    data = event.values
    if not data.get("unit"):
        return  # feedback naming no unit is the office's to route; there is no head to ask
    record_overdue(uow, subject=data["code"], unit=data["unit"], due_at=data["due_at"],
                   detected_at=data["detected_at"], official=data.get("official") or None, event_id=event.id,
                   subject_type="feedback", title=data["stage"])


@events.on("dossier.completed")
def on_dossier_completed(event: Event, uow: UnitOfWork) -> None:
    """A dossier finished late: the official of the step that overran and the unit's head explain, by the
    same path as an overdue dossier. When the deadline sweep already asked them for this dossier and due
    time, the unique key of the requests makes this a no-op; finished early or on time: nothing to do."""
    data = event.values
    if data["timeliness"] != "late":
        return
    unit = data.get("responsible_unit") or data["unit"]
    official = data.get("responsible_official") or None
    record_overdue(uow, subject=data["code"], unit=unit, due_at=data["due_at"], detected_at=data["completed_at"],
                   official=official, step=data.get("responsible_step"), event_id=event.id)
    if data.get("promise_kept") is False and data.get("promised_at"):
        # Finished after the date its apology promised: the same second failure as dossier.promise_broken
        # (once per dossier, whichever arrives first).
        record_overdue(uow, subject=data["code"], unit=unit, due_at=data["promised_at"],
                       detected_at=data["completed_at"], official=official, step=data.get("responsible_step"),
                       event_id=event.id, subject_type="promise", legal_due_at=data["due_at"])


@events.on("dossier.apology_missed")
def on_dossier_apology_missed(event: Event, uow: UnitOfWork) -> None:
    """A dossier passed its legal due time without an apology: the head in office that day, who signs
    apologies, explains and answers for it (a violation of its own)."""
    data = event.values
    record_apology_missed(uow, subject=data["code"], unit=data["unit"], due_at=data["due_at"],
                          detected_at=data["detected_at"], step=data.get("step"))


@events.on("dossier.promise_broken")
def on_dossier_promise_broken(event: Event, uow: UnitOfWork) -> None:
    """An apologised dossier passed its promised date: a second late fact of the dossier, explained by the
    official and the head and counted toward the late-dossier thresholds."""
    data = event.values
    record_overdue(uow, subject=data["code"], unit=data["unit"], due_at=data["promised_at"],
                   detected_at=data["detected_at"], official=data.get("official") or None, step=data.get("step"),
                   event_id=event.id, subject_type="promise", legal_due_at=data["due_at"])



@events.before_batch
def read_late_subjects(uow: UnitOfWork, batch: list[Event]) -> None:
    """A batch of late dossiers: what the handlers will look up about them, read once for the batch."""
    late = [e.values for e in batch if e.type in ("dossier.overdue", "dossier.apology_missed")]
    prepare_late_batch(uow, overdue={e.values["code"] for e in batch if e.type == "dossier.overdue"},
                       apology_missed={e.values["code"] for e in batch if e.type == "dossier.apology_missed"},
                       units={(data["unit"], data["due_at"]) for data in late},
                       officials={data["official"] for data in late if data.get("official")})
