"""Request and response schemas of the reporting API."""

from marshmallow import Schema, fields, validate

from shared.web import LocalDateTime, PageArgs, page_schema
from shared.web.schemas import DecimalNumber, StrictBoolean, period_within_calendar

_PERIOD = {
    "description": "kỳ báo cáo in Hà Nội time: a month YYYY-MM, a quarter YYYY-Qn, a year YYYY, or a range of "
                   "days YYYY-MM-DD..YYYY-MM-DD; the current month when omitted",
    "example": "2026-11",
}


class PeriodQuery(Schema):
    # Checked by the use case, so a malformed month is reported under `period` with the reason.
    period = fields.String(load_default=None, validate=period_within_calendar, metadata=_PERIOD)


class RankingQuery(PageArgs):
    period = fields.String(load_default=None, validate=period_within_calendar, metadata=_PERIOD)
    kind = fields.String(load_default=None, metadata={"description": "rank only units of this kind (department, "
                                                                     "ward, commune, …; loại đơn vị)"})
    by = fields.String(load_default="progress", validate=validate.OneOf(["progress", "composite"]),
                       metadata={"description": "progress: the 766 progress score (default); composite: the "
                                                "composite score of scoring.json"})


class DrilldownQuery(PageArgs):
    period = fields.String(load_default=None, validate=period_within_calendar, metadata=_PERIOD)


class FormulaOut(Schema):
    id = fields.String()
    version = fields.String(metadata={"description": "legal source and version of the rule"})
    source = fields.String(metadata={"description": "the legal texts the formula applies"})
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
    source = fields.String(metadata={"description": "the legal texts, or local policy"})
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


class SupplementsOut(Schema):
    requests = fields.Integer(metadata={"description": "supplement requests made in the period"})
    second_requests = fields.Integer(metadata={"description": "second or later requests (counted late)"})


class TextOut(Schema):
    expression = fields.String()
    vi = fields.String()
    en = fields.String()
    version = fields.String(metadata={"description": "version of the rules the formula belongs to"})
    source = fields.String(metadata={"description": "the legal text the formula applies"})


class DossierSatisfactionOut(Schema):
    rate = fields.Float(metadata={"description": "1 − overdue_share − complaint_share (0..1)"})
    overdue_share = fields.Float()
    complaint_share = fields.Float()
    complaints = fields.Integer(metadata={"description": "dossiers with a complaint or a rating of 1–2"})
    score = fields.Float(metadata={"description": "points out of max_points; full marks from 90%"})
    max_points = fields.Integer()
    formula = fields.Nested(TextOut)


class DisciplineOut(Schema):
    explanations_requested = fields.Integer()
    explanations_submitted = fields.Integer()
    explanations_missed = fields.Integer()
    explanations_accepted = fields.Integer()
    explanations_rejected = fields.Integer()
    violations = fields.Integer()
    proposals = fields.Integer()
    decisions = fields.Integer()
    dropped = fields.Integer()


class FeedbackOut(Schema):
    received = fields.Integer(metadata={"description": "feedback received about the unit in the period"})
    handled = fields.Integer(metadata={"description": "steps handled: forwarded, refused, answered, published"})
    handled_on_time = fields.Integer()
    answered = fields.Integer()
    answered_on_time = fields.Integer()
    overdue = fields.Integer(metadata={"description": "handling deadlines missed in the period"})


class ComponentOut(Schema):
    key = fields.String()
    value = fields.Float(allow_none=True, metadata={"description": "0–100; null when not measured"})
    weight = fields.Float()
    measured = fields.Boolean(metadata={"description": "false: no data in the period (full marks or left out)"})
    vi = fields.String()
    en = fields.String()


class BandOut(Schema):
    code = fields.String()
    min = fields.Float()
    vi = fields.String(metadata={"description": "Xuất sắc, Tốt, Đạt, Chưa đạt"})
    en = fields.String()


class CompositeRulesOut(Schema):
    id = fields.String()
    version = fields.String()
    source = fields.String(allow_none=True, metadata={"description": "where the weights and bands come from (a law "
                                                                      "or local policy)"})
    effective_from = fields.String()
    expression = fields.String()
    vi = fields.String()
    en = fields.String()
    weights = fields.Dict(keys=fields.String(), values=fields.Float(), metadata={"description": "share of each"})
    bands = fields.List(fields.Nested(BandOut))


class CompositeOut(Schema):
    score = fields.Float(allow_none=True, metadata={"description": "composite score out of 100; null when "
                                                                   "no component has data"})
    band = fields.Nested(BandOut, allow_none=True)
    components = fields.List(fields.Nested(ComponentOut))
    rules = fields.Nested(CompositeRulesOut)
    caveats = fields.List(fields.Nested(CaveatOut))


class Index766IndicatorOut(Schema):
    key = fields.String()
    max_points = fields.Integer()
    measured = fields.Boolean(metadata={"description": "false: the platform has no data for it"})
    points = fields.Float(allow_none=True, metadata={"description": "null when not measured or no dossier"})
    vi = fields.String()
    en = fields.String()
    expression = fields.String(allow_none=True)
    why_not_measured = fields.Dict(allow_none=True)


class Index766GroupOut(Schema):
    key = fields.String()
    max_points = fields.Integer()
    vi = fields.String()
    en = fields.String()
    measured = fields.Boolean()
    partly_measured = fields.Boolean()
    indicators = fields.List(fields.Nested(Index766IndicatorOut))


class Index766Out(Schema):
    source = fields.String()
    total_points = fields.Integer(metadata={"description": "the index's full scale (100)"})
    measured_points = fields.Float(allow_none=True, metadata={"description": "points of the measured indicators"})
    measurable_points = fields.Integer(metadata={"description": "points the platform can measure (26)"})
    total = fields.Float(allow_none=True, metadata={"description": "always null: no total out of 100 is claimed"})
    note = fields.Dict()
    groups = fields.List(fields.Nested(Index766GroupOut))


class ApologiesOut(Schema):
    issued = fields.Integer(metadata={"description": "apologies with a new return date issued in the period"})
    promises_broken = fields.Integer(metadata={"description": "apologised dossiers past the promised date"})
    late_without_apology = fields.Integer(metadata={"description": "dossiers past the legal due date without "
                                                                   "an apology (a breach)"})


class SurveyMonthOut(Schema):
    period = fields.String()
    rounds = fields.List(fields.String())
    returned = fields.Integer(metadata={"description": "dossiers returned in the month"})
    invited = fields.Integer(metadata={"description": "citizens invited to rate"})
    responses = fields.Integer(metadata={"description": "ratings given in answer to the round"})
    response_rate = fields.Float(allow_none=True, metadata={"description": "responses ÷ invited"})


class FigureOut(Schema):
    key = fields.String()
    value = fields.Integer()
    vi = fields.String()
    en = fields.String()
    drilldown = fields.String(metadata={"description": "path of the facts behind the figure"})


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
    unit_kind = fields.String(allow_none=True, metadata={"description": "loại đơn vị (department, ward, …)"})
    period_kind = fields.String(metadata={"description": "month, quarter, year or range"})
    finished_on_time = fields.Integer(metadata={"description": "finished on the due date in the period"})
    supplements = fields.Nested(SupplementsOut)
    returned_for_fault = fields.Integer(metadata={"description": "times sent back to the citizen through "
                                                                 "officials' own fault in the period"})
    index_766 = fields.Nested(Index766Out, metadata={"description": "every group and indicator of the 766 index, "
                                                                    "measured or not"})
    apologies = fields.Nested(ApologiesOut)
    surveys = fields.List(fields.Nested(SurveyMonthOut), metadata={"description": "monthly satisfaction surveys"})
    dossier_satisfaction = fields.Nested(DossierSatisfactionOut, allow_none=True, metadata={
        "description": "766 satisfaction with dossier handling; null when nothing was received"})
    discipline = fields.Nested(DisciplineOut)
    feedback = fields.Nested(FeedbackOut)
    composite = fields.Nested(CompositeOut)
    figures = fields.List(fields.Nested(FigureOut), metadata={"description": "every figure with what it counts "
                                                                            "and where its facts are"})
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
    score = fields.Float(metadata={"description": "the score ranked by: 766 progress points out of 20, or the "
                                                 "composite out of 100"})
    received = fields.Integer()
    early = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    overdue_open = fields.Integer()
    on_time_rate = fields.Float()
    unit_kind = fields.String(allow_none=True)
    rank_change = fields.Integer(allow_none=True, metadata={"description": "previous_rank − rank: positive when "
                                                                           "the unit moved up"})
    progress_score = fields.Float(metadata={"description": "766 progress points out of 20"})
    composite = fields.Float(allow_none=True, metadata={"description": "composite score out of 100 (by=composite)"})
    band = fields.Nested(BandOut, allow_none=True)


class RankingPageOut(page_schema(RankingItemOut, "RankingItemsPage")):
    period_kind = fields.String()
    previous_period = fields.String(metadata={"description": "the period the previous ranks are from"})
    unit_kind = fields.String(allow_none=True)
    ranked_by = fields.String()
    composite_rules = fields.Nested(CompositeRulesOut, allow_none=True)
    period = fields.String()
    as_of = LocalDateTime()
    formula = fields.Nested(FormulaOut)
    caveats = fields.List(fields.Nested(CaveatOut))
    units_not_ranked = fields.Integer(metadata={"description": "known units with no dossier in the period"})


class ExplanationOut(Schema):
    code = fields.String()
    official = fields.String()
    role = fields.String(allow_none=True, metadata={"description": "official or head"})
    requested_at = LocalDateTime()
    due_at = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "requested, submitted, missed, accepted or rejected"})
    submitted_at = LocalDateTime(allow_none=True)


class StepOut(Schema):
    at = LocalDateTime()
    step = fields.String(allow_none=True)
    official = fields.String(allow_none=True)
    on_time = fields.Boolean(allow_none=True)
    to_step = fields.String(allow_none=True)
    to_official = fields.String(allow_none=True)
    used_days = DecimalNumber(allow_none=True)
    budget_days = DecimalNumber(allow_none=True)


class DrilldownItemOut(Schema):
    code = fields.String(metadata={"description": "dossier, task, feedback, explanation or proposal code"})
    kind = fields.String(metadata={"description": "event type of an occurrence"})
    procedure_code = fields.String(allow_none=True)
    received_at = LocalDateTime(allow_none=True)
    due_at = LocalDateTime(allow_none=True)
    completed_at = LocalDateTime(allow_none=True)
    timeliness = fields.String(allow_none=True)
    late_reason = fields.String(allow_none=True)
    step = fields.String(allow_none=True, metadata={"description": "step that overran, or in progress at the "
                                                                   "deadline"})
    official = fields.String(allow_none=True, metadata={"description": "official answerable"})
    responsible_unit = fields.String(allow_none=True)
    at = LocalDateTime()
    on_time = fields.Boolean(allow_none=True)
    related = fields.String(allow_none=True, metadata={"description": "what an explanation or complaint is about"})
    status = fields.String(allow_none=True)
    detail = fields.Dict()
    explanations = fields.List(fields.Nested(ExplanationOut))
    steps = fields.List(fields.Nested(StepOut), metadata={"description": "the control sheet's hand-overs"})


class DrilldownPageOut(page_schema(DrilldownItemOut, "DrilldownItemsPage")):
    unit = fields.String()
    unit_name = fields.String(allow_none=True)
    period = fields.String()
    figure = fields.String()
    vi = fields.String(metadata={"description": "what the figure counts"})
    en = fields.String()
    as_of = LocalDateTime()


# -- reports and public lists

REPORT_KINDS = ("monthly", "quarterly", "weekly_tasks")
_REPORT_PERIOD = {
    "description": "monthly YYYY-MM (the 21st of the previous month to the 20th), quarterly YYYY-Qn (the 21st "
                   "before the quarter to the 20th of its last month), weekly_tasks YYYY-Www (ISO week, from its "
                   "Monday)",
    "example": "2026-11",
}
_LANG = {"description": "vi (default) or en; without it, the Accept-Language header decides",
         "example": "vi"}
_REPORTS_PATH = "/reporting/api/v1/reports/"


class ReportIssueIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(REPORT_KINDS),
                         metadata={"description": "loại báo cáo: monthly, quarterly or weekly_tasks (the Monday list)"})
    period = fields.String(required=True, validate=period_within_calendar, metadata=_REPORT_PERIOD)
    reissue = StrictBoolean(load_default=False, metadata={"description": "true to issue the next version of a "
                                                                          "report already issued (ban hành lại)"})
    reason = fields.String(load_default=None, validate=validate.Length(min=1, max=500),
                           metadata={"description": "why it is re-issued; printed on the report"})


class ReportListQuery(PageArgs):
    kind = fields.String(load_default=None, validate=validate.OneOf(REPORT_KINDS))
    period = fields.String(load_default=None, validate=period_within_calendar, metadata=_REPORT_PERIOD)


class ReportFileQuery(Schema):
    version = fields.Integer(load_default=None, validate=validate.Range(min=1),
                             metadata={"description": "the version to serve; the newest when omitted"})


class ReportOut(Schema):
    code = fields.String(metadata={"description": "BC-2026-11, BC-2026-Q4, BC-2026-W47"})
    version = fields.Integer(metadata={"description": "1, then 2 … when re-issued; every version is kept"})
    kind = fields.String()
    period = fields.String()
    title = fields.String(metadata={"description": "the report's heading, in Vietnamese"})
    window = fields.String(metadata={"description": "which days the report covers, in words"})
    first_day = fields.Date()
    last_day = fields.Date()
    as_of = LocalDateTime(metadata={"description": "instant the figures are judged at"})
    issued_at = LocalDateTime()
    issued_by = fields.String(metadata={"description": "the user who issued it, or sweep (on its due date)"})
    reason = fields.String(allow_none=True)
    xlsx_bytes = fields.Integer()
    pdf_bytes = fields.Integer()
    xlsx_url = fields.Function(lambda r: f"{_REPORTS_PATH}{r['code']}.xlsx?version={r['version']}")
    pdf_url = fields.Function(lambda r: f"{_REPORTS_PATH}{r['code']}.pdf?version={r['version']}")


class ReportPageOut(page_schema(ReportOut, "IssuedReportsPage")):
    pass


class PublicRankingQuery(PageArgs):
    period = fields.String(load_default=None, validate=period_within_calendar, metadata=_PERIOD)
    kind = fields.String(load_default=None, metadata={"description": "only units of this kind (department, ward, "
                                                                     "commune, …)"})
    by = fields.String(load_default="progress", validate=validate.OneOf(["progress", "composite"]),
                       metadata={"description": "progress (766, default) or composite"})
    lang = fields.String(load_default=None, validate=validate.OneOf(["vi", "en"]), metadata=_LANG)


class GoodPerformersQuery(Schema):
    period = fields.String(load_default=None, validate=period_within_calendar, metadata=_PERIOD)
    kind = fields.String(load_default=None, metadata={"description": "only units of this kind"})
    lang = fields.String(load_default=None, validate=validate.OneOf(["vi", "en"]), metadata=_LANG)


class ViolatorsQuery(PageArgs):
    year = fields.Integer(load_default=None, metadata={"description": "year of the decisions (Hà Nội time); "
                                                                      "this year when omitted", "example": 2026})
    lang = fields.String(load_default=None, validate=validate.OneOf(["vi", "en"]), metadata=_LANG)


class PublicTextOut(Schema):
    code = fields.String()
    text = fields.String()


class PublicFormulaOut(Schema):
    id = fields.String()
    version = fields.String(metadata={"description": "legal source and version of the rule"})
    source = fields.String(allow_none=True, metadata={"description": "the legal texts the formula applies"})
    effective_from = fields.String()
    max_points = fields.Integer(allow_none=True)
    expression = fields.String()
    text = fields.String(metadata={"description": "how the score is computed, in the language asked for"})
    not_measured = fields.String(allow_none=True, metadata={"description": "what the score does not measure"})


class PublicBandOut(Schema):
    code = fields.String()
    min = fields.Float(metadata={"description": "lowest composite score of the band"})
    label = fields.String()


class PublicCompositeOut(Schema):
    id = fields.String()
    version = fields.String()
    source = fields.String(allow_none=True)
    effective_from = fields.String()
    expression = fields.String()
    text = fields.String()
    bands = fields.List(fields.Nested(PublicBandOut))


class PublicItemBandOut(Schema):
    code = fields.String()
    label = fields.String()


class PublicRankingItemOut(Schema):
    unit = fields.String()
    unit_name = fields.String(allow_none=True)
    unit_kind = fields.String(allow_none=True)
    unit_kind_label = fields.String(allow_none=True)
    rank = fields.Integer()
    previous_rank = fields.Integer(allow_none=True)
    rank_change = fields.Integer(allow_none=True)
    score = fields.Float(metadata={"description": "the score ranked by (progress out of 20, or composite out of "
                                                 "100)"})
    progress_score = fields.Float()
    composite = fields.Float(allow_none=True)
    band = fields.Nested(PublicItemBandOut, allow_none=True)
    received = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    overdue_open = fields.Integer()
    on_time_rate = fields.Float()


class PublicRankingPageOut(page_schema(PublicRankingItemOut, "PublicRankingItemsPage")):
    period = fields.String()
    kind = fields.String(allow_none=True)
    ranked_by = fields.String()
    lang = fields.String()
    as_of = LocalDateTime()
    formula = fields.Nested(PublicFormulaOut)
    composite_rules = fields.Nested(PublicCompositeOut, allow_none=True)
    caveats = fields.List(fields.Nested(PublicTextOut))
    units_not_ranked = fields.Integer()


class GoodPerformersOut(Schema):
    period = fields.String()
    kind = fields.String(allow_none=True)
    lang = fields.String()
    as_of = LocalDateTime()
    rule = fields.String(metadata={"description": "who is on the list, in words"})
    formula = fields.Nested(PublicFormulaOut)
    composite_rules = fields.Nested(PublicCompositeOut, allow_none=True)
    caveats = fields.List(fields.Nested(PublicTextOut))
    items = fields.List(fields.Nested(PublicRankingItemOut))


class ViolatorOut(Schema):
    decision = fields.String(metadata={"description": "code of the disciplinary decision"})
    official_name = fields.String(allow_none=True, metadata={"description": "the public servant's name"})
    unit = fields.String()
    unit_name = fields.String(allow_none=True)
    form = fields.String(metadata={"description": "disciplinary form code (khien_trach, canh_cao, …)"})
    form_label = fields.String(metadata={"description": "the form in words"})
    decided_on = fields.Date()
    in_force_until = fields.Date()


class ViolatorsPageOut(page_schema(ViolatorOut, "PublicViolatorsPage")):
    year = fields.Integer()
    lang = fields.String()
    notes = fields.List(fields.Nested(PublicTextOut))
