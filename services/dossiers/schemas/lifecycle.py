"""Schemas of the lifecycle: hand-overs, supplements, ends, send-backs, the apology, the control sheet and
a unit's summary."""

from marshmallow import Schema, fields, post_load, validate

from services.dossiers.domain import dossier as rules
from services.dossiers.schemas import WorkingDays, at_field, official_field
from services.dossiers.use_cases.apologies import IssueApology
from services.dossiers.use_cases.lifecycle import (
    EndDossier,
    HandOver,
    ReceiveSupplement,
    RequestSupplement,
    SendBackDossier,
)
from shared.web import LocalDateTime
from shared.web.schemas import DecimalNumber, StrictBoolean


class CompletionIn(Schema):
    completed_at = fields.AwareDateTime(load_default=None, metadata={
        "description": "when the result was ready, with a timezone offset; now when omitted"})


class HandoverIn(Schema):
    to_step = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "step started (a key of the dossier's plan); omitted: same step, another official"})
    to_official = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    to_unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                            metadata={"description": "unit doing the next step, when not the handling unit"})
    from_official = official_field()
    at = at_field()

    @post_load
    def command(self, data, **_kwargs):
        return HandOver(**data)


class SupplementRequestIn(Schema):
    reasons = fields.List(fields.String(validate=validate.Length(min=1, max=rules.REASON_MAX)), required=True,
                          validate=validate.Length(min=1), metadata={
                              "description": "what the citizen must supplement and why (at least one)"})
    official = official_field()
    at = at_field()

    @post_load
    def command(self, data, **_kwargs):
        return RequestSupplement(**{**data, "reasons": tuple(data["reasons"])})


class SupplementIn(Schema):
    at = at_field()

    @post_load
    def command(self, data, **_kwargs):
        return ReceiveSupplement(**data)


class EndIn(Schema):
    end = fields.String(required=True, validate=validate.OneOf(rules.ENDS), metadata={
        "description": "returned (the ready result handed to the citizen), refused, withdrawn (by the citizen) "
                       "or stopped"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=rules.REASON_MAX),
                           metadata={"description": "required for refused and stopped"})
    official = official_field()
    at = at_field()

    @post_load
    def command(self, data, **_kwargs):
        return EndDossier(**data)


class SendBackIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=rules.REASON_MAX))
    officials_fault = StrictBoolean(required=True, metadata={
        "description": "true when the dossier came back through the officials' own fault (counted)"})
    official = official_field()
    at = at_field()

    @post_load
    def command(self, data, **_kwargs):
        return SendBackDossier(**data)


class ApologyIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=rules.REASON_MAX),
                           metadata={"description": "why the result is late (Vietnamese)"})
    new_due_at = fields.AwareDateTime(required=True, metadata={
        "description": "the new return instant (a second promise: the legal due date does not move), with a "
                       "timezone offset, later than the legal due date and than now; can be set once"})
    official = official_field()
    signed_by = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64), metadata={
        "description": "official code of the head who signs the letter (Form 04 of Circular 01/2018/TT-VPCP); "
                       "a head's own token signs by default"})
    signer_title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    signer_name = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={
        "description": "the head's full name, printed under the signature"})
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                          metadata={"description": "place in the letter's date line, e.g. Hà Nội"})
    at = at_field()

    @post_load
    def command(self, data, **_kwargs):
        return IssueApology(**data)


class StepUseOut(Schema):
    key = fields.String()
    name = fields.String()
    budget_days = WorkingDays(allow_none=True)
    used_days = WorkingDays()
    used_hours = DecimalNumber()
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
    paused_hours = DecimalNumber()


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

