"""HTTP API of the feedback service: parse, call a use case, serialise."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from services.feedback import domain, service
from services.feedback.ratelimit import client_address, limit_client
from services.feedback.schemas import (
    AnswerIn,
    EmptyIn,
    FeedbackIn,
    FeedbackOut,
    FeedbackPage,
    FeedbackQuery,
    FeedbackReceipt,
    ForwardIn,
    HandledOut,
    RatingIn,
    RatingOut,
    RatingTokenIn,
    RatingTokenOut,
    RefuseIn,
)
from shared import attachments
from shared.auth import current_principal, require_roles
from shared.errors import InvalidInput
from shared.web import ErrorResponse, runtime

blp = Blueprint("feedback", __name__, url_prefix="/feedback",
                description="Phản ánh, kiến nghị của người dân, doanh nghiệp — citizen feedback")
ratings_blp = Blueprint("ratings", __name__, url_prefix="",
                        description="Đánh giá mức độ hài lòng (SIPAS) — satisfaction ratings")

HANDLERS = ("officer", "head", "office", "admin")
REPORTER_FORM_FIELDS = ("name", "phone", "email", "address")




@blp.route("")
class FeedbackCollection(MethodView):
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": FeedbackIn},
        "multipart/form-data": {"schema": {"type": "object", "description":
                                           "the same fields as form fields (reporter as reporter.name, "
                                           "reporter.phone, reporter.email, reporter.address) and up to 3 "
                                           "files `attachments` (JPEG, PNG or PDF, 5 MB each)"}}}})
    @blp.response(201, FeedbackReceipt)
    @blp.alt_response(200, schema=FeedbackReceipt, description="a duplicate: the earlier tracking code")
    @blp.alt_response(413, schema=ErrorResponse)
    @blp.alt_response(422, schema=ErrorResponse)
    @blp.alt_response(429, schema=ErrorResponse)
    def post(self):
        """Gửi phản ánh, kiến nghị — submit feedback (public, no token).

        Returns the tracking code to quote later. The reporter's contact details are kept by this
        service only and never made public; with `anonymous` none are kept. The same text from the same
        sender to the same unit within 10 minutes returns the earlier code with 200 and creates nothing.
        Limited per client address (429 with Retry-After). Emits `feedback.received`, and
        `misconduct.reported` for category misconduct.
        """
        client = client_address()
        limit_client(client)
        data, uploads = _intake_body()
        feedback, created = service.receive_feedback(runtime().uow(), data, sender=client, uploads=uploads)
        return feedback, 201 if created else 200

    @blp.arguments(FeedbackQuery, location="query")
    @blp.response(200, FeedbackPage)
    @blp.alt_response(401, schema=ErrorResponse)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.doc(security=[{"bearerAuth": []}])
    @require_roles()
    def get(self, args):
        """Danh sách phản ánh của đơn vị — a unit's feedback (yours by default), oldest first."""
        return service.list_feedback(runtime().uow(), current_principal(), args["unit"], args["status"],
                                     args["page"], args["page_size"])


def _intake_body() -> tuple[dict, list[attachments.Upload]]:
    if request.mimetype == "multipart/form-data":
        raw: dict = {key: value for key, value in request.form.items() if not key.startswith("reporter.")}
        reporter = {key: request.form.get(f"reporter.{key}") for key in REPORTER_FORM_FIELDS
                    if request.form.get(f"reporter.{key}") is not None}
        if reporter:
            raw["reporter"] = reporter
        uploads = attachments.read_uploads(request.files.getlist("attachments"),
                                           max_files=domain.ATTACHMENTS_MAX, max_bytes=domain.ATTACHMENT_MAX_BYTES)
    else:
        raw, uploads = request.get_json(silent=True), []
        if not isinstance(raw, dict):
            raise InvalidInput("send the feedback as a JSON object (or multipart/form-data)",
                               {"json": ["a JSON object is required"]})
    try:
        return FeedbackIn().load(raw), uploads
    except ValidationError as exc:
        raise InvalidInput("the request has invalid fields: " + ", ".join(sorted(exc.messages)),
                           exc.messages) from exc



@blp.route("/<code>")
class FeedbackByCode(MethodView):
    @blp.response(200, FeedbackOut)
    @blp.alt_response(401, schema=ErrorResponse)
    @blp.alt_response(404, schema=ErrorResponse)
    @blp.doc(security=[{}, {"bearerAuth": []}])
    def get(self, code):
        """Tra cứu phản ánh theo mã — track feedback by its code (public).

        Anyone sees the status, the refusal reason, the published answer and, once answered, the
        one-time rating token. A token of the unit concerned (or of the inspectorate, the office, an
        admin) also shows the content and the stage deadlines; the office and admins also see how to
        reach the reporter.
        """
        return service.get_feedback(runtime().uow(), code, current_principal(required=False))


_STEP_DOC = dict(security=[{"bearerAuth": []}])


@blp.route("/<code>/forward")
class ForwardFeedback(MethodView):
    @blp.arguments(ForwardIn)
    @blp.response(200, HandledOut)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.alt_response(404, schema=ErrorResponse)
    @blp.alt_response(409, schema=ErrorResponse)
    @blp.doc(**_STEP_DOC)
    @require_roles(*HANDLERS)
    def post(self, data, code):
        """Chuyển đơn vị có thẩm quyền — forward (within 5 working days); emits `feedback.forwarded`."""
        return service.forward_feedback(runtime().uow(), current_principal(), code, data["unit"], data["note"])


@blp.route("/<code>/accept")
class AcceptFeedback(MethodView):
    @blp.arguments(EmptyIn)
    @blp.response(200, HandledOut)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.alt_response(409, schema=ErrorResponse)
    @blp.doc(**_STEP_DOC)
    @require_roles(*HANDLERS)
    def post(self, _data, code):
        """Tiếp nhận xử lý — accept (within 2 working days); closes the refuse and forward stages."""
        return service.accept_feedback(runtime().uow(), current_principal(), code)


@blp.route("/<code>/refuse")
class RefuseFeedback(MethodView):
    @blp.arguments(RefuseIn)
    @blp.response(200, HandledOut)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.alt_response(409, schema=ErrorResponse)
    @blp.alt_response(422, schema=ErrorResponse)
    @blp.doc(**_STEP_DOC)
    @require_roles(*HANDLERS)
    def post(self, data, code):
        """Không tiếp nhận — refuse with a public reason (within 2 working days); emits `feedback.refused`."""
        return service.refuse_feedback(runtime().uow(), current_principal(), code, data["reason"])


@blp.route("/<code>/answer")
class AnswerFeedback(MethodView):
    @blp.arguments(AnswerIn)
    @blp.response(200, HandledOut)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.alt_response(409, schema=ErrorResponse)
    @blp.alt_response(422, schema=ErrorResponse)
    @blp.doc(**_STEP_DOC)
    @require_roles(*HANDLERS)
    def post(self, data, code):
        """Trả lời — answer (within 15 working days); returns the reporter's one-time rating token and
        emits `feedback.answered`. The answer becomes public when published."""
        return service.answer_feedback(runtime().uow(), current_principal(), code, data["text"])


@blp.route("/<code>/publish")
class PublishFeedback(MethodView):
    @blp.arguments(EmptyIn)
    @blp.response(200, HandledOut)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.alt_response(409, schema=ErrorResponse)
    @blp.doc(**_STEP_DOC)
    @require_roles(*HANDLERS)
    def post(self, _data, code):
        """Công khai kết quả — publish the answer (within 2 working days); emits `feedback.published`."""
        return service.publish_feedback(runtime().uow(), current_principal(), code)


@ratings_blp.route("/rating-tokens")
class RatingTokens(MethodView):
    @ratings_blp.arguments(RatingTokenIn)
    @ratings_blp.response(201, RatingTokenOut)
    @ratings_blp.alt_response(403, schema=ErrorResponse)
    @ratings_blp.alt_response(404, schema=ErrorResponse)
    @ratings_blp.alt_response(409, schema=ErrorResponse)
    @ratings_blp.doc(security=[{"bearerAuth": []}])
    @require_roles(*HANDLERS)
    def post(self, data):
        """Cấp mã đánh giá — issue a one-time rating token for a returned dossier or answered feedback."""
        return service.issue_rating_token(runtime().uow(), current_principal(), data["subject_type"],
                                          data["subject"], data["unit"])


@ratings_blp.route("/ratings")
class Ratings(MethodView):
    @ratings_blp.arguments(RatingIn)
    @ratings_blp.response(201, RatingOut)
    @ratings_blp.alt_response(404, schema=ErrorResponse)
    @ratings_blp.alt_response(409, schema=ErrorResponse)
    @ratings_blp.alt_response(422, schema=ErrorResponse)
    @ratings_blp.alt_response(429, schema=ErrorResponse)
    def post(self, data):
        """Đánh giá mức độ hài lòng — rate with a one-time token (public); emits `rating.submitted`
        (the comment stays in this service)."""
        limit_client(client_address())
        return service.submit_rating(runtime().uow(), data["token"], data)
