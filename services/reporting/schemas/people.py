"""Schemas of the lists of individuals and units and of the quarterly evaluation of heads."""

from marshmallow import Schema, fields, validate

from services.reporting.schemas import PublicTextOut
from shared.web import LocalDateTime
from shared.web.schemas import period_within_calendar

_LANG = {"description": "vi (default) or en; otherwise the browser's Accept-Language"}


class GoodIndividualsQuery(Schema):
    period = fields.String(load_default=None, validate=period_within_calendar, metadata={
        "description": "a month YYYY-MM, a quarter YYYY-Qn, a year YYYY or a range of days; the current month "
                       "when omitted", "example": "2026-11"})
    lang = fields.String(load_default=None, validate=validate.OneOf(["vi", "en"]), metadata=_LANG)


class ViolatingUnitsQuery(Schema):
    year = fields.Integer(load_default=None, metadata={"description": "this year when omitted", "example": 2026})
    lang = fields.String(load_default=None, validate=validate.OneOf(["vi", "en"]), metadata=_LANG)


class CriteriaOut(Schema):
    id = fields.String()
    version = fields.String()
    source = fields.String(metadata={"description": "the law the criteria apply, or local policy"})
    expression = fields.String()
    text = fields.String(metadata={"description": "who is on the list, in the language asked for"})


class GoodIndividualOut(Schema):
    official = fields.String(metadata={"description": "the public servant's code"})
    unit = fields.String()
    unit_name = fields.String(allow_none=True)
    steps_handled = fields.Integer()
    steps_on_time = fields.Integer()


class GoodIndividualsOut(Schema):
    period = fields.String()
    lang = fields.String()
    as_of = LocalDateTime()
    criteria = fields.Nested(CriteriaOut)
    notes = fields.List(fields.Nested(PublicTextOut))
    items = fields.List(fields.Nested(GoodIndividualOut))


class ViolatingUnitOut(Schema):
    unit = fields.String()
    unit_name = fields.String(allow_none=True)
    decisions = fields.Integer(metadata={"description": "disciplinary decisions against its public servants"})
    late_without_apology = fields.Integer(metadata={"description": "dossiers past the legal due date without an "
                                                                   "apology"})
    explanations_missed = fields.Integer()


class ViolatingUnitsOut(Schema):
    year = fields.Integer()
    lang = fields.String()
    criteria = fields.Nested(CriteriaOut)
    notes = fields.List(fields.Nested(PublicTextOut))
    items = fields.List(fields.Nested(ViolatingUnitOut))


class HeadEvaluationQuery(Schema):
    quarter = fields.String(load_default=None, metadata={"description": "YYYY-Qn; the current quarter when omitted",
                                                         "example": "2026-Q4"})


class InOfficeOut(Schema):
    since = fields.Date()
    until = fields.Date(allow_none=True)


class HeadFiguresOut(Schema):
    received = fields.Integer(metadata={"description": "the unit's dossiers in the quarter"})
    progress_rate = fields.Float(allow_none=True, metadata={"description": "766 progress: on time ÷ received"})
    progress_score = fields.Float(allow_none=True, metadata={"description": "766 progress points out of 20"})
    dossier_satisfaction_rate = fields.Float(allow_none=True)
    tasks_assigned = fields.Integer()
    tasks_completed_on_time = fields.Integer()
    tasks_on_time_rate = fields.Float(allow_none=True)
    feedback_due = fields.Integer()
    feedback_on_time = fields.Integer()
    feedback_on_time_rate = fields.Float(allow_none=True)
    violations = fields.Integer(metadata={"description": "violations recorded against the head in the quarter"})
    explanations_missed = fields.Integer(metadata={"description": "the head's explanations missed in the quarter"})
    decisions_in_year = fields.Integer(metadata={"description": "disciplinary decisions against the head this year"})


class SelfAssessmentOut(Schema):
    plan = fields.String()
    items = fields.Integer()
    done = fields.Integer()
    done_on_time = fields.Integer()
    level = fields.String()
    assessed_at = LocalDateTime()


class ProposedOut(Schema):
    level = fields.String(allow_none=True, metadata={"description": "excellent, good, completed or not_completed"})
    label = fields.Dict(allow_none=True)
    reasons = fields.List(fields.Dict())


class HeadEvaluationOut(Schema):
    official = fields.String()
    unit = fields.String()
    unit_name = fields.String(allow_none=True)
    in_office = fields.Nested(InOfficeOut)
    figures = fields.Nested(HeadFiguresOut)
    self_assessment = fields.Nested(SelfAssessmentOut, allow_none=True)
    proposed = fields.Nested(ProposedOut, metadata={"description": "a proposal; the competent authority decides"})


class HeadEvaluationsOut(Schema):
    quarter = fields.String()
    as_of = LocalDateTime()
    rules = fields.Dict(metadata={"description": "the rule that proposes the level: version, source, thresholds"})
    progress_formula = fields.Dict()
    composite_rules = fields.Dict()
    notice = fields.Dict()
    items = fields.List(fields.Nested(HeadEvaluationOut))
