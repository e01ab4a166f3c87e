"""Request and response schemas of the feedback API.

Requests are checked here only for their types; the rules (vocabularies, lengths, contact required
unless anonymous) are the domain's, applied in one pass so a citizen sees every problem at once. The
accepted values are still listed in the OpenAPI document.
"""

from marshmallow import Schema, fields, post_load, pre_dump, validate

from services.feedback.domain import (
    ADDRESS_MAX,
    CATEGORIES,
    CHANNELS,
    CODE_MAX,
    CONTENT_MAX,
    CONTENT_MIN,
    DEADLINE_LABELS,
    EMAIL_MAX,
    MISCONDUCT_KINDS,
    NAME_MAX,
    PHONE_MAX,
    RATING_SCALE,
    RATING_SUBJECTS,
    STAGE_COUNTED_FROM,
    STAGE_DAYS,
    STAGE_LABELS,
    STATUSES,
    FeedbackForm,
    ReporterForm,
    answer_shown,
)
from services.feedback.domain.published import PUBLICATION_KINDS
from services.feedback.use_cases import FeedbackView
from services.feedback.use_cases.handling import (
    AddInformation,
    AnswerFeedback,
    ForwardFeedback,
    RefuseFeedback,
    RequestClarification,
    SendBackFeedback,
)
from services.feedback.use_cases.publications import Published, WriteHotlines, WriteServiceRules
from services.feedback.use_cases.ratings import IssueRatingToken, RateWithToken
from services.feedback.use_cases.survey import OpenRound, RoundView
from shared.web import LocalDateTime, PageArgs, page_schema
from shared.web.schemas import StrictBoolean


def _labels(vocabulary: dict[str, str]) -> str:
    return "; ".join(f"`{key}`: {label}" for key, label in vocabulary.items())


def _optional_text(**metadata):
    return fields.String(load_default=None, allow_none=True, metadata=metadata)


class ReporterIn(Schema):
    name = _optional_text(description="Họ tên — name", maxLength=NAME_MAX)
    phone = _optional_text(description="Số điện thoại — phone", maxLength=PHONE_MAX)
    email = _optional_text(description="Thư điện tử — e-mail", maxLength=EMAIL_MAX)
    address = _optional_text(description="Địa chỉ — address", maxLength=ADDRESS_MAX)

    @post_load
    def form(self, data, **_):
        return ReporterForm(**data)


class FeedbackIn(Schema):
    channel = fields.String(required=True, metadata={
        "enum": list(CHANNELS), "description": "Kênh tiếp nhận — channel. " + _labels(CHANNELS)})
    category = fields.String(required=True, metadata={
        "enum": list(CATEGORIES), "description": "Lĩnh vực phản ánh — category. " + _labels(CATEGORIES)})
    content = fields.String(required=True, metadata={
        "minLength": CONTENT_MIN, "maxLength": CONTENT_MAX, "description": "Nội dung phản ánh, kiến nghị"})
    unit = _optional_text(description="mã đơn vị bị phản ánh — code of the unit concerned",
                          maxLength=CODE_MAX)
    official = _optional_text(description="mã cán bộ bị phản ánh — code of the official concerned",
                              maxLength=CODE_MAX)
    dossier_code = _optional_text(description="mã hồ sơ liên quan — related dossier code", maxLength=CODE_MAX)
    misconduct_kind = fields.String(load_default=None, allow_none=True, metadata={
        "enum": list(MISCONDUCT_KINDS),
        "description": "Bắt buộc khi category = misconduct — required for misconduct. " + _labels(MISCONDUCT_KINDS)})
    anonymous = StrictBoolean(load_default=False, metadata={
        "description": "Gửi ẩn danh: không lưu thông tin người gửi — anonymous: no reporter data is kept"})
    reporter = fields.Nested(ReporterIn, load_default=None, allow_none=True, metadata={
        "description": "Người phản ánh; bắt buộc có số điện thoại hoặc thư điện tử nếu không ẩn danh — "
                       "required with a phone or an e-mail unless anonymous; never made public"})

    @post_load
    def form(self, data, **_):
        return FeedbackForm(**data)


class FeedbackReceipt(Schema):
    code = fields.String(metadata={"description": "mã tra cứu — tracking code"})
    status = fields.String()
    received_at = LocalDateTime()


class ReporterOut(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class AnswerOut(Schema):
    text = fields.String()
    answered_at = LocalDateTime(allow_none=True)
    published_at = LocalDateTime(allow_none=True)


class DeadlineOut(Schema):
    stage = fields.String(metadata={"enum": list(STAGE_DAYS),
                                    "description": "`refuse` is the first decision: take on, refuse, send back "
                                                   "or forward"})
    label = fields.Function(lambda deadline: DEADLINE_LABELS.get(deadline.stage, deadline.stage),
                            metadata={"type": "string"})
    due_at = LocalDateTime()
    met_at = LocalDateTime(allow_none=True)
    paused_at = LocalDateTime(allow_none=True, metadata={
        "description": "the answer's clock waits for the reporter's reply since then"})


class StageLimitOut(Schema):
    stage = fields.String(metadata={"enum": list(STAGE_DAYS)})
    label = fields.String()
    working_days = fields.Integer()
    counted_from = fields.String()


class LimitsOut(Schema):
    effective_from = fields.Date()
    source = fields.String(metadata={"description": "căn cứ — the legal source of the limits"})
    stages = fields.List(fields.Nested(StageLimitOut))


class ClarificationOut(Schema):
    question = fields.String(metadata={"description": "câu hỏi gửi người phản ánh (public)"})
    asked_at = LocalDateTime()
    on_time = fields.Boolean(metadata={"description": "within the 5 working days"})
    replied_at = LocalDateTime(allow_none=True)
    reply = fields.String(allow_none=True, metadata={"description": "as content"})


def limits_out(limits) -> dict:
    return {"effective_from": limits.effective_from, "source": limits.source,
            "stages": [{"stage": stage, "label": STAGE_LABELS[stage], "working_days": days,
                        "counted_from": STAGE_COUNTED_FROM[stage]} for stage, days in limits.days.items()]}


class AttachmentOut(Schema):
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class FeedbackOut(Schema):
    code = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    status_label = fields.String()
    category = fields.String()
    category_label = fields.String()
    channel = fields.String()
    channel_label = fields.String()
    unit = fields.String(allow_none=True)
    received_at = LocalDateTime()
    refusal_reason = fields.String(allow_none=True, metadata={"description": "lý do không tiếp nhận"})
    sent_back_reason = fields.String(allow_none=True, metadata={"description": "lý do trả lại phản ánh"})
    limits = fields.Nested(LimitsOut, metadata={
        "description": "thời hạn xử lý theo quy định và căn cứ — the legal limits of each stage and their source"})
    clarifications = fields.List(fields.Nested(ClarificationOut), metadata={
        "description": "câu hỏi đề nghị bổ sung thông tin; reply with POST /feedback/{code}/clarification"})
    answer = fields.Nested(AnswerOut, allow_none=True, metadata={
        "description": "kết quả xử lý: public once published; the unit also sees it before"})
    rating_token = fields.String(allow_none=True, metadata={
        "description": "mã đánh giá một lần, sau khi có kết quả — one-time rating token once answered; "
                       "null once used"})
    misconduct_kind = fields.String(allow_none=True, metadata={"description": "as content"})
    deadlines = fields.List(fields.Nested(DeadlineOut), metadata={"description": "as content"})
    attachments = fields.List(fields.Nested(AttachmentOut), metadata={"description": "as content"})
    content = fields.String(metadata={"description": "only for the unit concerned and units overseeing all"})
    official = fields.String(allow_none=True, metadata={"description": "as content"})
    dossier_code = fields.String(allow_none=True, metadata={"description": "as content"})
    anonymous = fields.Boolean(metadata={"description": "as content"})
    reporter = fields.Nested(ReporterOut, allow_none=True,
                             metadata={"description": "only for the office and admins; null when anonymous"})

    @pre_dump
    def disclose(self, view: FeedbackView, **_) -> dict:
        """What this reader may see of the feedback (view.shown); the other keys are left out."""
        feedback, shown = view.feedback, view.shown
        out = {
            "code": feedback.code, "status": feedback.status, "status_label": STATUSES[feedback.status],
            "category": feedback.category, "category_label": CATEGORIES[feedback.category],
            "channel": feedback.channel, "channel_label": CHANNELS[feedback.channel], "unit": feedback.unit,
            "received_at": feedback.received_at, "refusal_reason": feedback.refusal_reason,
            "sent_back_reason": feedback.sent_back_reason, "answer": None,
        }
        if view.limits is not None:
            out["limits"] = limits_out(view.limits)
        if view.clarifications is not None:
            out["clarifications"] = [
                {"question": c.question, "asked_at": c.asked_at, "on_time": c.on_time, "replied_at": c.replied_at,
                 **({"reply": c.reply} if shown.content else {})} for c in view.clarifications]
        if feedback.answer is not None and answer_shown(feedback.published_at is not None, shown):
            out["answer"] = {"text": feedback.answer, "answered_at": feedback.answered_at,
                             "published_at": feedback.published_at}
        if view.offers_rating_token:
            out["rating_token"] = view.rating_token
        if shown.content:
            out.update(content=feedback.content, official=feedback.official, dossier_code=feedback.dossier_code,
                       anonymous=feedback.anonymous, misconduct_kind=feedback.misconduct_kind)
        if view.deadlines is not None:
            out["deadlines"] = view.deadlines
        if view.attachments is not None:
            out["attachments"] = view.attachments
        if shown.contact:
            out["reporter"] = view.reporter
        return out


class FeedbackQuery(PageArgs):
    unit = fields.String(load_default=None, metadata={"description": "unit code; yours by default"})
    status = fields.String(load_default=None, validate=validate.OneOf(list(STATUSES)))


FeedbackPage = page_schema(FeedbackOut, "FeedbackPage")


class ForwardIn(Schema):
    unit = fields.String(required=True, metadata={"description": "mã đơn vị có thẩm quyền — competent unit"})
    note = fields.String(load_default=None, allow_none=True, metadata={"description": "ghi chú cho đơn vị nhận"})

    @post_load
    def command(self, data, **_):
        return ForwardFeedback(**data)


class RefuseIn(Schema):
    reason = fields.String(required=True, metadata={"description": "lý do không tiếp nhận (công khai)"})

    @post_load
    def command(self, data, **_):
        return RefuseFeedback(**data)


class SendBackIn(Schema):
    reason = fields.String(required=True, metadata={"description": "lý do trả lại (công khai)"})

    @post_load
    def command(self, data, **_):
        return SendBackFeedback(**data)


class ClarifyIn(Schema):
    question = fields.String(required=True, metadata={
        "description": "thông tin cần bổ sung; công khai với người giữ mã tra cứu — public with the tracking code"})

    @post_load
    def command(self, data, **_):
        return RequestClarification(**data)


class InformationIn(Schema):
    text = fields.String(required=True, metadata={"description": "thông tin bổ sung của người phản ánh"})

    @post_load
    def command(self, data, **_):
        return AddInformation(**data)


class AnswerIn(Schema):
    text = fields.String(required=True, metadata={"description": "nội dung trả lời"})

    @post_load
    def command(self, data, **_):
        return AnswerFeedback(**data)


class EmptyIn(Schema):
    pass


class HandledOut(FeedbackOut):
    pass


class RatingTokenIn(Schema):
    subject_type = fields.String(required=True, validate=validate.OneOf(RATING_SUBJECTS))
    subject = fields.String(required=True, metadata={"description": "mã hồ sơ hoặc mã phản ánh"})
    unit = fields.String(load_default=None, allow_none=True, metadata={
        "description": "đơn vị được đánh giá (for a dossier; a feedback's own unit is used)"})

    @post_load
    def command(self, data, **_):
        return IssueRatingToken(**data)


class RatingTokenOut(Schema):
    token = fields.String(metadata={"description": "give it to the citizen; valid for one rating"})
    subject_type = fields.String()
    subject = fields.String()
    unit = fields.String(allow_none=True)


class RatingIn(Schema):
    token = fields.String(required=True)
    overall = fields.Raw(required=True, metadata={
        "type": "integer", "minimum": 1, "maximum": 5,
        "description": "5 rất hài lòng, 4 hài lòng, 3 bình thường, 2 không hài lòng, 1 rất không hài lòng"})
    factors = fields.Raw(load_default=dict, metadata={
        "type": "object", "description": "SIPAS: access, procedure, officials, result, feedback_handling (1–5)"})
    comment = fields.String(load_default=None, allow_none=True)

    @post_load
    def command(self, data, **_):
        return RateWithToken(**data)


class RatingOut(Schema):
    code = fields.String()
    subject_type = fields.String()
    subject = fields.String()
    overall = fields.Integer()
    overall_label = fields.Function(lambda rating: RATING_SCALE[rating.overall], metadata={"type": "string"})
    submitted_at = LocalDateTime()


# -- published content ----------------------------------------------------------------------------

class OnQuery(Schema):
    on = fields.Date(load_default=None, metadata={"description": "ngày xem — the day (today by default)"})


class ServiceRulesIn(Schema):
    effective_from = fields.Date(required=True, metadata={"description": "ngày có hiệu lực (hôm nay trở đi)"})
    rules = fields.Raw(load_default=None, metadata={
        "type": "array", "items": {"type": "string"}, "description": "các quy tắc của đơn vị, mỗi dòng một quy tắc"})
    adopt_default = StrictBoolean(load_default=False, metadata={
        "description": "áp dụng 10 nội dung của Kế hoạch 69/KH-UBND (II.3.e) — adopt the city's ten"})
    source = _optional_text(description="căn cứ ban hành — the unit's own act, if any")

    @post_load
    def command(self, data, **_):
        return WriteServiceRules(**data)


class HotlinesIn(Schema):
    effective_from = fields.Date(required=True, metadata={"description": "ngày có hiệu lực (hôm nay trở đi)"})
    lines = fields.Raw(required=True, metadata={
        "type": "array", "items": {"type": "object", "properties": {
            "position": {"type": "string"}, "name": {"type": "string"}, "official": {"type": "string"},
            "phone": {"type": "string"}, "note": {"type": "string"}}},
        "description": "số máy công vụ của lãnh đạo (công khai theo quy định) — leaders' work numbers only"})
    source = _optional_text(description="căn cứ")

    @post_load
    def command(self, data, **_):
        return WriteHotlines(**data)


class HotlineOut(Schema):
    position = fields.String()
    name = fields.String(allow_none=True)
    official = fields.String(allow_none=True)
    phone = fields.String()
    note = fields.String(allow_none=True)


class PublishedOut(Schema):
    unit = fields.String()
    kind = fields.String(metadata={"enum": list(PUBLICATION_KINDS)})
    kind_label = fields.String()
    on = fields.Date(metadata={"description": "the day asked for"})
    effective_from = fields.Date(metadata={"description": "the version in force that day took effect on"})
    source = fields.String(allow_none=True)
    rules = fields.List(fields.String(), metadata={"description": "service_rules only"})
    lines = fields.List(fields.Nested(HotlineOut), metadata={"description": "hotlines only"})
    versions = fields.List(fields.Date(), metadata={"description": "dates of every version the unit wrote"})

    @pre_dump
    def flatten(self, published: Published, **_) -> dict:
        version = published.version
        items = "rules" if published.kind == "service_rules" else "lines"
        return {"unit": published.unit, "kind": published.kind, "kind_label": PUBLICATION_KINDS[published.kind],
                "on": published.on, "effective_from": version.effective_from, "source": version.source,
                items: version.content, "versions": published.versions}


# -- survey rounds ----------------------------------------------------------------------------------

class SurveyRoundIn(Schema):
    unit = fields.String(required=True, metadata={"description": "đơn vị khảo sát (your own)"})
    period = fields.String(load_default=None, allow_none=True, metadata={
        "description": "tháng đã kết thúc, YYYY-MM; the previous month by default"})

    @post_load
    def command(self, data, **_):
        return OpenRound(**data)


class SampleRuleOut(Schema):
    share = fields.Float()
    minimum = fields.Integer()
    maximum = fields.Integer()
    source = fields.String()


class InvitationOut(Schema):
    dossier = fields.String()
    token = fields.String(allow_none=True, metadata={"description": "give it to the citizen; null once used"})


class SurveyRoundOut(Schema):
    code = fields.String()
    unit = fields.String()
    period = fields.String()
    opened_at = LocalDateTime()
    returned = fields.Integer(metadata={"description": "hồ sơ đã trả kết quả trong tháng"})
    invited = fields.Integer(metadata={"description": "số người được mời đánh giá (mẫu)"})
    rated = fields.Integer(metadata={"description": "số phiếu đã nhận"})
    sample_rule = fields.Nested(SampleRuleOut, metadata={"description": "cách chọn mẫu (chính sách địa phương)"})
    invitations = fields.List(fields.Nested(InvitationOut))

    @pre_dump
    def flatten(self, view: RoundView, **_) -> dict:
        row = view.round
        return {"code": row.code, "unit": row.unit, "period": row.period, "opened_at": row.opened_at,
                "returned": row.returned, "invited": row.invited, "rated": view.rated,
                "sample_rule": row.sample_rule, "invitations": view.invitations or []}
