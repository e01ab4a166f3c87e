"""Request and response schemas of the tasks API."""

from marshmallow import Schema, ValidationError, fields, post_load, validate

from services.tasks import domain
from services.tasks.domain import RECURRENCE_KINDS, STATES, Recurrence
from services.tasks.use_cases.assignment import AssignTask
from services.tasks.use_cases.directives import RegisterDirective
from services.tasks.use_cases.extensions import DecideExtension, RequestExtension
from services.tasks.use_cases.plans import AddItems, MarkItemDone, PlanFilter, ReviewPlan, SelfAssess, WritePlan
from services.tasks.use_cases.progress import ReportProgress
from shared.web import LocalDateTime, PageArgs, page_schema
from shared.web.schemas import DecimalNumber, StrictBoolean


class DirectiveIn(Schema):
    number_symbol = fields.String(required=True, validate=validate.Length(min=3, max=64),
                                  metadata={"description": "số, ký hiệu văn bản — e.g. 01/CT-UBND"})
    issued_on = fields.Date(required=True, metadata={"description": "ngày ban hành"})
    signer = fields.String(required=True, validate=validate.Length(min=2, max=200),
                           metadata={"description": "người ký"})
    summary = fields.String(required=True, validate=validate.Length(min=3, max=4000),
                            metadata={"description": "trích yếu"})
    issued_by = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                              metadata={"description": "đơn vị ban hành (mặc định: đơn vị của bạn)"})

    @post_load
    def command(self, data, **_):
        return RegisterDirective(**data)


class DirectiveOut(Schema):
    number_symbol = fields.String()
    issued_on = fields.Date()
    signer = fields.String()
    summary = fields.String()
    issued_by = fields.String(allow_none=True)
    task_count = fields.Integer(metadata={"description": "số nhiệm vụ giao theo văn bản"})


class DirectiveQuery(PageArgs):
    pass


DirectivePage = page_schema(DirectiveOut, "DirectivePage")


class RecurrenceIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(RECURRENCE_KINDS),
                         metadata={"description": "weekly (hằng tuần), monthly (hằng tháng), quarterly "
                                                  "(hằng quý: ngày day_of_month của tháng cuối quý)"})
    weekday = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=6),
                             metadata={"description": "0 = thứ Hai … 6 = Chủ nhật (weekly)"})
    day_of_month = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=31),
                                  metadata={"description": "ngày trong tháng; quá cuối tháng thì lấy ngày cuối"})
    until = fields.Date(load_default=None, allow_none=True, metadata={"description": "lặp đến ngày"})

    @post_load
    def rule(self, data, **_):
        return Recurrence(**data)


class TaskIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=2000))
    lead_unit = fields.String(required=True, validate=validate.Length(min=1, max=64))
    co_units = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list)
    due_at = fields.AwareDateTime(load_default=None, allow_none=True)
    document = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                             metadata={"description": "directing document, e.g. 01/CT-UBND"})
    directive = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                              metadata={"description": "số, ký hiệu của văn bản chỉ đạo đã đăng ký"})
    assignee = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                             metadata={"description": "cán bộ được giao trong đơn vị chủ trì, nếu biết"})
    required_product = fields.String(load_default=None, allow_none=True)
    recurrence = fields.Nested(RecurrenceIn, load_default=None, allow_none=True,
                               metadata={"description": "nhiệm vụ định kỳ: hạn của mỗi kỳ là 17:00 ngày đó, "
                                                        "lùi về ngày làm việc liền trước nếu là ngày nghỉ"})

    @post_load
    def command(self, data, **_):
        return AssignTask(**data)


class TaskOut(Schema):
    code = fields.String()
    title = fields.String()
    lead_unit = fields.String()
    co_units = fields.List(fields.String())
    due_at = LocalDateTime(allow_none=True)
    document = fields.String(allow_none=True)
    directive = fields.String(allow_none=True)
    required_product = fields.String(allow_none=True)
    assigned_by = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    series = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "trạng thái suy ra: " + ", ".join(STATES)})
    progress_percent = fields.Integer()
    last_report_at = LocalDateTime(allow_none=True)
    completed_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()


class ProgressIn(Schema):
    percent = fields.Integer(required=True, validate=validate.Range(min=0, max=100))
    text = fields.String(required=True, validate=validate.Length(min=3, max=8000),
                         metadata={"description": "nội dung tiến độ"})
    product = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                            metadata={"description": "sản phẩm kèm theo: tên tệp hoặc đường dẫn"})

    @post_load
    def command(self, data, **_):
        return ReportProgress(**data)


class ProgressOut(Schema):
    unit = fields.String()
    percent = fields.Integer()
    text = fields.String()
    product = fields.String(allow_none=True)
    reported_at = LocalDateTime()
    reported_by = fields.String()


class ExtensionIn(Schema):
    requested_due_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=4000))

    @post_load
    def command(self, data, **_):
        return RequestExtension(**data)


class DecisionIn(Schema):
    approved = StrictBoolean(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))

    @post_load
    def command(self, data, **_):
        return DecideExtension(**data)


class ExtensionOut(Schema):
    id = fields.Integer()
    task_code = fields.String()
    previous_due_at = LocalDateTime()
    requested_due_at = LocalDateTime()
    reason = fields.String()
    requested_at = LocalDateTime()
    requested_by = fields.String()
    status = fields.String(metadata={"description": "requested | approved | refused"})
    decided_at = LocalDateTime(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class TaskDetail(TaskOut):
    reports = fields.List(fields.Nested(ProgressOut))
    extensions = fields.List(fields.Nested(ExtensionOut))


class TaskQuery(PageArgs):
    unit = fields.String(load_default=None)
    document = fields.String(load_default=None, metadata={"description": "số, ký hiệu văn bản"})
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))
    assigned_by = fields.String(load_default=None, metadata={"description": "người giao (sub)"})


TaskPage = page_schema(TaskOut, "TaskPage")


class SummaryQuery(Schema):
    directive = fields.String(load_default=None)


class Tally(Schema):
    document = fields.String(allow_none=True)
    total = fields.Integer()
    not_started = fields.Integer()
    in_progress = fields.Integer()
    overdue = fields.Integer()
    completed_on_time = fields.Integer()
    completed_late = fields.Integer()
    completion_rate = DecimalNumber(metadata={"description": "% hoàn thành"})
    on_time_rate = DecimalNumber(metadata={"description": "% hoàn thành đúng hạn"})


class LeaderSummary(Schema):
    leader = fields.String()
    directives = fields.List(fields.Nested(Tally))
    overall = fields.Nested(Tally)


class DigestQuery(PageArgs):
    week = fields.Date(required=True, metadata={"description": "thứ Hai của tuần, YYYY-MM-DD"})


class DigestOut(Schema):
    week = fields.Date()
    leader = fields.String()
    compiled_at = LocalDateTime()
    tasks = fields.List(fields.Nested(TaskOut))


DigestPage = page_schema(DigestOut, "DigestPage")


# -- work plans ------------------------------------------------------------------------------------

def _valid_period(label: str) -> None:
    try:
        domain.parse_period(label)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class PlanItemIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=2000),
                          metadata={"description": "việc cần làm"})
    planned_on = fields.Date(required=True, metadata={"description": "ngày dự kiến hoàn thành, trong kỳ"})
    task = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                         metadata={"description": "mã nhiệm vụ được giao mà việc này thực hiện (của đơn vị bạn)"})

    @post_load
    def draft(self, data, **_):
        return domain.PlanItemDraft(**data)


class PlanIn(Schema):
    period = fields.String(required=True, validate=_valid_period,
                           metadata={"description": "kỳ: tuần 2026-W48 (ISO), tháng 2026-11 hoặc quý 2026-Q4"})
    items = fields.List(fields.Nested(PlanItemIn), required=True, validate=validate.Length(min=1, max=200))

    @post_load
    def command(self, data, **_):
        return WritePlan(**data)


class PlanItemsIn(Schema):
    items = fields.List(fields.Nested(PlanItemIn), required=True, validate=validate.Length(min=1, max=200))

    @post_load
    def command(self, data, **_):
        return AddItems(**data)


class ItemDoneIn(Schema):
    done_on = fields.Date(load_default=None, allow_none=True,
                          metadata={"description": "ngày hoàn thành (mặc định: hôm nay)"})

    @post_load
    def command(self, data, **_):
        return MarkItemDone(**data)


class SelfAssessmentIn(Schema):
    level = fields.String(required=True, validate=validate.OneOf(domain.LEVELS),
                          metadata={"description": "mức tự xếp loại (Nghị định 90/2020/NĐ-CP, sửa đổi bởi Nghị định "
                                                   "48/2023/NĐ-CP): excellent (hoàn thành xuất sắc), good (tốt), "
                                                   "completed (hoàn thành), not_completed (không hoàn thành)"})
    comment = fields.String(required=True, validate=validate.Length(min=3, max=8000),
                            metadata={"description": "tự nhận xét"})

    @post_load
    def command(self, data, **_):
        return SelfAssess(**data)


class PlanReviewIn(Schema):
    agreed = StrictBoolean(required=True, metadata={"description": "thủ trưởng đồng ý với mức tự đánh giá"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=8000),
                         metadata={"description": "ý kiến; bắt buộc khi không đồng ý"})

    @post_load
    def command(self, data, **_):
        return ReviewPlan(**data)


class PlanQuery(PageArgs):
    official = fields.String(load_default=None, metadata={"description": "cán bộ (sub)"})
    unit = fields.String(load_default=None)
    period = fields.String(load_default=None, validate=_valid_period)
    status = fields.String(load_default=None, validate=validate.OneOf(domain.PLAN_STATUSES))

    @post_load
    def command(self, data, **_):
        return PlanFilter(**data)


class PlanItemOut(Schema):
    position = fields.Integer(metadata={"description": "số thứ tự trong kế hoạch"})
    title = fields.String()
    task = fields.String(attribute="task_code", allow_none=True)
    planned_on = fields.Date()
    done_on = fields.Date(allow_none=True)


class PlanOut(Schema):
    code = fields.String()
    official = fields.String()
    unit = fields.String()
    period_kind = fields.String(metadata={"description": "week | month | quarter"})
    period = fields.String()
    first_day = fields.Date()
    last_day = fields.Date()
    status = fields.String(metadata={"description": "trạng thái suy ra: " + ", ".join(domain.PLAN_STATUSES)})
    items = fields.List(fields.Nested(PlanItemOut))
    item_count = fields.Integer(attribute="count.items")
    done = fields.Integer(attribute="count.done", metadata={"description": "số việc đã hoàn thành"})
    done_on_time = fields.Integer(attribute="count.done_on_time",
                                  metadata={"description": "số việc hoàn thành đến ngày dự kiến"})
    created_at = LocalDateTime()
    submitted_at = LocalDateTime(allow_none=True)
    assessed_at = LocalDateTime(allow_none=True)
    level = fields.String(allow_none=True, metadata={"description": "mức cán bộ tự đề xuất"})
    comment = fields.String(allow_none=True)
    reviewed_at = LocalDateTime(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    review_agreed = fields.Boolean(allow_none=True)
    review_note = fields.String(allow_none=True)


PlanPage = page_schema(PlanOut, "PlanPage")
