"""The data of each event type, one marshmallow schema each (the catalog in `catalog.py` names them).

Events carry codes, never a citizen's name, phone, e-mail or ID number.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from shared.events.vocabulary import (
    DEADLINE_CHANGE_REASONS,
    EVALUATION_LEVELS,
    EXPLANATION_SUBJECTS,
    FEEDBACK_STAGES,
    LATE_REASONS,
    PLAN_PERIODS,
    SANCTION_FORMS,
    SANCTION_STEPS,
    TIMELINESS,
    VIOLATION_SOURCES,
)


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
    due_at = fields.AwareDateTime(required=True, metadata={
        "description": "legal due instant, the measure of timeliness (an apology never moves it)"})
    completed_at = fields.AwareDateTime(required=True)
    timeliness = fields.String(required=True, validate=validate.OneOf(TIMELINESS),
                               metadata={"description": "against the legal due instant `due_at`"})
    promised_at = _opt(fields.AwareDateTime, metadata={
        "description": "the new return date the unit's apology promised, if it apologised"})
    promise_kept = _opt(fields.Boolean, metadata={
        "description": "finished by the promised date; null without an apology"})
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
    apologised = fields.Boolean(load_default=False, metadata={
        "description": "the unit apologised with a new return date before the legal due instant"})


class DossierApologyMissed(EventData):
    """A dossier passed its legal due instant without its unit's apology: in itself a breach of the
    one-stop rules (Decree 61/2018/ND-CP art. 19; Form 04 of Circular 01/2018/TT-VPCP), besides the lateness."""

    code = _code()
    procedure_code = _code()
    unit = _code(metadata={"description": "unit at fault, whose head should have signed the apology"})
    due_at = fields.AwareDateTime(required=True, metadata={"description": "legal due instant"})
    detected_at = fields.AwareDateTime(required=True)
    step = _opt(metadata={"description": "step in progress at the deadline"})
    official = _opt(metadata={"description": "official holding the dossier at the deadline"})


class DossierPromiseBroken(EventData):
    """An apologised dossier passed the new return date its apology promised: a second failure."""

    code = _code()
    procedure_code = _code()
    unit = _code()
    due_at = fields.AwareDateTime(required=True, metadata={"description": "legal due instant"})
    promised_at = fields.AwareDateTime(required=True, metadata={"description": "date the apology promised"})
    detected_at = fields.AwareDateTime(required=True)
    step = _opt()
    official = _opt()


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
    previous_due_at = fields.AwareDateTime(required=True, metadata={
        "description": "the legal due instant, which stays the measure of lateness"})
    due_at = fields.AwareDateTime(required=True, metadata={
        "description": "the new return instant promised (a second promise; set once)"})
    reason = fields.String(required=True)
    official = _opt(metadata={"description": "official holding the dossier"})
    step = _opt()
    signed_by = _opt(metadata={"description": "official code of the head who signed the letter (Form 04)"})
    automatic = fields.Boolean(load_default=False, metadata={
        "description": "archived events only: issued by the platform itself before the apology rule was "
                       "corrected; never true now"})


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
    rule_source = _opt(metadata={"description": "the rule's legal source (document, article) or \"local policy\""})
    rule_set_verified = fields.Boolean(load_default=True, metadata={
        "description": "false while the rule set's source is not confirmed by an operator"})


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
    discovered_at = _opt(fields.AwareDateTime, metadata={
        "description": "when the violation was discovered: the handling time limit counts from it"})


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
    form = fields.String(required=True, validate=validate.OneOf(SANCTION_FORMS))
    rule_set = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)
    in_force_until = fields.Date(required=True, metadata={"description": "12 months from `effective_on`"})
    effective_on = _opt(fields.Date, metadata={
        "description": "the day the decision takes effect (may differ from the signing day)"})
    rule_source = _opt(metadata={"description": "the legal source of the form decided (document, article)"})
    rule_set_verified = fields.Boolean(load_default=True)
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


class FeedbackHandled(EventData):
    """A step of handling: forwarded to the competent unit, refused or sent back (with a reason), a
    clarification asked of the reporter, answered, published."""

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
    survey_round = _opt(metadata={"description": "code of the monthly survey round that invited this rating"})


class SurveyRoundOpened(EventData):
    """A unit's monthly satisfaction survey (seed 000): a sample of the month's returned dossiers whose
    citizens were invited to rate through their rating tokens."""

    code = _code(metadata={"description": "survey round code"})
    unit = _code()
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"),
                           metadata={"description": "month surveyed, 2026-11"})
    opened_at = fields.AwareDateTime(required=True)
    returned = fields.Integer(required=True, metadata={"description": "dossiers returned in the month"})
    invited = fields.Integer(required=True, metadata={"description": "citizens invited (the sample)"})


class PlanSubmitted(EventData):
    """An official's work plan for a week, a month or a quarter (seed 000 §1; seed 003 II.3.c)."""

    code = _code(metadata={"description": "plan code"})
    official = _code()
    unit = _code()
    period_kind = fields.String(required=True, validate=validate.OneOf(PLAN_PERIODS))
    period = fields.String(required=True, metadata={"description": "2026-W48, 2026-11 or 2026-Q4"})
    items = fields.Integer(required=True, metadata={"description": "planned items"})
    submitted_at = fields.AwareDateTime(required=True)


class PlanSelfAssessed(EventData):
    """The official assessed their own plan at the end of its period."""

    code = _code(metadata={"description": "plan code"})
    official = _code()
    unit = _code()
    period_kind = fields.String(required=True, validate=validate.OneOf(PLAN_PERIODS))
    period = fields.String(required=True)
    items = fields.Integer(required=True)
    done = fields.Integer(required=True, metadata={"description": "items done"})
    done_on_time = fields.Integer(required=True, metadata={"description": "items done by their planned date"})
    level = fields.String(required=True, validate=validate.OneOf(EVALUATION_LEVELS),
                          metadata={"description": "the level the official proposes for themself"})
    assessed_at = fields.AwareDateTime(required=True)


class MisconductReported(EventData):
    code = _code(metadata={"description": "tracking code of the feedback"})
    kind = fields.String(required=True, validate=validate.OneOf(["harassment", "extortion", "deliberate_delay",
                                                                 "other"]))
    unit = _code(metadata={"description": "unit concerned"})
    official = _opt(metadata={"description": "official named, if any"})
    dossier_code = _opt()
    received_at = fields.AwareDateTime(required=True)
