"""Request and response schemas of the feedback API.

Requests are checked here only for their types; the rules (vocabularies, lengths, contact required
unless anonymous) are the domain's, applied in one pass so a citizen sees every problem at once. The
accepted values are still listed in the OpenAPI document.
"""

from marshmallow import Schema, fields, validate

from services.feedback.domain import (
    ADDRESS_MAX,
    CATEGORIES,
    CHANNELS,
    CODE_MAX,
    CONTENT_MAX,
    CONTENT_MIN,
    EMAIL_MAX,
    MISCONDUCT_KINDS,
    NAME_MAX,
    PHONE_MAX,
    STATUSES,
)
from shared.web import LocalDateTime, PageArgs, page_schema


def _labels(vocabulary: dict[str, str]) -> str:
    return "; ".join(f"`{key}`: {label}" for key, label in vocabulary.items())


def _optional_text(**metadata):
    return fields.String(load_default=None, allow_none=True, metadata=metadata)


class ReporterIn(Schema):
    name = _optional_text(description="Họ tên — name", maxLength=NAME_MAX)
    phone = _optional_text(description="Số điện thoại — phone", maxLength=PHONE_MAX)
    email = _optional_text(description="Thư điện tử — e-mail", maxLength=EMAIL_MAX)
    address = _optional_text(description="Địa chỉ — address", maxLength=ADDRESS_MAX)


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
    anonymous = fields.Boolean(load_default=False, metadata={
        "description": "Gửi ẩn danh: không lưu thông tin người gửi — anonymous: no reporter data is kept"})
    reporter = fields.Nested(ReporterIn, load_default=None, allow_none=True, metadata={
        "description": "Người phản ánh; bắt buộc có số điện thoại hoặc thư điện tử nếu không ẩn danh — "
                       "required with a phone or an e-mail unless anonymous; never made public"})


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
    stage = fields.String(metadata={"enum": ["forward", "refuse", "answer", "publish"]})
    label = fields.String()
    due_at = LocalDateTime()
    met_at = LocalDateTime(allow_none=True)


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


class FeedbackQuery(PageArgs):
    unit = fields.String(load_default=None, metadata={"description": "unit code; yours by default"})
    status = fields.String(load_default=None, validate=validate.OneOf(list(STATUSES)))


FeedbackPage = page_schema(FeedbackOut, "FeedbackPage")


class ForwardIn(Schema):
    unit = fields.String(required=True, metadata={"description": "mã đơn vị có thẩm quyền — competent unit"})
    note = fields.String(load_default=None, allow_none=True, metadata={"description": "ghi chú cho đơn vị nhận"})


class RefuseIn(Schema):
    reason = fields.String(required=True, metadata={"description": "lý do không tiếp nhận (công khai)"})


class AnswerIn(Schema):
    text = fields.String(required=True, metadata={"description": "nội dung trả lời"})


class EmptyIn(Schema):
    pass


class HandledOut(FeedbackOut):
    pass


class RatingTokenIn(Schema):
    subject_type = fields.String(required=True, validate=validate.OneOf(["dossier", "feedback"]))
    subject = fields.String(required=True, metadata={"description": "mã hồ sơ hoặc mã phản ánh"})
    unit = fields.String(load_default=None, allow_none=True, metadata={
        "description": "đơn vị được đánh giá (for a dossier; a feedback's own unit is used)"})


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


class RatingOut(Schema):
    code = fields.String()
    subject_type = fields.String()
    subject = fields.String()
    overall = fields.Integer()
    overall_label = fields.String()
    submitted_at = LocalDateTime()
