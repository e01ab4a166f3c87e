"""HTTP API of the feedback service: parse, call a use case, serialise."""

from flask.views import MethodView
from flask_smorest import Blueprint

from services.feedback import service
from services.feedback.schemas import FeedbackIn, FeedbackOut, FeedbackPage, FeedbackQuery, FeedbackReceipt
from shared.auth import current_principal, require_roles
from shared.web import ErrorResponse, runtime

blp = Blueprint("feedback", __name__, url_prefix="/feedback",
                description="Phản ánh, kiến nghị của người dân, doanh nghiệp — citizen feedback")


@blp.route("")
class FeedbackCollection(MethodView):
    @blp.arguments(FeedbackIn)
    @blp.response(201, FeedbackReceipt)
    @blp.alt_response(422, schema=ErrorResponse)
    def post(self, data):
        """Gửi phản ánh, kiến nghị — submit feedback (public, no token).

        Returns the tracking code to quote later. The reporter's contact details are kept by this
        service only and never made public; with `anonymous` none are kept. Emits `feedback.received`.
        """
        return service.submit_feedback(runtime().uow(), data)

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


@blp.route("/<code>")
class FeedbackByCode(MethodView):
    @blp.response(200, FeedbackOut)
    @blp.alt_response(401, schema=ErrorResponse)
    @blp.alt_response(404, schema=ErrorResponse)
    @blp.doc(security=[{}, {"bearerAuth": []}])
    def get(self, code):
        """Tra cứu phản ánh theo mã — track feedback by its code (public).

        Anyone sees the status and the published answer. A token of the unit concerned (or of the
        inspectorate, the office, an admin) also shows the content; the office and admins also see
        how to reach the reporter.
        """
        return service.get_feedback(runtime().uow(), code, current_principal(required=False))
