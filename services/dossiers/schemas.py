"""Request and response schemas of the dossiers API."""

from marshmallow import Schema, fields, validate

from services.dossiers import domain
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


class ProcedureIn(Schema):
    code = fields.String(required=True, validate=_code, metadata={"description": "procedure code (mã TTHC)"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    processing_days = WorkingDays(required=True, metadata={
        "description": "legal processing time in working days (> 0; fractions such as 0.5 allowed)"})
    steps = fields.List(fields.Nested(StepIn), load_default=list, metadata={
        "description": "step plan; when given, the step budgets must add up to processing_days"})


class StepOut(Schema):
    key = fields.String()
    name = fields.String()
    days = WorkingDays()


class ProcedureOut(Schema):
    code = fields.String()
    name = fields.String()
    processing_days = WorkingDays()
    steps = fields.List(fields.Nested(StepOut))
    created_at = LocalDateTime()


ProcedurePage = page_schema(ProcedureOut, "ProcedurePage")


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
    status = fields.String(metadata={"description": "received (open) or completed"})
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
    recorded_due_at = fields.String(metadata={"description": "due instant promised at receipt"})
    recorded_rules_version = fields.String()
