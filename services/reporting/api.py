"""HTTP API of the reporting service: public scorecards and rankings (no token needed)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from services.reporting import service
from services.reporting.schemas import PeriodQuery, RankingPageOut, RankingQuery, ScorecardOut
from shared.web import ErrorResponse, runtime

blp = Blueprint("reporting", __name__, url_prefix="",
                description="Báo cáo, xếp hạng công khai — public scorecards and rankings of units")


@blp.route("/units/<unit>/scorecard")
class UnitScorecard(MethodView):
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, ScorecardOut)
    @blp.alt_response(404, schema=ErrorResponse)
    @blp.alt_response(422, schema=ErrorResponse)
    def get(self, args, unit):
        """Phiếu điểm của đơn vị trong tháng — a unit's monthly scorecard (Decision 766 progress group).

        Computed from the unit's dossiers and the tasks it leads at the period's end (or now while it
        runs); task figures are shown beside the score and do not enter it. Public.
        """
        return service.get_scorecard(runtime().uow(), unit, args["period"])


@blp.route("/rankings")
class Rankings(MethodView):
    @blp.arguments(RankingQuery, location="query")
    @blp.response(200, RankingPageOut)
    @blp.alt_response(422, schema=ErrorResponse)
    def get(self, args):
        """Bảng xếp hạng đơn vị trong tháng — ranking of units by progress score, with formula and caveats.

        Equal scores share a rank and are listed by Vietnamese name; units with no dossier are not ranked.
        Public.
        """
        return service.get_ranking(runtime().uow(), args["period"], args["page"], args["page_size"])
