"""Request and response schemas of the reporting API."""

from marshmallow import Schema, fields

from shared.web import LocalDateTime, PageArgs, page_schema

_PERIOD = {
    "description": "month YYYY-MM in Hà Nội time (tháng báo cáo); the current month when omitted",
    "example": "2026-11",
}


class PeriodQuery(Schema):
    # Checked by the use case, so a malformed month is reported under `period` with the reason.
    period = fields.String(load_default=None, metadata=_PERIOD)


class RankingQuery(PageArgs):
    period = fields.String(load_default=None, metadata=_PERIOD)


class FormulaOut(Schema):
    id = fields.String()
    version = fields.String(metadata={"description": "legal source and version of the rule"})
    effective_from = fields.String(metadata={"description": "first day the rule applies"})
    max_points = fields.Integer()
    expression = fields.String()
    vi = fields.String(metadata={"description": "cách tính (tiếng Việt)"})
    en = fields.String()
    not_measured_vi = fields.String()
    not_measured_en = fields.String()


class CaveatOut(Schema):
    code = fields.String()
    vi = fields.String()
    en = fields.String()


class TaskRuleOut(Schema):
    id = fields.String()
    version = fields.String(metadata={"description": "source and version of the counting rule"})
    effective_from = fields.String(metadata={"description": "first day the rule applies"})
    expression = fields.String()
    vi = fields.String(metadata={"description": "cách tính (tiếng Việt)"})
    en = fields.String()


class TaskFiguresOut(Schema):
    assigned = fields.Integer(metadata={"description": "tasks the unit leads in the period (nhiệm vụ chủ trì "
                                                       "trong kỳ): assigned before its end and not completed "
                                                       "before its start"})
    completed_on_time = fields.Integer(metadata={"description": "completed on time in the period, an approved "
                                                                "extension's deadline included"})
    completed_late = fields.Integer(metadata={"description": "completed late in the period"})
    overdue_open = fields.Integer(metadata={"description": "not completed at as_of and reported overdue or "
                                                           "past the deadline in force"})
    completion_rate = fields.Float(allow_none=True, metadata={"description": "completed_on_time ÷ assigned, "
                                                                             "0..1; null when the unit led no "
                                                                             "task in the period"})
    formula = fields.Nested(TaskRuleOut, metadata={"description": "how the figures are counted; they do not "
                                                                  "enter the ranking's score"})


class SatisfactionOut(Schema):
    ratings = fields.Integer(metadata={"description": "ratings given in the month"})
    average = fields.Float(allow_none=True, metadata={"description": "1 very dissatisfied … 5 very satisfied"})
    satisfied_share = fields.Float(allow_none=True, metadata={"description": "share rated 4 or 5 (0..1)"})
    formula = fields.Dict(metadata={"description": "the formula in Vietnamese (vi) and English (en)"})


class ScorecardOut(Schema):
    unit = fields.String()
    unit_name = fields.String(allow_none=True, metadata={"description": "tên đơn vị; null until the directory "
                                                                        "has named the unit"})
    period = fields.String()
    received = fields.Integer(metadata={"description": "dossiers in the period: received before its end and "
                                                       "not finished before its start"})
    early = fields.Integer(metadata={"description": "finished early in the period (also counted in on_time)"})
    on_time = fields.Integer(metadata={"description": "finished early or on time in the period, plus open "
                                                      "within the deadline at as_of (the formula's numerator)"})
    late = fields.Integer(metadata={"description": "finished late in the period"})
    overdue_open = fields.Integer(metadata={"description": "open and past the deadline at as_of"})
    open_within = fields.Integer(metadata={"description": "open and within the deadline at as_of "
                                                          "(also counted in on_time)"})
    on_time_rate = fields.Float(allow_none=True, metadata={"description": "on_time ÷ received, 0..1; null when "
                                                                          "nothing was received"})
    score = fields.Float(allow_none=True, metadata={"description": "766 progress points out of 20, 2 decimals; "
                                                                   "null when nothing was received"})
    explanations = fields.Integer(metadata={"description": "explanation requests made in the period"})
    proposals = fields.Integer(metadata={"description": "sanction proposals made in the period"})
    tasks = fields.Nested(TaskFiguresOut, metadata={"description": "tasks the unit leads (nhiệm vụ được giao), "
                                                                   "judged at as_of like the dossiers"})
    satisfaction = fields.Nested(SatisfactionOut, metadata={"description": "citizens' ratings (đánh giá hài lòng)"})
    formula = fields.Nested(FormulaOut)
    caveats = fields.List(fields.Nested(CaveatOut))
    as_of = LocalDateTime(metadata={"description": "instant the open dossiers are judged at: the end of the "
                                                     "period, or now while it runs"})


class RankingItemOut(Schema):
    unit = fields.String()
    unit_name = fields.String(allow_none=True)
    rank = fields.Integer(metadata={"description": "equal scores share a rank (1, 2, 2, 4)"})
    previous_rank = fields.Integer(allow_none=True, metadata={"description": "rank in the previous month; "
                                                                             "null if not ranked then"})
    score = fields.Float(metadata={"description": "766 progress points out of 20"})
    received = fields.Integer()
    early = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    overdue_open = fields.Integer()
    on_time_rate = fields.Float()


class RankingPageOut(page_schema(RankingItemOut, "RankingItemsPage")):
    period = fields.String()
    as_of = LocalDateTime()
    formula = fields.Nested(FormulaOut)
    caveats = fields.List(fields.Nested(CaveatOut))
    units_not_ranked = fields.Integer(metadata={"description": "known units with no dossier in the period"})
