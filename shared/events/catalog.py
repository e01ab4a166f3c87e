"""The event catalog: one marshmallow schema per event type, the single source of `docs/events.md`.

Producers validate strictly (an unknown field is a bug in the producer); consumers validate leniently
(unknown fields are ignored, so producers can evolve by adding optional fields). A breaking change is a
new type. Events carry codes, never a citizen's name, phone, e-mail or ID number.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

TIMELINESS = ("early", "on_time", "late")
# A dossier is late because a step overran its budget, or because a second supplement was requested
# (the 766 method counts it late whatever the dates say).
LATE_REASONS = ("overran", "second_supplement")
DOSSIER_ENDS = ("returned", "refused", "withdrawn", "stopped")
EXPLANATION_SUBJECTS = ("dossier", "task", "feedback", "misconduct", "inspection")
DEADLINE_CHANGE_REASONS = ("calendar_changed", "supplement_received", "apology")


class EventData(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


def _code(**kw):
    return fields.String(required=True, validate=validate.Length(min=1, max=64), **kw)


def _opt(field_cls=fields.String, **kw):
    return field_cls(required=False, allow_none=True, load_default=None, **kw)


# --- directory (owned by discipline) -------------------------------------------------------------

class UnitUpserted(EventData):
    code = _code(metadata={"description": "unit code"})
    name = fields.String(required=True, metadata={"description": "Vietnamese name"})
    parent = _opt(metadata={"description": "parent unit code; null for the root"})
    kind = fields.String(required=True, metadata={"description": "province, department, ward, commune, …"})


class OfficialUpserted(EventData):
    code = _code()
    name = fields.String(required=True, metadata={"description": "official's name (not a citizen)"})
    unit = _code()
    position = _opt()
    category = fields.String(required=True, validate=validate.OneOf(["can_bo", "cong_chuc", "vien_chuc"]))
    is_leader = fields.Boolean(load_default=False)


class HeadAssigned(EventData):
    unit = _code()
    official = _code()
    role = fields.String(load_default="head", validate=validate.OneOf(["head", "deputy"]))
    since = fields.Date(required=True)
    until = _opt(fields.Date)


# --- dossiers -------------------------------------------------------------------------------------

class DossierReceived(EventData):
    code = _code(metadata={"description": "dossier code (mã hồ sơ)"})
    procedure_code = _code()
    unit = _code(metadata={"description": "unit that handles the dossier"})
    received_at = fields.AwareDateTime(required=True)
    handler = _opt(metadata={"description": "official code of the receiving official"})
    due_at = _opt(fields.AwareDateTime, metadata={"description": "promised return instant (set by dossiers)"})
    processing_days = _opt(fields.Decimal, as_string=True)
    channel = _opt(validate=validate.OneOf(["direct", "online", "post", "external"]))


class DossierCompleted(EventData):
    code = _code()
    procedure_code = _code()
    unit = _code()
    received_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)
    completed_at = fields.AwareDateTime(required=True)
    timeliness = fields.String(required=True, validate=validate.OneOf(TIMELINESS))
    handler = _opt()
    responsible_step = _opt(metadata={"description": "step that overran, when late"})
    responsible_official = _opt()
    responsible_unit = _opt()
    late_reason = _opt(validate=validate.OneOf(LATE_REASONS),
                       metadata={"description": "why it is late: a step overran, or a second supplement request"})
    supplements = fields.Integer(load_default=0, metadata={"description": "supplement requests made"})
    paused_days = _opt(fields.Decimal, as_string=True,
                       metadata={"description": "working days the clock stood still for the citizen"})
    returned_for_fault = fields.Integer(load_default=0, metadata={
        "description": "times sent back to the citizen through officials' own fault"})


class DossierOverdue(EventData):
    code = _code()
    procedure_code = _code()
    unit = _code(metadata={"description": "unit at fault"})
    received_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)
    detected_at = fields.AwareDateTime(required=True)
    step = _opt(metadata={"description": "step in progress at the deadline"})
    official = _opt(metadata={"description": "official holding the dossier at the deadline"})


class DossierHandedOver(EventData):
    """One line of the process control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ)."""

    code = _code()
    unit = _code(metadata={"description": "unit that handles the dossier"})
    at = fields.AwareDateTime(required=True)
    from_step = _opt(metadata={"description": "step finished by this hand-over"})
    to_step = _opt(metadata={"description": "step started; null when the result is ready"})
    from_official = _opt()
    to_official = _opt()
    to_unit = _opt(metadata={"description": "unit doing the next step, when not the handling unit"})
    step_budget_days = _opt(fields.Decimal, as_string=True, metadata={"description": "budget of from_step"})
    step_used_days = _opt(fields.Decimal, as_string=True, metadata={"description": "working days from_step took"})
    step_on_time = _opt(fields.Boolean, metadata={"description": "from_step finished within its budget"})


class DossierSupplementRequested(EventData):
    code = _code()
    unit = _code()
    at = fields.AwareDateTime(required=True)
    reasons = fields.List(fields.String(validate=validate.Length(min=1)), required=True,
                          validate=validate.Length(min=1))
    official = _opt()
    request_number = fields.Integer(required=True, metadata={"description": "1 for the first request, 2 …"})
    counts_as_late = fields.Boolean(required=True, metadata={"description": "a second request: counted late"})


class DossierSupplementReceived(EventData):
    code = _code()
    unit = _code()
    at = fields.AwareDateTime(required=True)
    paused_days = fields.Decimal(required=True, as_string=True,
                                 metadata={"description": "working days the clock stood still"})
    due_at = fields.AwareDateTime(required=True, metadata={"description": "the due instant after the pause"})


class DossierMarkedLate(EventData):
    code = _code()
    unit = _code()
    at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(LATE_REASONS))
    official = _opt()


class DossierDeadlineChanged(EventData):
    code = _code()
    unit = _code()
    previous_due_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(DEADLINE_CHANGE_REASONS))
    rules_version = _opt(metadata={"description": "calendar rules version used for the new due instant"})


class DossierApologyIssued(EventData):
    code = _code()
    unit = _code(metadata={"description": "unit at fault that apologises"})
    issued_at = fields.AwareDateTime(required=True)
    previous_due_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True, metadata={"description": "the new promised return instant"})
    reason = fields.String(required=True)
    official = _opt(metadata={"description": "official holding the dossier"})
    step = _opt()
    automatic = fields.Boolean(load_default=False, metadata={
        "description": "issued by the platform at the legal latest point because the unit had not"})


class DossierDueSoon(EventData):
    code = _code()
    unit = _code()
    due_at = fields.AwareDateTime(required=True)
    point = fields.String(required=True, metadata={"description": "warning point, e.g. `75%` or `1d`"})
    detected_at = fields.AwareDateTime(required=True)
    step = _opt()
    official = _opt()


class DossierEnded(EventData):
    """A dossier left the process other than by its result being ready: returned (result handed to the
    citizen), refused, withdrawn by the citizen, or stopped."""

    code = _code()
    unit = _code()
    procedure_code = _opt()
    at = fields.AwareDateTime(required=True)
    reason = _opt(metadata={"description": "required for refused and stopped"})
    official = _opt()


class DossierSentBack(EventData):
    """The dossier was sent back to the citizen (trả lại hồ sơ); officials' own fault is counted."""

    code = _code()
    unit = _code()
    at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True)
    officials_fault = fields.Boolean(required=True)
    official = _opt()
    times_for_fault = fields.Integer(required=True, metadata={"description": "count so far, officials' fault"})


# --- discipline -----------------------------------------------------------------------------------

class ExplanationRequested(EventData):
    code = _code(metadata={"description": "explanation request code"})
    subject_type = fields.String(required=True, validate=validate.OneOf(EXPLANATION_SUBJECTS))
    subject = _code(metadata={"description": "code of the late dossier, task or feedback, the report …"})
    official = _code(metadata={"description": "official who must explain"})
    unit = _code()
    role = fields.String(required=True, validate=validate.OneOf(["official", "head"]))
    due_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True)


class SanctionProposed(EventData):
    code = _code()
    official = _code()
    unit = _code()
    rule = fields.String(required=True, metadata={"description": "rule id"})
    rule_set = fields.String(required=True, metadata={"description": "rule set and version"})
    form = fields.String(required=True, metadata={"description": "proposed disciplinary form"})
    facts = fields.List(fields.String(), required=True, metadata={"description": "codes of the facts"})
    joint_liability = fields.Boolean(load_default=False)
    fact_date = _opt(fields.Date, metadata={"description": "date of the fact that chose the rule set"})
    violation = _opt(metadata={"description": "code of the violation behind the proposal"})



class ExplanationSubmitted(EventData):
    code = _code()
    official = _code()
    unit = _code()
    subject_type = fields.String(required=True, validate=validate.OneOf(EXPLANATION_SUBJECTS))
    subject = _code()
    submitted_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)


class ExplanationJudged(EventData):
    code = _code()
    official = _code()
    unit = _code()
    accepted = fields.Boolean(required=True)
    reason = fields.String(required=True)
    judged_by = _code(metadata={"description": "official (head or inspector) who judged"})
    judged_at = fields.AwareDateTime(required=True)


class ExplanationMissed(EventData):
    code = _code()
    official = _code()
    unit = _code()
    subject_type = fields.String(required=True, validate=validate.OneOf(EXPLANATION_SUBJECTS))
    subject = _code()
    due_at = fields.AwareDateTime(required=True)
    detected_at = fields.AwareDateTime(required=True)


VIOLATION_SOURCES = ("dossier", "task", "feedback", "inspection", "explanation", "misconduct")


class ViolationRecorded(EventData):
    code = _code()
    official = _code(metadata={"description": "official responsible"})
    unit = _code()
    responsibility = fields.String(required=True, validate=validate.OneOf(["direct", "joint"]),
                                   metadata={"description": "direct, or joint liability of the head"})
    kind = fields.String(required=True, metadata={"description": "e.g. late_dossier, missed_explanation"})
    source_type = fields.String(required=True, validate=validate.OneOf(VIOLATION_SOURCES))
    source = _code(metadata={"description": "code of the dossier, task, feedback, inspection …"})
    fact_date = fields.Date(required=True)
    recorded_at = fields.AwareDateTime(required=True)


SANCTION_STEPS = ("review", "council", "recommendation", "decision")


class SanctionStepRecorded(EventData):
    proposal = _code()
    official = _code()
    unit = _code()
    step = fields.String(required=True, validate=validate.OneOf(SANCTION_STEPS))
    at = fields.AwareDateTime(required=True)
    on_time = fields.Boolean(required=True, metadata={"description": "within the step's working-day deadline"})
    next_due_at = _opt(fields.AwareDateTime, metadata={"description": "deadline of the next step"})


class SanctionDecided(EventData):
    code = _code(metadata={"description": "decision code"})
    proposal = _code()
    official = _code()
    official_name = _opt(metadata={"description": "public servant's name, for the public list of violators"})
    unit = _code()
    form = fields.String(required=True)
    rule_set = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)
    in_force_until = fields.Date(required=True)
    violation_kind = _opt()


class SanctionDropped(EventData):
    proposal = _code()
    official = _code()
    unit = _code()
    reason = fields.String(required=True, metadata={"description": "e.g. limitation period passed"})
    at = fields.AwareDateTime(required=True)


class InspectionRecorded(EventData):
    code = _code()
    unit = _code(metadata={"description": "unit inspected"})
    kind = fields.String(required=True, validate=validate.OneOf(["periodic", "surprise"]))
    inspected_on = fields.Date(required=True)
    findings = fields.Integer(required=True, metadata={"description": "findings recorded as violations"})


# --- reporting ------------------------------------------------------------------------------------

class RankingEntry(Schema):
    unit = fields.String(required=True)
    rank = fields.Integer(required=True)
    previous_rank = fields.Integer(allow_none=True, load_default=None)
    score = fields.Float(required=True)


class RankingUpdated(EventData):
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}(-\d{2}|-Q[1-4])?$"),
                           metadata={"description": "month 2026-11, quarter 2026-Q4 or year 2026"})
    changed = fields.List(fields.Nested(RankingEntry), required=True)
    units_ranked = fields.Integer(required=True)
    unit_kind = _opt(metadata={"description": "kind of units ranked together (department, ward, …); null: all"})


class ReportIssued(EventData):
    code = _code()
    kind = fields.String(required=True, validate=validate.OneOf(["monthly", "quarterly", "weekly_tasks"]))
    period = fields.String(required=True)
    issued_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True, metadata={"description": "1, then 2 … when re-issued"})


# --- tasks and feedback ---------------------------------------------------------------------------

class TaskAssigned(EventData):
    code = _code()
    title = fields.String(required=True)
    lead_unit = _code()
    co_units = fields.List(fields.String(), load_default=list)
    due_at = _opt(fields.AwareDateTime)
    document = _opt(metadata={"description": "directing document number and symbol, e.g. 01/CT-UBND"})
    assigned_by = _opt()
    assignee = _opt(metadata={"description": "official inside the lead unit, when known"})
    series = _opt(metadata={"description": "code of the recurring task this occurrence belongs to"})


class TaskProgressReported(EventData):
    code = _code()
    lead_unit = _code()
    unit = _code(metadata={"description": "unit that reported (the lead or a co-operating unit)"})
    percent = fields.Integer(required=True, validate=validate.Range(min=0, max=100))
    reported_at = fields.AwareDateTime(required=True)


class TaskCompleted(EventData):
    code = _code()
    lead_unit = _code()
    due_at = _opt(fields.AwareDateTime)
    completed_at = fields.AwareDateTime(required=True)
    timeliness = fields.String(required=True, validate=validate.OneOf(["on_time", "late"]))
    assignee = _opt()


class TaskDueSoon(EventData):
    code = _code()
    lead_unit = _code()
    due_at = fields.AwareDateTime(required=True)
    working_days_before = fields.Integer(required=True, metadata={"description": "the reminder point"})
    assignee = _opt()


class TaskOverdue(EventData):
    code = _code()
    title = fields.String(required=True)
    lead_unit = _code()
    due_at = fields.AwareDateTime(required=True)
    detected_at = fields.AwareDateTime(required=True)
    assignee = _opt()
    document = _opt()


class TaskExtensionRequested(EventData):
    code = _code()
    lead_unit = _code()
    due_at = fields.AwareDateTime(required=True, metadata={"description": "the deadline in force"})
    requested_due_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True)


class TaskExtensionDecided(EventData):
    code = _code()
    lead_unit = _code()
    approved = fields.Boolean(required=True)
    due_at = fields.AwareDateTime(required=True, metadata={"description": "the deadline in force afterwards"})
    reason = _opt()


class FeedbackReceived(EventData):
    code = _code(metadata={"description": "tracking code"})
    channel = fields.String(required=True)
    category = fields.String(required=True)
    unit = _opt()
    official = _opt()
    dossier_code = _opt()
    received_at = fields.AwareDateTime(required=True)
    anonymous = fields.Boolean(load_default=False)


FEEDBACK_STAGES = ("forward", "refuse", "answer", "publish")


class FeedbackHandled(EventData):
    """A step of handling: forwarded to the competent unit, refused (with reason), answered, published."""

    code = _code(metadata={"description": "tracking code"})
    unit = _opt(metadata={"description": "unit handling it after this step"})
    from_unit = _opt(metadata={"description": "for a forward: the unit it came from"})
    at = fields.AwareDateTime(required=True)
    on_time = fields.Boolean(required=True, metadata={"description": "within the step's legal deadline"})
    reason = _opt(metadata={"description": "for a refusal: why (never the reporter's data)"})


class FeedbackDeadline(EventData):
    code = _code(metadata={"description": "tracking code"})
    unit = _opt()
    stage = fields.String(required=True, validate=validate.OneOf(FEEDBACK_STAGES))
    due_at = fields.AwareDateTime(required=True)
    detected_at = fields.AwareDateTime(required=True)
    official = _opt()


class RatingSubmitted(EventData):
    code = _code(metadata={"description": "rating code"})
    subject_type = fields.String(required=True, validate=validate.OneOf(["dossier", "feedback"]))
    subject = _code(metadata={"description": "dossier code or feedback tracking code"})
    unit = _opt()
    overall = fields.Integer(required=True, validate=validate.Range(min=1, max=5),
                             metadata={"description": "5 very satisfied … 1 very dissatisfied"})
    factors = fields.Dict(keys=fields.String(validate=validate.OneOf(
        ["access", "procedure", "officials", "result", "feedback_handling"])),
        values=fields.Integer(validate=validate.Range(min=1, max=5)), load_default=dict,
        metadata={"description": "SIPAS factors rated 1–5"})
    submitted_at = fields.AwareDateTime(required=True)


class MisconductReported(EventData):
    code = _code(metadata={"description": "tracking code of the feedback"})
    kind = fields.String(required=True, validate=validate.OneOf(["harassment", "extortion", "deliberate_delay",
                                                                 "other"]))
    unit = _code(metadata={"description": "unit concerned"})
    official = _opt(metadata={"description": "official named, if any"})
    dossier_code = _opt()
    received_at = fields.AwareDateTime(required=True)


@dataclass(frozen=True)
class EventType:
    name: str
    schema: type[EventData]
    producer: str
    description: str


CATALOG: dict[str, EventType] = {
    t.name: t
    for t in [
        EventType("directory.unit_upserted", UnitUpserted, "discipline", "A unit was created or changed."),
        EventType("directory.official_upserted", OfficialUpserted, "discipline",
                  "An official was created or changed."),
        EventType("directory.head_assigned", HeadAssigned, "discipline",
                  "An official became head (or deputy) of a unit from a date; published again when a "
                  "term's `until` is set."),
        EventType("dossier.received", DossierReceived, "dossiers",
                  "A dossier was received; its legal deadline is running. Also the type external one-stop "
                  "systems publish on `kycuong.ingest`."),
        EventType("dossier.completed", DossierCompleted, "dossiers",
                  "A dossier was finished, early, on time or late; a late one names who overran."),
        EventType("dossier.overdue", DossierOverdue, "dossiers",
                  "An open dossier passed its due time (once per dossier and due date)."),
        EventType("dossier.handed_over", DossierHandedOver, "dossiers",
                  "A dossier passed from one step (and official) to the next: a line of the control sheet."),
        EventType("dossier.supplement_requested", DossierSupplementRequested, "dossiers",
                  "The citizen was asked to supplement the dossier, with reasons; the clock pauses."),
        EventType("dossier.supplement_received", DossierSupplementReceived, "dossiers",
                  "The citizen supplemented the dossier; the clock resumes and the due instant moves."),
        EventType("dossier.marked_late", DossierMarkedLate, "dossiers",
                  "A dossier is counted late whatever its dates (a second supplement request)."),
        EventType("dossier.deadline_changed", DossierDeadlineChanged, "dossiers",
                  "A running dossier's due instant moved (calendar change, supplement, apology)."),
        EventType("dossier.apology_issued", DossierApologyIssued, "dossiers",
                  "The unit at fault apologised to the citizen and set a new return date (once)."),
        EventType("dossier.due_soon", DossierDueSoon, "dossiers",
                  "A warning point before a dossier's deadline was reached (once per dossier, due date, point)."),
        EventType("dossier.returned", DossierEnded, "dossiers", "The result was handed to the citizen."),
        EventType("dossier.refused", DossierEnded, "dossiers", "The dossier was refused, with a reason."),
        EventType("dossier.withdrawn", DossierEnded, "dossiers", "The citizen withdrew the dossier."),
        EventType("dossier.stopped", DossierEnded, "dossiers", "Handling was stopped, with a reason."),
        EventType("dossier.sent_back", DossierSentBack, "dossiers",
                  "The dossier was sent back to the citizen; officials' own fault counted."),
        EventType("explanation.requested", ExplanationRequested, "discipline",
                  "An official or a unit's head was asked to explain a delay."),
        EventType("sanction.proposed", SanctionProposed, "discipline",
                  "A sanction rule's threshold was met; a disciplinary form is proposed."),
        EventType("explanation.submitted", ExplanationSubmitted, "discipline",
                  "An official submitted the explanation asked of them."),
        EventType("explanation.accepted", ExplanationJudged, "discipline",
                  "The head or an inspector accepted an explanation, with a reason."),
        EventType("explanation.rejected", ExplanationJudged, "discipline",
                  "The head or an inspector rejected an explanation, with a reason."),
        EventType("explanation.missed", ExplanationMissed, "discipline",
                  "An explanation was not submitted by its deadline; that is itself a violation."),
        EventType("violation.recorded", ViolationRecorded, "discipline",
                  "A violation was recorded against an official, directly or as the head's joint liability."),
        EventType("sanction.step_recorded", SanctionStepRecorded, "discipline",
                  "A proposal passed a step: review meeting, council, recommendation, decision."),
        EventType("sanction.decided", SanctionDecided, "discipline",
                  "A disciplinary decision was taken; it is in force 12 months."),
        EventType("sanction.dropped", SanctionDropped, "discipline",
                  "A proposal was dropped (limitation period, handling time limit, council's finding)."),
        EventType("inspection.recorded", InspectionRecorded, "discipline",
                  "An inspection of a unit by Home Affairs was recorded with its findings."),
        EventType("ranking.updated", RankingUpdated, "reporting", "A period's ranking of units changed."),
        EventType("report.issued", ReportIssued, "reporting",
                  "A periodic report was issued (or re-issued) for a period; its files do not change after."),
        EventType("task.assigned", TaskAssigned, "tasks", "A task was assigned to a lead unit."),
        EventType("task.progress_reported", TaskProgressReported, "tasks",
                  "The lead or a co-operating unit reported progress on a task."),
        EventType("task.completed", TaskCompleted, "tasks", "A task was completed, on time or late."),
        EventType("task.due_soon", TaskDueSoon, "tasks",
                  "A reminder point before a task's deadline was reached (once per task, deadline and point)."),
        EventType("task.overdue", TaskOverdue, "tasks",
                  "A task passed its deadline without being completed (once per task and deadline)."),
        EventType("task.extension_requested", TaskExtensionRequested, "tasks",
                  "The lead unit asked for a later deadline, with a reason."),
        EventType("task.extension_decided", TaskExtensionDecided, "tasks",
                  "The assigner approved (the deadline moved) or refused an extension."),
        EventType("feedback.received", FeedbackReceived, "feedback",
                  "Feedback was received (no personal data of the reporter)."),
        EventType("feedback.forwarded", FeedbackHandled, "feedback",
                  "Feedback outside the unit's authority was forwarded to the competent unit."),
        EventType("feedback.refused", FeedbackHandled, "feedback", "Feedback was refused, with a reason."),
        EventType("feedback.answered", FeedbackHandled, "feedback", "Feedback was answered."),
        EventType("feedback.published", FeedbackHandled, "feedback", "The answer was published."),
        EventType("feedback.due_soon", FeedbackDeadline, "feedback",
                  "A handling deadline is near (once per feedback, stage and deadline)."),
        EventType("feedback.overdue", FeedbackDeadline, "feedback",
                  "A handling deadline passed unanswered (once per feedback, stage and deadline)."),
        EventType("rating.submitted", RatingSubmitted, "feedback",
                  "A citizen rated a returned dossier or an answered feedback (one rating per token)."),
        EventType("misconduct.reported", MisconductReported, "feedback",
                  "A report of harassment, extortion or deliberate delay about a unit or a named official."),
    ]
}


class UnknownEventType(KeyError):
    pass


@functools.cache
def _schema(event_type: str, strict: bool) -> EventData:
    # Building a marshmallow schema costs more than validating with it: sweeps validate thousands.
    return CATALOG[event_type].schema(unknown=RAISE if strict else EXCLUDE)


# --- the quick "valid" answer ----------------------------------------------------------------------
# A sweep records thousands of events per run, and marshmallow's Schema.load spends most of its ~25 µs
# per event on machinery around the fields (error store, getters, an `And` built per field per call).
# For the field kinds most event types use, a plain check derived once per type from the same schema
# object (its required and allow_none flags, the parser marshmallow uses for instants, the field's own
# validators) answers "valid" in a few µs. It never answers "invalid": when data is not plainly valid, or
# a type uses anything it does not cover, the schema loads the data and names the fields, so every error
# is still marshmallow's. tests/shared/unit/test_shared_event_speedups.py checks both agree on every type.

_ABSENT = object()


class _NotPlain(Exception):
    """The value is not the plain valid case; let marshmallow judge it."""


def _plain_loader(fld: fields.Field) -> Callable[[Any], Any] | None:
    """What `fld.deserialize` returns for a plainly valid, non-null value (raising for anything else), or
    None when this field kind or option is not covered."""
    if fld.pre_load or fld.post_load:
        return None
    kind = type(fld)
    if kind is fields.String:
        def load(value):
            if type(value) is not str:  # bytes are decoded by marshmallow: its call
                raise _NotPlain
            return value
    elif kind is fields.AwareDateTime and fld.format in ("iso", "iso8601") and fld.default_timezone is None:
        def load(value):
            if type(value) is not str:
                raise _NotPlain
            parsed = datetime.fromisoformat(value)  # marshmallow's parser for the "iso" format
            if parsed.tzinfo is None or parsed.tzinfo.utcoffset(parsed) is None:
                raise _NotPlain
            return parsed
    elif kind is fields.Integer and not fld.as_string:
        def load(value):
            if type(value) is not int:  # bools, floats and numeric strings: marshmallow's call
                raise _NotPlain
            return value
    elif kind is fields.Boolean and True in fld.truthy and False in fld.falsy:
        def load(value):
            if type(value) is not bool:
                raise _NotPlain
            return value
    else:
        return None
    if not fld.validators:
        return load
    # The very validators marshmallow runs, combined as it combines them.
    check = validate.And(*fld.validators)

    def load_and_validate(value):
        loaded = load(value)
        check(loaded)
        return loaded
    return load_and_validate


@functools.cache
def _plain_check(event_type: str, strict: bool) -> Callable[[Any], bool] | None:
    """True only for data the type's schema loads without error; None for a type it does not cover."""
    schema = _schema(event_type, strict)
    if any(schema._hooks.values()):  # schema-level pre/post-load or validators: marshmallow only
        return None
    rules = []
    for name, fld in schema.load_fields.items():
        loader = _plain_loader(fld)
        if loader is None:
            return None
        rules.append((fld.data_key if fld.data_key is not None else name, fld.required, fld.allow_none, loader))
    known = frozenset(key for key, *_ in rules)

    def is_plainly_valid(data) -> bool:
        if type(data) is not dict or (strict and not known.issuperset(data)):
            return False
        try:
            for key, required, allow_none, loader in rules:
                value = data.get(key, _ABSENT)
                if value is _ABSENT:
                    if required:
                        return False
                elif value is None:
                    if not allow_none:
                        return False
                else:
                    loader(value)
        except Exception:  # any doubt goes to marshmallow, which gives the verdict
            return False
        return True
    return is_plainly_valid


def validate_data(event_type: str, data: dict, *, strict: bool) -> dict[str, list[str]]:
    """Field errors of `data` for `event_type` ({} when valid).

    strict=True for producers (unknown fields rejected); False for consumers (unknown fields ignored).
    """
    if event_type not in CATALOG:
        raise UnknownEventType(event_type)
    plain = _plain_check(event_type, strict)
    if plain is not None and plain(data):
        return {}
    try:
        _schema(event_type, strict).load(data)
    except ValidationError as exc:
        return exc.normalized_messages()
    return {}


def read(event_type: str, data: dict) -> dict:
    """The event's data as values (datetimes, decimals), for a handler; unknown fields are ignored.
    Data that does not match raises InvalidInput naming the fields, so the message is dead-lettered
    with the reason. Uses the cached schema: handlers run hundreds of times a second."""
    from shared.errors import InvalidInput

    if event_type not in CATALOG:
        raise UnknownEventType(event_type)
    try:
        return _schema(event_type, False).load(data)
    except ValidationError as exc:
        raise InvalidInput(f"{event_type} data cannot be read", exc.normalized_messages()) from exc


def describe_markdown() -> str:
    """docs/events.md, generated: `kycuong events --markdown > docs/events.md`."""
    lines = [
        "# Event catalog",
        "",
        "Generated from `shared/events/catalog.py` by `kycuong events --markdown`; do not edit by hand.",
        "",
        "Every event is a CloudEvents 1.0 structured JSON document (`application/cloudevents+json`) with",
        "`id`, `source` (`/kycuong/<instance>/<service>`), `type` (also the routing key on `kycuong.events`),",
        "`time`, `subject` (the aggregate's code), `data`, and the extensions `unit`, `correlationid`,",
        "`causationid`, `dataversion`. Consumers ignore unknown fields and unknown types.",
        "",
    ]
    for entry in CATALOG.values():
        lines += [f"## `{entry.name}`", "", f"Producer: `{entry.producer}`. {entry.description}", "",
                  "| field | type | required | description |", "|---|---|---|---|"]
        for name, fld in entry.schema().fields.items():
            kind = type(fld).__name__
            if isinstance(fld, fields.List):
                kind = f"List[{type(fld.inner).__name__}]"
            desc = fld.metadata.get("description", "")
            if isinstance(fld.validate, validate.OneOf):
                desc = (desc + " " if desc else "") + "one of " + ", ".join(f"`{c}`" for c in fld.validate.choices)
            lines.append(f"| `{name}` | {kind} | {'yes' if fld.required else 'no'} | {desc} |")
        lines.append("")
    return "\n".join(lines)
