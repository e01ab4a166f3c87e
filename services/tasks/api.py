"""HTTP API of the tasks service: parse, call a use case, serialise."""

from flask.views import MethodView
from flask_smorest import Blueprint

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
    ItemDoneIn,
    LeaderSummary,
    PlanIn,
    PlanItemsIn,
    PlanOut,
    PlanPage,
    PlanQuery,
    PlanReviewIn,
    ProgressIn,
    SelfAssessmentIn,
    SummaryQuery,
    TaskDetail,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskQuery,
)
from services.tasks.use_cases import assignment, directives, extensions, plans, progress, queries
from shared.web import current_principal, protected, runtime

blp = Blueprint("tasks", __name__, url_prefix="/tasks", description="Nhiệm vụ được giao — assigned tasks")
directives_blp = Blueprint("directives", __name__, url_prefix="/directives",
                           description="Văn bản chỉ đạo — directing documents")
leaders_blp = Blueprint("leaders", __name__, url_prefix="/leaders",
                        description="Nhiệm vụ lãnh đạo đã giao — what a leader assigned")
digests_blp = Blueprint("digests", __name__, url_prefix="/digests",
                        description="Danh sách thứ Hai: nhiệm vụ đến hạn chưa báo cáo — the Monday list")
plans_blp = Blueprint("plans", __name__, url_prefix="/plans",
                      description="Kế hoạch công tác và tự đánh giá của cán bộ — officials' work plans")

ASSIGNERS = ("office", "head", "admin")
REPORTERS = ("officer", "head")


@directives_blp.route("")
class Directives(MethodView):
    @protected(directives_blp, errors=(422,))
    @directives_blp.arguments(DirectiveQuery, location="query")
    @directives_blp.response(200, DirectivePage)
    def get(self, args):
        """Danh sách văn bản chỉ đạo, mới nhất trước — directives, newest first."""
        return directives.list_directives(runtime().uow(), args["page"], args["page_size"])

    @protected(directives_blp, *ASSIGNERS, errors=(409, 422))
    @directives_blp.arguments(DirectiveIn)
    @directives_blp.response(201, DirectiveOut)
    def post(self, command):
        """Đăng ký văn bản chỉ đạo (số, ký hiệu; ngày; người ký; trích yếu) — register a directive."""
        return directives.register_directive(runtime().uow(), command, current_principal())


@directives_blp.route("/<path:number>")
class DirectiveByNumber(MethodView):
    @protected(directives_blp, errors=(404,))
    @directives_blp.response(200, DirectiveOut)
    def get(self, number):
        """Một văn bản theo số, ký hiệu (ví dụ 01/CT-UBND) — one directive by its number."""
        return directives.get_directive(runtime().uow(), number)


@blp.route("")
class Tasks(MethodView):
    @protected(blp, errors=(422,))
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, TaskPage)
    def get(self, args):
        """Nhiệm vụ của đơn vị (mặc định: đơn vị của bạn), theo văn bản, người giao, trạng thái —
        tasks of a unit, a document, an assigner, in a derived state."""
        return queries.list_tasks(runtime().uow(), current_principal(), args["unit"], args["document"],
                                  args["page"], args["page_size"], state=args["state"],
                                  assigned_by=args["assigned_by"])

    @protected(blp, *ASSIGNERS, errors=(422,))
    @blp.arguments(TaskIn)
    @blp.response(201, TaskOut)
    def post(self, command):
        """Giao nhiệm vụ cho đơn vị chủ trì (hoặc nhiệm vụ định kỳ: trả về kỳ đầu tiên); phát `task.assigned` —
        assign a task, or a recurring task (returns its first occurrence)."""
        return assignment.assign_task(runtime().uow(), command, current_principal())


@blp.route("/<code>")
class TaskByCode(MethodView):
    @protected(blp, errors=(404,))
    @blp.response(200, TaskDetail)
    def get(self, code):
        """Một nhiệm vụ: trạng thái, lịch sử báo cáo tiến độ và gia hạn — one task with its history."""
        return queries.get_task(runtime().uow(), code, current_principal())


@blp.route("/<code>/progress")
class TaskProgress(MethodView):
    @protected(blp, *REPORTERS, errors=(404, 409, 422))
    @blp.arguments(ProgressIn)
    @blp.response(201, TaskOut)
    def post(self, command, code):
        """Báo cáo tiến độ (đơn vị chủ trì hoặc phối hợp); 100% của đơn vị chủ trì là hoàn thành —
        report progress; 100% by the lead unit completes the task."""
        return progress.report_progress(runtime().uow(), code, command, current_principal())


@blp.route("/<code>/extensions")
class TaskExtensions(MethodView):
    @protected(blp, *REPORTERS, errors=(404, 409, 422))
    @blp.arguments(ExtensionIn)
    @blp.response(201, ExtensionOut)
    def post(self, command, code):
        """Đề nghị gia hạn (đơn vị chủ trì, trước hạn, nêu lý do) — ask for an extension before the deadline."""
        return extensions.request_extension(runtime().uow(), code, command, current_principal())


@blp.route("/<code>/extensions/<int:extension_id>/decision")
class ExtensionDecision(MethodView):
    @protected(blp, errors=(404, 409, 422))
    @blp.arguments(DecisionIn)
    @blp.response(200, ExtensionOut)
    def post(self, command, code, extension_id):
        """Người giao (hoặc Văn phòng) đồng ý hoặc từ chối gia hạn — the assigner decides on an extension."""
        return extensions.decide_extension(runtime().uow(), code, extension_id, command, current_principal())


@leaders_blp.route("/<sub>/summary")
class LeaderSummaryView(MethodView):
    @protected(leaders_blp, errors=(422,))
    @leaders_blp.arguments(SummaryQuery, location="query")
    @leaders_blp.response(200, LeaderSummary)
    def get(self, args, sub):
        """Nhiệm vụ lãnh đạo đã giao theo văn bản, với tỷ lệ hoàn thành — a leader's tasks by directive."""
        return queries.leader_summary(runtime().uow(), current_principal(), sub, args["directive"])


@digests_blp.route("")
class Digests(MethodView):
    @protected(digests_blp, errors=(422,))
    @digests_blp.arguments(DigestQuery, location="query")
    @digests_blp.response(200, DigestPage)
    def get(self, args):
        """Danh sách thứ Hai của một tuần: của bạn, hoặc tất cả với Văn phòng —
        the Monday lists of a week (yours; all for the office)."""
        return queries.list_digests(runtime().uow(), current_principal(), args["week"], args["page"],
                                    args["page_size"])


@plans_blp.route("")
class Plans(MethodView):
    @protected(plans_blp, errors=(422,))
    @plans_blp.arguments(PlanQuery, location="query")
    @plans_blp.response(200, PlanPage)
    def get(self, query):
        """Kế hoạch công tác: của bạn; thủ trưởng xem của đơn vị — work plans (yours; a head: the unit's)."""
        return plans.list_plans(runtime().uow(), query, current_principal())

    @protected(plans_blp, *plans.WRITERS, errors=(409, 422))
    @plans_blp.arguments(PlanIn)
    @plans_blp.response(201, PlanOut)
    def post(self, command):
        """Lập kế hoạch công tác tuần, tháng hoặc quý của bạn (bản nháp) — write your plan for a period."""
        return plans.write_plan(runtime().uow(), command, current_principal())


@plans_blp.route("/<code>")
class PlanByCode(MethodView):
    @protected(plans_blp, errors=(404,))
    @plans_blp.response(200, PlanOut)
    def get(self, code):
        """Một kế hoạch với các việc, tự đánh giá và ý kiến của thủ trưởng — one plan."""
        return plans.get_plan(runtime().uow(), code, current_principal())


@plans_blp.route("/<code>/items")
class PlanItems(MethodView):
    @protected(plans_blp, *plans.WRITERS, errors=(404, 409, 422))
    @plans_blp.arguments(PlanItemsIn)
    @plans_blp.response(201, PlanOut)
    def post(self, command, code):
        """Thêm việc vào kế hoạch chưa gửi — add items to a plan not yet submitted."""
        return plans.add_items(runtime().uow(), code, command, current_principal())


@plans_blp.route("/<code>/submission")
class PlanSubmission(MethodView):
    @protected(plans_blp, *plans.WRITERS, errors=(404, 409))
    @plans_blp.response(200, PlanOut)
    def post(self, code):
        """Gửi kế hoạch cho thủ trưởng đơn vị; phát `plan.submitted` — submit the plan to the head."""
        return plans.submit_plan(runtime().uow(), code, current_principal())


@plans_blp.route("/<code>/items/<int:position>/done")
class PlanItemDone(MethodView):
    @protected(plans_blp, *plans.WRITERS, errors=(404, 409, 422))
    @plans_blp.arguments(ItemDoneIn)
    @plans_blp.response(200, PlanOut)
    def post(self, command, code, position):
        """Đánh dấu việc đã hoàn thành (ngày hoàn thành) — mark an item done, with the day."""
        return plans.mark_item_done(runtime().uow(), code, position, command, current_principal())


@plans_blp.route("/<code>/self-assessment")
class PlanSelfAssessment(MethodView):
    @protected(plans_blp, *plans.WRITERS, errors=(404, 409, 422))
    @plans_blp.arguments(SelfAssessmentIn)
    @plans_blp.response(200, PlanOut)
    def post(self, command, code):
        """Tự đánh giá cuối kỳ (từ ngày làm việc cuối của kỳ); phát `plan.self_assessed` —
        assess your plan at the end of its period."""
        return plans.self_assess(runtime().uow(), code, command, current_principal())


@plans_blp.route("/<code>/review")
class PlanReview(MethodView):
    @protected(plans_blp, "head", errors=(404, 409, 422))
    @plans_blp.arguments(PlanReviewIn)
    @plans_blp.response(200, PlanOut)
    def post(self, command, code):
        """Thủ trưởng đơn vị đồng ý hoặc cho ý kiến về tự đánh giá — the head reviews the self-assessment."""
        return plans.review_plan(runtime().uow(), code, command, current_principal())
