"""HTTP API of the feedback service: parse, call a use case, serialise."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from services.feedback import domain
from services.feedback.domain.published import HOTLINES, SERVICE_RULES
from services.feedback.schemas import (
    AnswerIn,
    ClarifyIn,
    EmptyIn,
    FeedbackIn,
    FeedbackOut,
    FeedbackPage,
    FeedbackQuery,
    FeedbackReceipt,
    ForwardIn,
    HandledOut,
    HotlinesIn,
    InformationIn,
    OnQuery,
    PublishedOut,
    RatingIn,
    RatingOut,
    RatingTokenIn,
    RatingTokenOut,
    RefuseIn,
    SendBackIn,
    ServiceRulesIn,
    SurveyRoundIn,
    SurveyRoundOut,
)
from services.feedback.use_cases import handling, intake, publications, queries, ratings, survey
from shared.errors import DomainError
from shared.web import (
    OPTIONAL_BEARER,
    client_address,
    current_principal,
    documents_errors,
    load_body,
    protected,
    runtime,
)

blp = Blueprint("feedback", __name__, url_prefix="/feedback",
                description="Phản ánh, kiến nghị của người dân, doanh nghiệp — citizen feedback")
ratings_blp = Blueprint("ratings", __name__, url_prefix="",
                        description="Đánh giá mức độ hài lòng (SIPAS) — satisfaction ratings")
public_blp = Blueprint("published", __name__, url_prefix="",
                       description="Nội dung đơn vị công khai: quy tắc ứng xử, đường dây nóng — what units publish")


# Built once: a schema's construction deep-copies its fields (a fifth of the intake's own Python time when
# made per request); loading with one instance from several threads is safe (no state kept between loads).
FEEDBACK_IN = FeedbackIn()


def admit_client() -> str:
    """The client of this request, once the per-client limit has let it through (429 otherwise)."""
    client = client_address()
    intake.admit(runtime().uow(), client)
    return client


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
    @documents_errors(blp, 413, 422, 429)
    def post(self):
        """Gửi phản ánh, kiến nghị — submit feedback (public, no token).

        Returns the tracking code to quote later. The reporter's contact details are kept by this
        service only and never made public; with `anonymous` none are kept. The same text from the same
        sender to the same unit within 10 minutes returns the earlier code with 200 and creates nothing.
        Limited per client address (429 with Retry-After). Emits `feedback.received`, and
        `misconduct.reported` for category misconduct.
        """
        # The request is taken from the client's allowance in the submission's own statement; a body
        # refused before it gets there is counted here, so a flood of invalid bodies meets 429 too.
        client = client_address()
        try:
            form, uploads = load_body(FEEDBACK_IN, max_files=domain.ATTACHMENTS_MAX,
                                      max_bytes=domain.ATTACHMENT_MAX_BYTES, nested=("reporter",),
                                      what="the feedback")
        except (DomainError, HTTPException):
            intake.admit(runtime().uow(), client)
            raise
        feedback, created = intake.receive_feedback(runtime().uow(), form,
                                                    intake.Delivery(sender=client, uploads=uploads), count=True)
        return feedback, 201 if created else 200

    @protected(blp, errors=(422,))
    @blp.arguments(FeedbackQuery, location="query")
    @blp.response(200, FeedbackPage)
    def get(self, args):
        """Danh sách phản ánh của đơn vị — a unit's feedback (yours by default), oldest first."""
        return queries.list_feedback(runtime().uow(), current_principal(), args["unit"], args["status"],
                                     args["page"], args["page_size"])


@blp.route("/<code>")
class FeedbackByCode(MethodView):
    @blp.response(200, FeedbackOut)
    @documents_errors(blp, 401, 404)
    @blp.doc(security=OPTIONAL_BEARER)
    def get(self, code):
        """Tra cứu phản ánh theo mã — track feedback by its code (public).

        Anyone sees the status, the legal handling limits of each stage and their source, the refusal or
        send-back reason, the questions put to the reporter, the published answer and, once answered,
        the one-time rating token. A token of the unit concerned (or of the inspectorate, the office, an
        admin) also shows the content and the stage deadlines; the office and admins also see how to
        reach the reporter.
        """
        return queries.get_feedback(runtime().uow(), code, current_principal(required=False))


@blp.route("/<code>/forward")
class ForwardFeedback(MethodView):
    @protected(blp, *domain.STAFF_ROLES, errors=(404, 409, 422))
    @blp.arguments(ForwardIn)
    @blp.response(200, HandledOut)
    def post(self, command, code):
        """Chuyển đơn vị có thẩm quyền — forward (within 2 working days); emits `feedback.forwarded`."""
        return handling.forward_feedback(runtime().uow(), current_principal(), code, command)


@blp.route("/<code>/accept")
class AcceptFeedback(MethodView):
    @protected(blp, *domain.STAFF_ROLES, errors=(404, 409))
    @blp.arguments(EmptyIn)
    @blp.response(200, HandledOut)
    def post(self, _data, code):
        """Tiếp nhận xử lý — accept (within 2 working days); closes the refuse and forward stages."""
        return handling.accept_feedback(runtime().uow(), current_principal(), code)


@blp.route("/<code>/refuse")
class RefuseFeedback(MethodView):
    @protected(blp, *domain.STAFF_ROLES, errors=(404, 409, 422))
    @blp.arguments(RefuseIn)
    @blp.response(200, HandledOut)
    def post(self, command, code):
        """Không tiếp nhận — refuse with a public reason (within 2 working days); emits `feedback.refused`."""
        return handling.refuse_feedback(runtime().uow(), current_principal(), code, command)


@blp.route("/<code>/send-back")
class SendBackFeedback(MethodView):
    @protected(blp, *domain.STAFF_ROLES, errors=(404, 409, 422))
    @blp.arguments(SendBackIn)
    @blp.response(200, HandledOut)
    def post(self, command, code):
        """Trả lại phản ánh — send back to the reporter with a public reason (within 2 working days);
        emits `feedback.sent_back`."""
        return handling.send_back_feedback(runtime().uow(), current_principal(), code, command)


@blp.route("/<code>/clarify")
class ClarifyFeedback(MethodView):
    @protected(blp, *domain.STAFF_ROLES, errors=(404, 409, 422))
    @blp.arguments(ClarifyIn)
    @blp.response(200, HandledOut)
    def post(self, command, code):
        """Đề nghị bổ sung thông tin — ask the reporter for more (within 5 working days); the question is
        shown with the tracking code and the answer's clock waits for the reply. Emits
        `feedback.clarification_requested`."""
        return handling.request_clarification(runtime().uow(), current_principal(), code, command)


@blp.route("/<code>/clarification")
class AddInformation(MethodView):
    @blp.arguments(InformationIn)
    @blp.response(200, FeedbackOut)
    @documents_errors(blp, 404, 409, 422, 429)
    def post(self, command, code):
        """Bổ sung thông tin — the reporter replies to the unit's question with the tracking code (public,
        no token); the answer's clock runs again with the time it had left."""
        admit_client()
        return handling.add_information(runtime().uow(), code, command)


@blp.route("/<code>/answer")
class AnswerFeedback(MethodView):
    @protected(blp, *domain.STAFF_ROLES, errors=(404, 409, 422))
    @blp.arguments(AnswerIn)
    @blp.response(200, HandledOut)
    def post(self, command, code):
        """Trả lời — answer (within 15 working days); returns the reporter's one-time rating token and
        emits `feedback.answered`. The answer becomes public when published."""
        return handling.answer_feedback(runtime().uow(), current_principal(), code, command)


@blp.route("/<code>/publish")
class PublishFeedback(MethodView):
    @protected(blp, *domain.STAFF_ROLES, errors=(404, 409))
    @blp.arguments(EmptyIn)
    @blp.response(200, HandledOut)
    def post(self, _data, code):
        """Công khai kết quả — publish the answer (within 2 working days); emits `feedback.published`."""
        return handling.publish_feedback(runtime().uow(), current_principal(), code)


@ratings_blp.route("/rating-tokens")
class RatingTokens(MethodView):
    @protected(ratings_blp, *domain.STAFF_ROLES, errors=(404, 409, 422))
    @ratings_blp.arguments(RatingTokenIn)
    @ratings_blp.response(201, RatingTokenOut)
    def post(self, command):
        """Cấp mã đánh giá — issue a one-time rating token for a returned dossier or answered feedback."""
        return ratings.issue_rating_token(runtime().uow(), current_principal(), command)


@ratings_blp.route("/ratings")
class Ratings(MethodView):
    @ratings_blp.arguments(RatingIn)
    @ratings_blp.response(201, RatingOut)
    @documents_errors(ratings_blp, 404, 409, 422, 429)
    def post(self, command):
        """Đánh giá mức độ hài lòng — rate with a one-time token (public); emits `rating.submitted`
        (the comment stays in this service)."""
        admit_client()
        return ratings.submit_rating(runtime().uow(), command)


@ratings_blp.route("/survey-rounds")
class SurveyRounds(MethodView):
    @protected(ratings_blp, "office", "head", "admin", errors=(409, 422))
    @ratings_blp.arguments(SurveyRoundIn)
    @ratings_blp.response(201, SurveyRoundOut)
    def post(self, command):
        """Mở đợt khảo sát hài lòng tháng — open your unit's survey of a finished month (once per month):
        a sample of its returned dossiers, by the sample rule stated in the answer, each invited with a
        one-time rating token to deliver; emits `survey.round_opened`. A sweep opens last month's round
        by itself."""
        return survey.open_round(runtime().uow(), current_principal(), command)


@ratings_blp.route("/survey-rounds/<code>")
class SurveyRoundByCode(MethodView):
    @protected(ratings_blp, *domain.STAFF_ROLES, "inspector", errors=(404,))
    @ratings_blp.response(200, SurveyRoundOut)
    def get(self, code):
        """Một đợt khảo sát — a round: its sample, the tokens not used yet, how many rated."""
        return survey.get_round(runtime().uow(), current_principal(), code)


@public_blp.route("/public/units/<unit>/service-rules")
class PublicServiceRules(MethodView):
    @public_blp.arguments(OnQuery, location="query")
    @public_blp.response(200, PublishedOut)
    @documents_errors(public_blp, 404, 422)
    def get(self, args, unit):
        """Quy tắc ứng xử tại bộ phận một cửa của đơn vị — the service rules a unit posts at its desk, the
        version in force on `on` (today by default); public."""
        return publications.published_on(runtime().uow(), unit, SERVICE_RULES, args["on"])


@public_blp.route("/public/units/<unit>/hotlines")
class PublicHotlines(MethodView):
    @public_blp.arguments(OnQuery, location="query")
    @public_blp.response(200, PublishedOut)
    @documents_errors(public_blp, 404, 422)
    def get(self, args, unit):
        """Đường dây nóng của lãnh đạo đơn vị — the unit's leaders' hotline numbers in force on `on`; public."""
        return publications.published_on(runtime().uow(), unit, HOTLINES, args["on"])


@public_blp.route("/units/<unit>/service-rules")
class WriteServiceRules(MethodView):
    @protected(public_blp, "office", "head", "admin", errors=(422,))
    @public_blp.arguments(ServiceRulesIn)
    @public_blp.response(201, PublishedOut)
    @public_blp.alt_response(200, schema=PublishedOut, description="the version of that date replaced")
    def post(self, command, unit):
        """Ban hành quy tắc ứng xử — a new version of your unit's service rules (your own lines, or
        `adopt_default` for the city's ten), in force from `effective_from` (today or later)."""
        published, created = publications.write_service_rules(runtime().uow(), current_principal(), unit, command)
        return published, 201 if created else 200


@public_blp.route("/units/<unit>/hotlines")
class WriteHotlines(MethodView):
    @protected(public_blp, "office", "head", "admin", errors=(422,))
    @public_blp.arguments(HotlinesIn)
    @public_blp.response(201, PublishedOut)
    @public_blp.alt_response(200, schema=PublishedOut, description="the version of that date replaced")
    def post(self, command, unit):
        """Công khai đường dây nóng — a new version of your unit's leaders' hotlines (work numbers), in
        force from `effective_from` (today or later)."""
        published, created = publications.write_hotlines(runtime().uow(), current_principal(), unit, command)
        return published, 201 if created else 200
