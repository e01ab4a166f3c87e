"""HTTP API of the tasks service: parse, call a use case, serialise."""

from flask.views import MethodView
from flask_smorest import Blueprint

from services.tasks import service
from services.tasks.schemas import (
    DecisionIn,
    DigestPage,
    DigestQuery,
    DirectiveIn,
    DirectiveOut,
    DirectivePage,
    DirectiveQuery,
    ExtensionIn,
    ExtensionOut,
    LeaderSummary,
    ProgressIn,
    SummaryQuery,
    TaskDetail,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskQuery,
)
from shared.auth import current_principal, require_roles
from shared.web import ErrorResponse, runtime

blp = Blueprint("tasks", __name__, url_prefix="/tasks", description="Nhiệm vụ được giao — assigned tasks")
directives_blp = Blueprint("directives", __name__, url_prefix="/directives",
                           description="Văn bản chỉ đạo — directing documents")
leaders_blp = Blueprint("leaders", __name__, url_prefix="/leaders",
                        description="Nhiệm vụ lãnh đạo đã giao — what a leader assigned")
digests_blp = Blueprint("digests", __name__, url_prefix="/digests",
                        description="Danh sách thứ Hai: nhiệm vụ đến hạn chưa báo cáo — the Monday list")

BEARER = [{"bearerAuth": []}]


@directives_blp.route("")
class Directives(MethodView):
    @directives_blp.arguments(DirectiveQuery, location="query")
    @directives_blp.response(200, DirectivePage)
    @directives_blp.alt_response(401, schema=ErrorResponse)
    @directives_blp.doc(security=BEARER)
    @require_roles()
    def get(self, args):
        """Danh sách văn bản chỉ đạo, mới nhất trước — directives, newest first."""
        return service.list_directives(runtime().uow(), args["page"], args["page_size"])

    @directives_blp.arguments(DirectiveIn)
    @directives_blp.response(201, DirectiveOut)
    @directives_blp.alt_response(409, schema=ErrorResponse)
    @directives_blp.alt_response(403, schema=ErrorResponse)
    @directives_blp.doc(security=BEARER)
    @require_roles("office", "head", "admin")
    def post(self, data):
        """Đăng ký văn bản chỉ đạo (số, ký hiệu; ngày; người ký; trích yếu) — register a directive."""
        return service.create_directive(runtime().uow(), data, current_principal())


@directives_blp.route("/<path:number>")
class DirectiveByNumber(MethodView):
    @directives_blp.response(200, DirectiveOut)
    @directives_blp.alt_response(404, schema=ErrorResponse)
    @directives_blp.doc(security=BEARER)
    @require_roles()
    def get(self, number):
        """Một văn bản theo số, ký hiệu (ví dụ 01/CT-UBND) — one directive by its number."""
        return service.get_directive(runtime().uow(), number)


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, TaskPage)
    @blp.alt_response(401, schema=ErrorResponse)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.doc(security=BEARER)
    @require_roles()
    def get(self, args):
        """Nhiệm vụ của đơn vị (mặc định: đơn vị của bạn), theo văn bản, người giao, trạng thái —
        tasks of a unit, a document, an assigner, in a derived state."""
        return service.list_tasks(runtime().uow(), current_principal(), args["unit"], args["document"],
                                  args["page"], args["page_size"], state=args["state"],
                                  assigned_by=args["assigned_by"])

    @blp.arguments(TaskIn)
    @blp.response(201, TaskOut)
    @blp.alt_response(422, schema=ErrorResponse)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.doc(security=BEARER)
    @require_roles("office", "head", "admin")
    def post(self, data):
        """Giao nhiệm vụ cho đơn vị chủ trì (hoặc nhiệm vụ định kỳ: trả về kỳ đầu tiên); phát `task.assigned` —
        assign a task, or a recurring task (returns its first occurrence)."""
        return service.assign_task(runtime().uow(), data, current_principal())


@blp.route("/<code>")
class TaskByCode(MethodView):
    @blp.response(200, TaskDetail)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.alt_response(404, schema=ErrorResponse)
    @blp.doc(security=BEARER)
    @require_roles()
    def get(self, code):
        """Một nhiệm vụ: trạng thái, lịch sử báo cáo tiến độ và gia hạn — one task with its history."""
        return service.get_task(runtime().uow(), code, current_principal())


@blp.route("/<code>/progress")
class TaskProgress(MethodView):
    @blp.arguments(ProgressIn)
    @blp.response(201, TaskOut)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.alt_response(404, schema=ErrorResponse)
    @blp.alt_response(409, schema=ErrorResponse)
    @blp.doc(security=BEARER)
    @require_roles("officer", "head")
    def post(self, data, code):
        """Báo cáo tiến độ (đơn vị chủ trì hoặc phối hợp); 100% của đơn vị chủ trì là hoàn thành —
        report progress; 100% by the lead unit completes the task."""
        return service.report_progress(runtime().uow(), code, data, current_principal())


@blp.route("/<code>/extensions")
class TaskExtensions(MethodView):
    @blp.arguments(ExtensionIn)
    @blp.response(201, ExtensionOut)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.alt_response(404, schema=ErrorResponse)
    @blp.alt_response(409, schema=ErrorResponse)
    @blp.alt_response(422, schema=ErrorResponse)
    @blp.doc(security=BEARER)
    @require_roles("officer", "head")
    def post(self, data, code):
        """Đề nghị gia hạn (đơn vị chủ trì, trước hạn, nêu lý do) — ask for an extension before the deadline."""
        return service.request_extension(runtime().uow(), code, data, current_principal())


@blp.route("/<code>/extensions/<int:extension_id>/decision")
class ExtensionDecision(MethodView):
    @blp.arguments(DecisionIn)
    @blp.response(200, ExtensionOut)
    @blp.alt_response(403, schema=ErrorResponse)
    @blp.alt_response(404, schema=ErrorResponse)
    @blp.alt_response(409, schema=ErrorResponse)
    @blp.alt_response(422, schema=ErrorResponse)
    @blp.doc(security=BEARER)
    @require_roles()
    def post(self, data, code, extension_id):
        """Người giao (hoặc Văn phòng) đồng ý hoặc từ chối gia hạn — the assigner decides on an extension."""
        return service.decide_extension(runtime().uow(), code, extension_id, data, current_principal())


@leaders_blp.route("/<sub>/summary")
class LeaderSummaryView(MethodView):
    @leaders_blp.arguments(SummaryQuery, location="query")
    @leaders_blp.response(200, LeaderSummary)
    @leaders_blp.alt_response(403, schema=ErrorResponse)
    @leaders_blp.doc(security=BEARER)
    @require_roles()
    def get(self, args, sub):
        """Nhiệm vụ lãnh đạo đã giao theo văn bản, với tỷ lệ hoàn thành — a leader's tasks by directive."""
        return service.leader_summary(runtime().uow(), current_principal(), sub, args["directive"])


@digests_blp.route("")
class Digests(MethodView):
    @digests_blp.arguments(DigestQuery, location="query")
    @digests_blp.response(200, DigestPage)
    @digests_blp.alt_response(401, schema=ErrorResponse)
    @digests_blp.doc(security=BEARER)
    @require_roles()
    def get(self, args):
        """Danh sách thứ Hai của một tuần: của bạn, hoặc tất cả với Văn phòng —
        the Monday lists of a week (yours; all for the office)."""
        return service.list_digests(runtime().uow(), current_principal(), args["week"], args["page"],
                                    args["page_size"])
