"""HTTP API of the discipline service: parse, call a use case, serialise."""

from flask.views import MethodView
from flask_smorest import Blueprint

from services.discipline import service
from services.discipline.schemas import (
    ExplanationPage,
    ExplanationQuery,
    HeadIn,
    OfficialIn,
    OfficialOut,
    OfficialPage,
    OfficialQuery,
    RuleSetOut,
    SanctionProposalPage,
    SanctionProposalQuery,
    TermOut,
    UnitDetailOut,
    UnitIn,
    UnitOut,
    UnitPage,
    UnitQuery,
    VerificationPage,
    VerificationQuery,
)
from shared.auth import current_principal, require_roles
from shared.web import ErrorResponse, runtime

directory = Blueprint("directory", __name__, description="Danh bạ đơn vị, cán bộ và người đứng đầu — "
                      "directory of units, officials and heads")
accountability = Blueprint("accountability", __name__, description="Giải trình và đề xuất kỷ luật — "
                           "explanation requests and sanction proposals")

BEARER = [{"bearerAuth": []}]


@directory.route("/units")
class Units(MethodView):
    @directory.arguments(UnitQuery, location="query")
    @directory.response(200, UnitPage)
    @directory.alt_response(401, schema=ErrorResponse)
    @directory.doc(security=BEARER)
    @require_roles()
    def get(self, args):
        """Units in Vietnamese alphabetical order (Đ after D); filter by parent and kind."""
        return service.list_units(runtime().uow(), args["parent"], args["kind"], args["page"], args["page_size"])

    @directory.arguments(UnitIn)
    @directory.response(200, UnitOut)
    @directory.alt_response(422, schema=ErrorResponse)
    @directory.alt_response(403, schema=ErrorResponse)
    @directory.doc(security=BEARER)
    @require_roles("admin")
    def post(self, data):
        """Create a unit or change its name, parent or kind (by code); emits `directory.unit_upserted`
        when something changed."""
        return service.upsert_unit(runtime().uow(), data["code"], data["name"], data["parent"], data["kind"])


@directory.route("/units/<code>")
class UnitByCode(MethodView):
    @directory.response(200, UnitDetailOut)
    @directory.alt_response(404, schema=ErrorResponse)
    @directory.alt_response(401, schema=ErrorResponse)
    @directory.doc(security=BEARER)
    @require_roles()
    def get(self, code):
        """One unit with its head in office today."""
        return service.get_unit(runtime().uow(), code)


@directory.route("/units/<code>/heads")
class UnitHeads(MethodView):
    @directory.response(200, TermOut(many=True))
    @directory.alt_response(404, schema=ErrorResponse)
    @directory.alt_response(401, schema=ErrorResponse)
    @directory.doc(security=BEARER)
    @require_roles()
    def get(self, code):
        """The unit's terms of head and deputy, latest first."""
        return service.list_heads(runtime().uow(), code)

    @directory.arguments(HeadIn)
    @directory.response(200, TermOut)
    @directory.alt_response(404, schema=ErrorResponse)
    @directory.alt_response(422, schema=ErrorResponse)
    @directory.alt_response(403, schema=ErrorResponse)
    @directory.doc(security=BEARER)
    @require_roles("admin", "office")
    def post(self, data, code):
        """Record an official as head (or deputy) from a date; the previous head's term ends the day
        before. Emits `directory.head_assigned`."""
        uow = runtime().uow()
        return service.describe_term(uow, service.assign_head(uow, code, data["official"], data["since"],
                                                              data["role"]))


@directory.route("/officials")
class Officials(MethodView):
    @directory.arguments(OfficialQuery, location="query")
    @directory.response(200, OfficialPage)
    @directory.alt_response(401, schema=ErrorResponse)
    @directory.doc(security=BEARER)
    @require_roles()
    def get(self, args):
        """Officials, by given name as Vietnamese lists are read; filter by unit."""
        return service.list_officials(runtime().uow(), args["unit"], args["page"], args["page_size"])

    @directory.arguments(OfficialIn)
    @directory.response(200, OfficialOut)
    @directory.alt_response(422, schema=ErrorResponse)
    @directory.alt_response(403, schema=ErrorResponse)
    @directory.doc(security=BEARER)
    @require_roles("admin", "office")
    def post(self, data):
        """Create an official or change their details (by code); emits `directory.official_upserted`
        when something changed."""
        return service.upsert_official(runtime().uow(), data["code"], data["name"], data["unit"],
                                       data["category"], data["position"], data["is_leader"])


@accountability.route("/explanations")
class Explanations(MethodView):
    @accountability.arguments(ExplanationQuery, location="query")
    @accountability.response(200, ExplanationPage)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self, args):
        """Explanation requests (giải trình). An officer sees their own, a head their unit's and those
        below it, inspectors, the office and admins all."""
        page, page_size = args.pop("page"), args.pop("page_size")
        return service.list_explanations(runtime().uow(), current_principal(), page=page, page_size=page_size,
                                         **args)


@accountability.route("/sanction-proposals")
class SanctionProposals(MethodView):
    @accountability.arguments(SanctionProposalQuery, location="query")
    @accountability.response(200, SanctionProposalPage)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self, args):
        """Sanction proposals (đề xuất kỷ luật), each with its facts, rule, rule set version and legal
        basis; same visibility as explanations."""
        return service.list_sanction_proposals(runtime().uow(), current_principal(), unit=args["unit"],
                                               official=args["official"], page=args["page"],
                                               page_size=args["page_size"])


@accountability.route("/verifications")
class Verifications(MethodView):
    @accountability.arguments(VerificationQuery, location="query")
    @accountability.response(200, VerificationPage)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self, args):
        """Verifications of citizens' misconduct reports (xác minh phản ánh nhũng nhiễu, sách nhiễu); same
        visibility as explanations."""
        page, page_size = args.pop("page"), args.pop("page_size")
        return service.list_verifications(runtime().uow(), current_principal(), page=page, page_size=page_size,
                                          **args)


@accountability.route("/sanction-rules")
class SanctionRules(MethodView):
    @accountability.response(200, RuleSetOut(many=True))
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self):
        """The sanction rule sets, newest first, with the one in force today marked."""
        return service.list_rule_sets(runtime().uow())
