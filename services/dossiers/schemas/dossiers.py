"""Schemas of dossiers: receipt, reading, the deadline explained, the operators' announcements."""

from marshmallow import Schema, fields, post_load, validate

from services.dossiers.domain import dossier as rules
from services.dossiers.domain.overrides import LABEL_MAX, OVERRIDE_KINDS
from services.dossiers.schemas import CODE, WorkingDays
from services.dossiers.use_cases.calendar import AnnounceDay
from services.dossiers.use_cases.intake import ApplicantDetails, ReceiveDossier
from shared.web import LocalDateTime, PageArgs, page_schema
from shared.web.schemas import DecimalNumber, StrictBoolean


class ApplicantIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=500),
                         metadata={"description": "citizen's or business's name"})
    phone = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^\+?[0-9 .-]{6,20}$", error="not a phone number"))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @post_load
    def command(self, data, **_kwargs) -> ApplicantDetails:
        return ApplicantDetails(**data)


class ApplicantOut(Schema):
    name = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class DossierIn(Schema):
    code = fields.String(load_default=None, validate=CODE,
                         metadata={"description": "dossier code; a new HS-YYYYMM-XXXXXX code when omitted"})
    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"description": "unit that handles the dossier"})
    received_at = fields.AwareDateTime(load_default=None, metadata={
        "description": "when the desk received it, with a timezone offset; now when omitted"})
    assignee = fields.String(data_key="handler", load_default=None, allow_none=True,
                             validate=validate.Length(min=1, max=64),
                             metadata={"description": "official code of the receiving official"})
    channel = fields.String(load_default="direct", validate=validate.OneOf(rules.HTTP_CHANNELS))
    applicant = fields.Nested(ApplicantIn, required=True, metadata={
        "description": "personal data: kept in this service only, never in an event"})

    @post_load
    def command(self, data, **_kwargs) -> ReceiveDossier:
        return ReceiveDossier(**data)


class DossierOut(Schema):
    code = fields.String()
    status = fields.String(metadata={
        "description": "received (open, clock running), awaiting_supplement (open, clock stopped), completed "
                       "(result ready), returned, refused, withdrawn or stopped"})
    status_label = fields.Function(lambda dossier: rules.STATUS_LABELS_VI.get(dossier.status, dossier.status),
                                   metadata={"description": "the status in Vietnamese"})
    procedure_code = fields.String()
    unit = fields.String()
    assignee = fields.String(data_key="handler", allow_none=True)
    channel = fields.String()
    received_at = LocalDateTime()
    counting_starts_at = LocalDateTime(metadata={"description": "when the legal time started counting"})
    processing_days = WorkingDays()
    due_at = LocalDateTime(metadata={
        "description": "legal due instant (ngày hẹn trả of the receipt), the measure of timeliness; an apology "
                       "never moves it"})
    promised_at = LocalDateTime(allow_none=True, metadata={
        "description": "the new return date the unit's apology promised (a second promise); null without one"})
    promise_kept = fields.Boolean(allow_none=True, metadata={
        "description": "finished by the promised date; null without an apology or while open"})
    timeliness = fields.String(attribute="standing.timeliness", allow_none=True, metadata={
        "description": "completed: early, on_time or late; open: within_deadline or overdue; null when it "
                       "ended without a result (refused, withdrawn, stopped)"})
    overdue_since = LocalDateTime(allow_none=True, attribute="standing.overdue_since")
    completed_at = LocalDateTime(allow_none=True)
    rules_version = fields.String(metadata={"description": "calendar rules that computed due_at"})
    applicant = fields.Nested(ApplicantOut, allow_none=True, attribute="shown_applicant", metadata={
        "description": "only for officers and heads of the unit, the office and admins"})
    current_step = fields.String(allow_none=True, metadata={"description": "step in progress (control sheet)"})
    current_official = fields.String(allow_none=True, metadata={"description": "official holding the dossier"})
    current_unit = fields.String(allow_none=True, metadata={"description": "unit doing the step, when not `unit`"})
    supplements = fields.Integer(metadata={"description": "supplement requests made (the law allows one)"})
    paused_since = LocalDateTime(allow_none=True, metadata={"description": "clock stopped for the citizen since"})
    late_reason = fields.String(allow_none=True, metadata={
        "description": "second_supplement when counted late whatever the dates; overran when finished late"})
    sent_back = fields.Integer(metadata={"description": "times sent back to the citizen"})
    returned_for_fault = fields.Integer(metadata={"description": "of which through officials' own fault"})
    apology_due_since = LocalDateTime(allow_none=True, attribute="apology_due_at", metadata={
        "description": "when the unit was chased for its apology (one working day before the legal deadline)"})
    ended_at = LocalDateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)


class MyDossierOut(DossierOut):
    remaining_hours = DecimalNumber(metadata={"description": "working hours left (negative: overdue)"})
    remaining_days = DecimalNumber(metadata={"description": "working days left (negative: overdue)"})


MyDossierPage = page_schema(MyDossierOut, "MyDossierPage")


class DossierQuery(PageArgs):
    unit = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(rules.STATUSES))
    overdue = StrictBoolean(load_default=None, metadata={
        "description": "true: open dossiers past their due time; false: all others"})


DossierPage = page_schema(DossierOut, "DossierPage")


class DayOut(Schema):
    day = fields.String()
    counted_hours = fields.Float()
    working = fields.Boolean()
    reason = fields.String(allow_none=True)
    label_vi = fields.String()
    label_en = fields.String()


class SkippedDayOut(Schema):
    day = fields.String()
    reason = fields.String(metadata={
        "description": "saturday, sunday, holiday, operator_day_off, or after_cutoff for the day of receipt"})
    label_vi = fields.String()
    label_en = fields.String()


class DeadlineOut(Schema):
    code = fields.String()
    procedure_code = fields.String()
    processing_days = WorkingDays()
    received_at = fields.String()
    counting_starts_at = fields.String()
    cutoff_applied = fields.Boolean(metadata={"description": "received after the cut-off (15:00)"})
    budget_days = WorkingDays()
    budget_hours = DecimalNumber()
    due_at = LocalDateTime(metadata={"description": "due instant under the current calendar rules"})
    days = fields.List(fields.Nested(DayOut), metadata={"description": "each day from counting start to due"})
    rules_version = fields.String()
    skipped_days = fields.List(fields.Nested(SkippedDayOut), metadata={
        "description": "days from receipt to the due date that did not count, and why"})
    recorded_due_at = LocalDateTime(metadata={"description": "due instant recorded on the dossier"})
    recorded_rules_version = fields.String()
    base_due_at = LocalDateTime(metadata={"description": "the legal time alone, before any pause"})
    promised_at = LocalDateTime(allow_none=True, metadata={
        "description": "the apology's new return date (moved by later pauses); it does not move due_at"})
    status = fields.String()
    overrides = fields.List(fields.Nested(lambda: OverrideOut()), metadata={
        "description": "operators' announcements between receipt and the due date"})
    pauses = fields.List(fields.Nested(lambda: DeadlinePauseOut()), metadata={
        "description": "the clock stopped for the citizen's supplement"})
    paused_hours = DecimalNumber(metadata={"description": "working hours the pauses added to the deadline"})
    apology = fields.Nested(lambda: DeadlineApologyOut(), allow_none=True)


class DeadlinePauseOut(Schema):
    number = fields.Integer()
    requested_at = LocalDateTime()
    resumed_at = LocalDateTime(allow_none=True)
    reasons = fields.List(fields.String())
    paused_hours = DecimalNumber()
    moved_due_at = fields.Boolean(metadata={"description": "whether this pause moved the due date"})
    label_vi = fields.String()


class DeadlineApologyOut(Schema):
    issued_at = LocalDateTime()
    previous_due_at = LocalDateTime(metadata={"description": "the legal due instant when it was issued"})
    new_due_at = LocalDateTime(metadata={"description": "the new return date promised"})
    reason = fields.String()
    signed_by = fields.String(allow_none=True, metadata={"description": "the head who signed the letter"})
    signer_name = fields.String(allow_none=True)
    automatic = fields.Boolean(metadata={
        "description": "written by the platform itself before the rule was corrected (archived only)"})



# -- working-time overrides -------------------------------------------------------------------------

class OverrideIn(Schema):
    day = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(OVERRIDE_KINDS), metadata={
        "description": "day_off (a working day made off) or working_day (a day off made working)"})
    label = fields.String(required=True, validate=validate.Length(min=1, max=LABEL_MAX), metadata={
        "description": "the announcement in Vietnamese, e.g. Nghỉ bù Quốc khánh"})

    @post_load
    def command(self, data, **_kwargs) -> AnnounceDay:
        return AnnounceDay(**data)


class OverrideOut(Schema):
    day = fields.Date()
    kind = fields.String()
    label = fields.String()
    created_at = LocalDateTime()
    created_by = fields.String(allow_none=True)
    deadlines_moved = fields.Integer(metadata={"description": "running deadlines this change moved"})


class OverrideQuery(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=1900, max=2200))

