"""HTTP API of the reporting service: public scorecards, rankings and their drill-downs (no token needed)."""

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.reporting import documents
from services.reporting.schemas import (
    DrilldownPageOut,
    DrilldownQuery,
    GoodPerformersOut,
    GoodPerformersQuery,
    PeriodQuery,
    PublicRankingPageOut,
    PublicRankingQuery,
    RankingPageOut,
    RankingQuery,
    ReportFileQuery,
    ReportIssueIn,
    ReportListQuery,
    ReportOut,
    ReportPageOut,
    ScorecardOut,
    ViolatorsPageOut,
    ViolatorsQuery,
)
from services.reporting.schemas.people import (
    GoodIndividualsOut,
    GoodIndividualsQuery,
    HeadEvaluationQuery,
    HeadEvaluationsOut,
    ViolatingUnitsOut,
    ViolatingUnitsQuery,
)
from services.reporting.use_cases import drilldown, evaluations, public, public_people, rankings, reports, scorecards
from shared.web import current_principal, documents_errors, protected, runtime

blp = Blueprint("reporting", __name__, url_prefix="",
                description="Báo cáo, xếp hạng công khai — public scorecards and rankings of units")


@blp.route("/units/<unit>/scorecard")
class UnitScorecard(MethodView):
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, ScorecardOut)
    @documents_errors(blp, 404, 422)
    def get(self, args, unit):
        """Phiếu điểm của đơn vị trong kỳ — a unit's scorecard for a month, quarter, year or range of days.

        The 766 progress and dossier-satisfaction scores, ratings, tasks it leads, feedback, explanations and
        sanctions, and the composite score with its band (weights in scoring.json), each figure with what it
        counts and the path of its drill-down. Computed at the period's end (or now while it runs). Public.
        """
        return scorecards.get_scorecard(runtime().uow(), unit, args["period"])


@blp.route("/units/<unit>/scorecard/<figure>")
class UnitScorecardFigure(MethodView):
    @blp.arguments(DrilldownQuery, location="query")
    @blp.response(200, DrilldownPageOut)
    @documents_errors(blp, 404, 422)
    def get(self, args, unit, figure):
        """Chi tiết một chỉ tiêu của phiếu điểm — the facts behind one figure of a unit's scorecard.

        Which dossiers were late or are overdue, at which step and by whom, with the control sheet's
        hand-overs and who was asked to explain and whether they did; the tasks, feedback, explanations,
        proposals and decisions behind the other figures. Public.
        """
        return drilldown.get_drilldown(runtime().uow(), unit, figure, args["period"], args["page"], args["page_size"])


@blp.route("/rankings")
class Rankings(MethodView):
    @blp.arguments(RankingQuery, location="query")
    @blp.response(200, RankingPageOut)
    @documents_errors(blp, 422)
    def get(self, args):
        """Bảng xếp hạng đơn vị trong kỳ — ranking of units, all or one kind, with the change from the previous
        period, formula and caveats.

        By the 766 progress score (default) or the composite score (`by=composite`). Equal scores share a rank
        and are listed by Vietnamese name; units with no dossier in the period are not ranked. Public.
        """
        return rankings.get_ranking(runtime().uow(), args["period"], args["page"], args["page_size"],
                                    kind=args["kind"], by=args["by"])


# -- reports and public lists

reports_blp = Blueprint("reports", __name__, url_prefix="/reports",
                        description="Báo cáo định kỳ — periodic reports (monthly, quarterly, the Monday list) as "
                                    "XLSX and PDF, served as issued")
public_blp = Blueprint("public", __name__, url_prefix="/public",
                       description="Dữ liệu công khai — public rankings, good performers and violators (no login)")
evaluations_blp = Blueprint("evaluations", __name__, url_prefix="/evaluations",
                            description="Đánh giá người đứng đầu theo quý — proposed quarterly evaluation of heads "
                                        "(Home Affairs)")

_FILE_TYPES = {"xlsx": documents.XLSX_MEDIA_TYPE, "pdf": documents.PDF_MEDIA_TYPE}


def _language(asked: str | None) -> str:
    """?lang= first, then the browser's Accept-Language; Vietnamese by default."""
    return asked or request.accept_languages.best_match(["vi", "en"]) or "vi"


@reports_blp.route("")
class Reports(MethodView):
    @protected(reports_blp)
    @reports_blp.arguments(ReportListQuery, location="query")
    @reports_blp.response(200, ReportPageOut)
    def get(self, args):
        """Danh sách báo cáo đã ban hành, mới nhất trước — issued reports, every version, newest first."""
        return reports.list_reports(runtime().uow(), args["kind"], args["period"], args["page"], args["page_size"])

    @protected(reports_blp, "office", "admin", errors=(409, 422))
    @reports_blp.arguments(ReportIssueIn)
    @reports_blp.response(201, ReportOut)
    def post(self, data):
        """Ban hành (lại) một báo cáo định kỳ — issue a periodic report now, or its next version.

        The period must be closed (its figures cut off). A report already issued is re-issued only with
        `reissue: true`; the new version is stored beside the old ones, which stay as they were.
        """
        return reports.issue_report(runtime().uow(), data["kind"], data["period"], issued_by=current_principal().sub,
                                    reissue=data["reissue"], reason=data["reason"])


@reports_blp.route("/<string:code>.<any(xlsx, pdf):file_format>")
class ReportFile(MethodView):
    @protected(reports_blp, errors=(404,))
    @reports_blp.arguments(ReportFileQuery, location="query")
    @reports_blp.doc(responses={"200": {
        "description": "the file as issued",
        "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in _FILE_TYPES.values()}}})
    def get(self, args, code, file_format):
        """Tệp báo cáo đã ban hành (.xlsx hoặc .pdf) — an issued report's file, byte for byte as issued."""
        found = reports.get_report_file(runtime().uow(), code, file_format, args["version"])
        response = Response(found["content"], mimetype=_FILE_TYPES[file_format])
        response.headers["Content-Disposition"] = f'attachment; filename="{found["filename"]}"'
        response.headers["X-Report-Version"] = str(found["version"])
        response.headers["X-Report-Issued-At"] = found["issued_at"].isoformat()
        return response


@public_blp.route("/rankings")
class PublicRankings(MethodView):
    @public_blp.arguments(PublicRankingQuery, location="query")
    @public_blp.response(200, PublicRankingPageOut)
    @documents_errors(public_blp, 422)
    def get(self, args):
        """Bảng xếp hạng công khai — the public ranking with its formula and caveats, in Vietnamese or English."""
        return public.public_ranking(runtime().uow(), args["period"], args["kind"], args["by"], args["page"],
                                      args["page_size"], _language(args["lang"]))


@public_blp.route("/good-performers")
class GoodPerformers(MethodView):
    @public_blp.arguments(GoodPerformersQuery, location="query")
    @public_blp.response(200, GoodPerformersOut)
    @documents_errors(public_blp, 422)
    def get(self, args):
        """Danh sách đơn vị có thành tích tốt — units in the top band of the composite score in the period."""
        return public.good_performers(runtime().uow(), args["period"], args["kind"], _language(args["lang"]))


@public_blp.route("/violators")
class Violators(MethodView):
    @public_blp.arguments(ViolatorsQuery, location="query")
    @public_blp.response(200, ViolatorsPageOut)
    @documents_errors(public_blp, 422)
    def get(self, args):
        """Danh sách cá nhân vi phạm bị kỷ luật — disciplinary decisions taken in a year (decided only).

        The public servant's name, unit, disciplinary form and decision date; never a proposal, never a
        citizen's personal data.
        """
        return public.public_violators(runtime().uow(), args["year"], args["page"], args["page_size"],
                                        _language(args["lang"]))


@public_blp.route("/good-individuals")
class GoodIndividuals(MethodView):
    @public_blp.arguments(GoodIndividualsQuery, location="query")
    @public_blp.response(200, GoodIndividualsOut)
    @documents_errors(public_blp, 422)
    def get(self, args):
        """Danh sách cá nhân có thành tích tốt — public servants with every dossier step on time and nothing
        against them in the period, with the published criteria and their source. No citizen's data."""
        return public_people.good_individuals(runtime().uow(), args["period"], _language(args["lang"]))


@public_blp.route("/violating-units")
class ViolatingUnits(MethodView):
    @public_blp.arguments(ViolatingUnitsQuery, location="query")
    @public_blp.response(200, ViolatingUnitsOut)
    @documents_errors(public_blp, 422)
    def get(self, args):
        """Danh sách đơn vị vi phạm — units with a disciplinary decision, a dossier late without an apology or a
        missed explanation in the year, with the published criteria and their source."""
        return public_people.violating_units(runtime().uow(), args["year"], _language(args["lang"]))


@evaluations_blp.route("/heads")
class HeadEvaluations(MethodView):
    @protected(evaluations_blp, "inspector", "admin", errors=(422,))
    @evaluations_blp.arguments(HeadEvaluationQuery, location="query")
    @evaluations_blp.response(200, HeadEvaluationsOut)
    def get(self, args):
        """Đề xuất xếp loại người đứng đầu theo quý — every head in office in the quarter with the unit's 766
        progress and dossier satisfaction, tasks and feedback on time, their own violations and sanctions, their
        self-assessment and a PROPOSED level with its reasons and rules. People decide. Inspector or admin."""
        return evaluations.head_evaluations(runtime().uow(), args["quarter"])
