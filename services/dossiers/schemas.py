"""Request and response schemas of the dossiers API."""

from datetime import datetime

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate

from services.dossiers import domain
from shared.errors import InvalidInput
from shared.web import LocalDateTime, PageArgs, page_schema

_code = validate.Regexp(domain.CODE_PATTERN, error=f"use {domain.CODE_RULE}")


class WorkingDays(fields.Decimal):
    """A budget in working days: read as a number or a numeric string, written as a string (1, 0.25),
    so no client turns 0.1 day into 0.1000000000000000055."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return domain.format_days(value)


# -- procedures -------------------------------------------------------------------------------------

class StepIn(Schema):
    key = fields.String(required=True, validate=[validate.Length(min=1, max=64), _code],
                        metadata={"description": "step key, e.g. receive, appraise, approve"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=500),
                         metadata={"description": "Vietnamese name of the step, e.g. Thẩm định"})
    days = WorkingDays(required=True, metadata={"description": "budget of the step in working days (> 0)"})
    performer = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(min=1, max=domain.MAX_PERFORMER), metadata={
                                  "description": "unit or role that does the step, e.g. Bộ phận một cửa"})


class VersionIn(Schema):
    processing_days = WorkingDays(required=True, metadata={
        "description": "legal processing time in working days (> 0; fractions such as 0.5 allowed)"})
    steps = fields.List(fields.Nested(StepIn), load_default=list, metadata={
        "description": "step plan; when given, the step budgets must add up to processing_days"})
    supplements_allowed = fields.Boolean(load_default=True, metadata={
        "description": "whether the unit may ask the citizen to supplement the dossier (the clock pauses)"})
    extensions_allowed = fields.Boolean(load_default=True, metadata={
        "description": "whether the deadline may be extended"})
    legal_basis = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=domain.MAX_LEGAL_BASIS), metadata={
                                    "description": "legal documents setting these terms, e.g. Luật Hộ tịch 2014"})


class NewVersionIn(VersionIn):
    effective_from = fields.Date(required=True, metadata={
        "description": "first local day the new terms apply; after the latest version's start and after the "
                       "last dossier received under the procedure"})


class ProcedureIn(VersionIn):
    code = fields.String(required=True, validate=_code, metadata={
        "description": "procedure code as on the national public service portal (mã TTHC), e.g. 1.001193"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=domain.MAX_NAME))
    level = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(domain.LEVELS)),
                          metadata={"description": "central, province, district or commune (cấp thực hiện)"})
    field = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=domain.MAX_FIELD),
                          metadata={"description": "lĩnh vực, e.g. Hộ tịch"})
    effective_from = fields.Date(load_default=None, metadata={
        "description": "first local day version 1 applies; omitted: in force on every date"})


class StepOut(Schema):
    key = fields.String()
    name = fields.String()
    days = WorkingDays()
    performer = fields.String(allow_none=True)


class VersionOut(Schema):
    version = fields.Integer(metadata={"description": "1, 2, … in order of effective date"})
    effective_from = fields.Date()
    processing_days = WorkingDays()
    supplements_allowed = fields.Boolean()
    extensions_allowed = fields.Boolean()
    legal_basis = fields.String(allow_none=True)
    steps = fields.List(fields.Nested(StepOut))
    created_at = LocalDateTime()


class VersionSummaryOut(Schema):
    version = fields.Integer()
    effective_from = fields.Date()
    processing_days = WorkingDays()


class ProcedureOut(VersionOut):
    code = fields.String()
    name = fields.String()
    level = fields.String(allow_none=True)
    level_label = fields.String(allow_none=True, metadata={"description": "the level in Vietnamese, e.g. Cấp xã"})
    field = fields.String(allow_none=True)
    on = fields.Date(metadata={"description": "the date the version shown was chosen for"})
    in_force = fields.Boolean(metadata={
        "description": "false when the procedure's first version only takes effect after that date"})
    versions = fields.List(fields.Nested(VersionSummaryOut), metadata={"description": "all versions, oldest first"})


ProcedurePage = page_schema(ProcedureOut, "ProcedurePage")


class ProcedureQuery(Schema):
    on = fields.Date(load_default=None, metadata={
        "description": "show the version in force on this local date (default: today)"})


class ProcedureListQuery(PageArgs):
    level = fields.String(load_default=None, validate=validate.OneOf(list(domain.LEVELS)))
    field = fields.String(load_default=None, metadata={"description": "lĩnh vực, exactly as registered"})


# -- dossiers ---------------------------------------------------------------------------------------

class ApplicantIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=500),
                         metadata={"description": "citizen's or business's name"})
    phone = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^\+?[0-9 .-]{6,20}$", error="not a phone number"))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ApplicantOut(Schema):
    name = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class DossierIn(Schema):
    code = fields.String(load_default=None, validate=_code,
                         metadata={"description": "dossier code; a new HS-YYYYMM-XXXXXX code when omitted"})
    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"description": "unit that handles the dossier"})
    received_at = fields.AwareDateTime(load_default=None, metadata={
        "description": "when the desk received it, with a timezone offset; now when omitted"})
    handler = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                            metadata={"description": "official code of the receiving official"})
    channel = fields.String(load_default="direct", validate=validate.OneOf(domain.HTTP_CHANNELS))
    applicant = fields.Nested(ApplicantIn, required=True, metadata={
        "description": "personal data: kept in this service only, never in an event"})


class DossierOut(Schema):
    code = fields.String()
    status = fields.String(metadata={
        "description": "received (open, clock running), awaiting_supplement (open, clock stopped), completed "
                       "(result ready), returned, refused, withdrawn or stopped"})
    status_label = fields.String(metadata={"description": "the status in Vietnamese"})
    procedure_code = fields.String()
    unit = fields.String()
    handler = fields.String(allow_none=True)
    channel = fields.String()
    received_at = LocalDateTime()
    counting_starts_at = LocalDateTime(metadata={"description": "when the legal time started counting"})
    processing_days = fields.String()
    due_at = LocalDateTime(metadata={"description": "promised return instant (ngày hẹn trả)"})
    timeliness = fields.String(metadata={
        "description": "completed: early, on_time or late; open: within_deadline or overdue"})
    overdue_since = LocalDateTime(allow_none=True)
    completed_at = LocalDateTime(allow_none=True)
    rules_version = fields.String(metadata={"description": "calendar rules that computed due_at"})
    applicant = fields.Nested(ApplicantOut, allow_none=True, metadata={
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
    apology_due_since = LocalDateTime(allow_none=True, metadata={
        "description": "when the apology became due (one working day before the deadline, not ready)"})
    ended_at = LocalDateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)


class MyDossierOut(DossierOut):
    remaining_hours = fields.String(metadata={"description": "working hours left (negative: overdue)"})
    remaining_days = fields.String(metadata={"description": "working days left (negative: overdue)"})


MyDossierPage = page_schema(MyDossierOut, "MyDossierPage")


class DossierQuery(PageArgs):
    unit = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(domain.STATUSES))
    overdue = fields.Boolean(load_default=None, metadata={
        "description": "true: open dossiers past their due time; false: all others"})


DossierPage = page_schema(DossierOut, "DossierPage")


class CompletionIn(Schema):
    completed_at = fields.AwareDateTime(load_default=None, metadata={
        "description": "when the result was ready, with a timezone offset; now when omitted"})


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
    processing_days = fields.String()
    received_at = fields.String()
    counting_starts_at = fields.String()
    cutoff_applied = fields.Boolean(metadata={"description": "received after the cut-off (15:00)"})
    budget_days = fields.String()
    budget_hours = fields.String()
    due_at = fields.String(metadata={"description": "due instant under the current calendar rules"})
    days = fields.List(fields.Nested(DayOut), metadata={"description": "each day from counting start to due"})
    rules_version = fields.String()
    skipped_days = fields.List(fields.Nested(SkippedDayOut), metadata={
        "description": "days from receipt to the due date that did not count, and why"})
    recorded_due_at = fields.String(metadata={"description": "due instant recorded on the dossier"})
    recorded_rules_version = fields.String()
    base_due_at = fields.String(metadata={"description": "the legal time alone, before any apology or pause"})
    status = fields.String()
    overrides = fields.List(fields.Nested(lambda: OverrideOut()), metadata={
        "description": "operators' announcements between receipt and the due date"})
    pauses = fields.List(fields.Nested(lambda: DeadlinePauseOut()), metadata={
        "description": "the clock stopped for the citizen's supplement"})
    paused_hours = fields.String(metadata={"description": "working hours the pauses added to the deadline"})
    apology = fields.Nested(lambda: DeadlineApologyOut(), allow_none=True)


class DeadlinePauseOut(Schema):
    number = fields.Integer()
    requested_at = fields.String()
    resumed_at = fields.String(allow_none=True)
    reasons = fields.List(fields.String())
    paused_hours = fields.String()
    moved_due_at = fields.Boolean(metadata={"description": "whether this pause moved the due date"})
    label_vi = fields.String()


class DeadlineApologyOut(Schema):
    issued_at = fields.String()
    previous_due_at = fields.String()
    new_due_at = fields.String()
    reason = fields.String()


# -- the lifecycle ----------------------------------------------------------------------------------

_official = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
_at = fields.AwareDateTime(load_default=None, metadata={
    "description": "when it happened, with a timezone offset; now when omitted"})


class HandoverIn(Schema):
    to_step = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "step started (a key of the dossier's plan); omitted: same step, another official"})
    to_official = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    to_unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                            metadata={"description": "unit doing the next step, when not the handling unit"})
    from_official = _official
    at = _at


class SupplementRequestIn(Schema):
    reasons = fields.List(fields.String(validate=validate.Length(min=1, max=domain.REASON_MAX)), required=True,
                          validate=validate.Length(min=1), metadata={
                              "description": "what the citizen must supplement and why (at least one)"})
    official = _official
    at = _at


class SupplementIn(Schema):
    at = _at


class EndIn(Schema):
    end = fields.String(required=True, validate=validate.OneOf(domain.ENDS), metadata={
        "description": "returned (the ready result handed to the citizen), refused, withdrawn (by the citizen) "
                       "or stopped"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=domain.REASON_MAX),
                           metadata={"description": "required for refused and stopped"})
    official = _official
    at = _at


class SendBackIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=domain.REASON_MAX))
    officials_fault = fields.Boolean(required=True, metadata={
        "description": "true when the dossier came back through the officials' own fault (counted)"})
    official = _official
    at = _at


class ApologyIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=domain.REASON_MAX),
                           metadata={"description": "why the result is late (Vietnamese)"})
    new_due_at = fields.AwareDateTime(required=True, metadata={
        "description": "the new return instant, with a timezone offset; can be set once"})
    official = _official
    signer_title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    signer_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                          metadata={"description": "place in the letter's date line, e.g. Hà Nội"})
    at = _at


class StepUseOut(Schema):
    key = fields.String()
    name = fields.String()
    budget_days = fields.String(allow_none=True)
    used_days = fields.String()
    used_hours = fields.String()
    on_time = fields.Boolean(allow_none=True, metadata={"description": "used within the step's own budget"})
    started_at = LocalDateTime(allow_none=True)
    finished_at = LocalDateTime(allow_none=True)
    officials = fields.List(fields.String())
    in_progress = fields.Boolean()


class HandoverOut(Schema):
    at = LocalDateTime()
    from_step = fields.String(allow_none=True)
    to_step = fields.String(allow_none=True, metadata={"description": "null: the result is ready"})
    from_official = fields.String(allow_none=True)
    to_official = fields.String(allow_none=True)
    to_unit = fields.String(allow_none=True)


class PauseOut(Schema):
    number = fields.Integer()
    requested_at = LocalDateTime()
    resumed_at = LocalDateTime(allow_none=True)
    reasons = fields.List(fields.String())
    official = fields.String(allow_none=True)
    step = fields.String(allow_none=True)
    paused_hours = fields.String()


class SendBackOut(Schema):
    at = LocalDateTime()
    reason = fields.String()
    officials_fault = fields.Boolean()
    official = fields.String(allow_none=True)


class ControlSheetOut(Schema):
    code = fields.String()
    procedure_code = fields.String()
    unit = fields.String()
    status = fields.String()
    received_at = LocalDateTime()
    counting_starts_at = LocalDateTime()
    due_at = LocalDateTime()
    completed_at = LocalDateTime(allow_none=True)
    steps = fields.List(fields.Nested(StepUseOut))
    handovers = fields.List(fields.Nested(HandoverOut))
    pauses = fields.List(fields.Nested(PauseOut))
    send_backs = fields.List(fields.Nested(SendBackOut))
    supplements = fields.Integer()
    returned_for_fault = fields.Integer()


class StepSummaryOut(Schema):
    step = fields.String(allow_none=True, metadata={"description": "step key; null without a step plan"})
    step_name = fields.String(allow_none=True)
    open = fields.Integer()
    due_soon = fields.Integer(metadata={"description": "a warning point reached, not yet overdue"})
    overdue = fields.Integer()
    awaiting_supplement = fields.Integer()
    due_soon_codes = fields.List(fields.String())
    overdue_codes = fields.List(fields.String())


class UnitSummaryOut(Schema):
    unit = fields.String()
    at = LocalDateTime()
    open = fields.Integer()
    due_soon = fields.Integer()
    overdue = fields.Integer()
    awaiting_supplement = fields.Integer()
    steps = fields.List(fields.Nested(StepSummaryOut))


# -- working-time overrides -------------------------------------------------------------------------

class OverrideIn(Schema):
    day = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(domain.OVERRIDE_KINDS), metadata={
        "description": "day_off (a working day made off) or working_day (a day off made working)"})
    label = fields.String(required=True, validate=validate.Length(min=1, max=domain.LABEL_MAX), metadata={
        "description": "the announcement in Vietnamese, e.g. Nghỉ bù Quốc khánh"})


class OverrideOut(Schema):
    day = fields.String()
    kind = fields.String()
    label = fields.String()
    created_at = LocalDateTime()
    created_by = fields.String(allow_none=True)
    deadlines_moved = fields.Integer(metadata={"description": "running deadlines this change moved"})


class OverrideQuery(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=1900, max=2200))


# -- external ingest ----------------------------------------------------------------------------------
# What external one-stop systems send as each event's `data` (the contract in docs/architecture.md).
# Lenient: fields they add are ignored, and nothing this platform computes (due dates, budgets,
# timeliness, responsibility) is asked of them. The catalog's schemas are what dossiers itself emits.

class _IngestData(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"description": "dossier code (mã hồ sơ)"})
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"description": "unit that handles the dossier; must be one of the publisher's"})


class IngestReceivedData(_IngestData):
    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    received_at = fields.AwareDateTime(required=True)
    handler = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class IngestHandedOverData(_IngestData):
    at = fields.AwareDateTime(required=True)
    from_step = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    to_step = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                            metadata={"description": "step started; null when the result is ready"})
    from_official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    to_official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    to_unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class IngestSupplementRequestedData(_IngestData):
    at = fields.AwareDateTime(required=True)
    reasons = fields.List(fields.String(validate=validate.Length(min=1)), required=True,
                          validate=validate.Length(min=1))
    official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class IngestSupplementReceivedData(_IngestData):
    at = fields.AwareDateTime(required=True)
    official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class IngestCompletedData(_IngestData):
    completed_at = fields.AwareDateTime(required=True, metadata={"description": "when the result was ready"})
    official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class IngestEndedData(_IngestData):
    at = fields.AwareDateTime(required=True)
    reason = fields.String(load_default=None, allow_none=True, metadata={"description": "required for refused"})
    official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


INGEST_DATA = {
    domain.INGEST_RECEIVED: (IngestReceivedData(), "received_at"),
    domain.INGEST_HANDED_OVER: (IngestHandedOverData(), "at"),
    domain.INGEST_SUPPLEMENT_REQUESTED: (IngestSupplementRequestedData(), "at"),
    domain.INGEST_SUPPLEMENT_RECEIVED: (IngestSupplementReceivedData(), "at"),
    domain.INGEST_COMPLETED: (IngestCompletedData(), "completed_at"),
    **{event_type: (IngestEndedData(), "at") for event_type in domain.INGEST_ENDS},
}


def read_ingest_data(event_type: str, data: dict) -> tuple[dict, datetime]:
    """(values, when it happened) of an external event's data; InvalidInput naming the fields otherwise."""
    if event_type not in INGEST_DATA:
        raise InvalidInput(f"{event_type!r} is not an event type external systems may send",
                           {"type": [f"use one of {', '.join(domain.INGEST_TYPES)}"]})
    schema, moment = INGEST_DATA[event_type]
    try:
        values = schema.load(data)
    except ValidationError as exc:
        raise InvalidInput(f"{event_type} data cannot be read", exc.normalized_messages()) from exc
    return values, values[moment]


class CloudEventIn(Schema):
    """One CloudEvent in structured JSON, as in `application/cloudevents+json`; checked event by event
    (with the cloudevents SDK), so one bad event does not turn away the batch."""

    class Meta:
        unknown = INCLUDE

    specversion = fields.Raw(metadata={"description": "1.0"})
    id = fields.Raw(metadata={"description": "unique per event (at most 64 characters): a re-sent event has "
                                             "its effect once"})
    source = fields.Raw(metadata={"description": "the publishing system, e.g. /mot-cua/ha-noi"})
    type = fields.Raw(metadata={"description": ", ".join(domain.INGEST_TYPES)})
    time = fields.Raw(metadata={"description": "when the event was published, with an offset"})
    subject = fields.Raw(metadata={"description": "the dossier code"})
    data = fields.Raw(metadata={"description": "see docs/architecture.md, External ingest"})


class IngestResultOut(Schema):
    id = fields.String(allow_none=True)
    type = fields.String(allow_none=True)
    outcome = fields.String(metadata={"description": "accepted, duplicate (already had its effect), waiting "
                                                     "(for the event it depends on) or rejected"})
    reason = fields.String(allow_none=True, metadata={"description": "why it was rejected: "
                                                                     + ", ".join(domain.REJECTION_LABELS_VI)})
    message = fields.String(allow_none=True)
    errors = fields.Dict(metadata={"description": "messages per field"})


class IngestBatchOut(Schema):
    accepted = fields.Integer()
    duplicate = fields.Integer()
    waiting = fields.Integer()
    rejected = fields.Integer()
    results = fields.List(fields.Nested(IngestResultOut), metadata={"description": "one per event, in order"})


class RejectionQuery(Schema):
    since = fields.AwareDateTime(load_default=None, metadata={"description": "only rejections from this instant"})


class RejectionCountOut(Schema):
    publisher = fields.String(allow_none=True)
    reason = fields.String()
    label = fields.String(metadata={"description": "the reason in Vietnamese"})
    count = fields.Integer()
    last_at = LocalDateTime()


class RejectionOut(Schema):
    event_id = fields.String(allow_none=True)
    publisher = fields.String(allow_none=True)
    reason = fields.String()
    channel = fields.String(metadata={"description": "amqp or http"})
    event_type = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    dossier_code = fields.String(allow_none=True)
    detail = fields.String()
    rejected_at = LocalDateTime()


class RejectionSummaryOut(Schema):
    total = fields.Integer()
    counts = fields.List(fields.Nested(RejectionCountOut), metadata={"description": "by publisher and reason"})
    recent = fields.List(fields.Nested(RejectionOut), metadata={"description": "the latest 50"})


class WaitingOut(Schema):
    event_id = fields.String()
    event_type = fields.String()
    dossier_code = fields.String()
    unit = fields.String()
    publisher = fields.String(allow_none=True)
    occurred_at = LocalDateTime()
    waiting_for = fields.String(metadata={"description": "the event type it waits for"})
    parked_at = LocalDateTime()


WaitingPage = page_schema(WaitingOut, "WaitingPage")
