"""HTTP API of the dossiers service: parse, call a use case, serialise."""

from flask.views import MethodView
from flask_smorest import Blueprint

from services.dossiers import service
from services.dossiers.schemas import (
    CompletionIn,
    DeadlineOut,
    DossierIn,
    DossierOut,
    DossierPage,
    DossierQuery,
    ProcedureIn,
    ProcedureOut,
    ProcedurePage,
)
from shared.auth import current_principal, require_roles
from shared.web import ErrorResponse, PageArgs, runtime

# Who receives and finishes dossiers (inspectors watch, they do not handle).
HANDLING_ROLES = ("officer", "head", "office", "admin")
# require_roles is the outermost decorator of each protected view: a caller without the right token is
# turned away (401/403) before the body is parsed, and learns nothing about what it should contain.
BEARER = [{"bearerAuth": []}]
OPTIONAL_BEARER = [{}, {"bearerAuth": []}]

procedures_blp = Blueprint("procedures", __name__, url_prefix="/procedures",
                           description="Thủ tục hành chính — administrative procedures and their legal time")
dossiers_blp = Blueprint("dossiers", __name__, url_prefix="/dossiers",
                         description="Hồ sơ — dossiers against their legal deadlines")


@procedures_blp.route("")
class Procedures(MethodView):
    @procedures_blp.arguments(PageArgs, location="query")
    @procedures_blp.response(200, ProcedurePage)
    def get(self, args):
        """List procedures (public)."""
        return service.list_procedures(runtime().uow(), args["page"], args["page_size"])

    @require_roles("admin", "office")
    @procedures_blp.arguments(ProcedureIn)
    @procedures_blp.response(201, ProcedureOut)
    @procedures_blp.alt_response(422, schema=ErrorResponse)
    @procedures_blp.alt_response(409, schema=ErrorResponse)
    @procedures_blp.alt_response(401, schema=ErrorResponse)
    @procedures_blp.alt_response(403, schema=ErrorResponse)
    @procedures_blp.doc(security=BEARER)
    def post(self, data):
        """Register a procedure with its processing time in working days and, optionally, its step plan."""
        return service.register_procedure(runtime().uow(), data)


@procedures_blp.route("/<code>")
class ProcedureByCode(MethodView):
    @procedures_blp.response(200, ProcedureOut)
    @procedures_blp.alt_response(404, schema=ErrorResponse)
    def get(self, code):
        """One procedure (public)."""
        return service.get_procedure(runtime().uow(), code)


@dossiers_blp.route("")
class Dossiers(MethodView):
    @require_roles()
    @dossiers_blp.arguments(DossierQuery, location="query")
    @dossiers_blp.response(200, DossierPage)
    @dossiers_blp.alt_response(401, schema=ErrorResponse)
    @dossiers_blp.alt_response(403, schema=ErrorResponse)
    @dossiers_blp.doc(security=BEARER)
    def get(self, args):
        """List dossiers by due date: your unit's unless your role sees every unit."""
        return service.list_dossiers(runtime().uow(), current_principal(), args["unit"], args["status"],
                                     args["overdue"], args["page"], args["page_size"])

    @require_roles(*HANDLING_ROLES)
    @dossiers_blp.arguments(DossierIn)
    @dossiers_blp.response(201, DossierOut)
    @dossiers_blp.alt_response(422, schema=ErrorResponse)
    @dossiers_blp.alt_response(409, schema=ErrorResponse)
    @dossiers_blp.alt_response(401, schema=ErrorResponse)
    @dossiers_blp.alt_response(403, schema=ErrorResponse)
    @dossiers_blp.doc(security=BEARER)
    def post(self, data):
        """Receive a dossier; its due date is computed in working time. Emits `dossier.received`."""
        return service.receive_dossier(runtime().uow(), data, principal=current_principal())


@dossiers_blp.route("/<code>")
class DossierByCode(MethodView):
    @dossiers_blp.response(200, DossierOut)
    @dossiers_blp.alt_response(404, schema=ErrorResponse)
    @dossiers_blp.alt_response(401, schema=ErrorResponse)
    @dossiers_blp.doc(security=OPTIONAL_BEARER)
    def get(self, code):
        """Track a dossier by its code (public); the applicant is shown only to the unit's officers and
        heads, the office and admins."""
        return service.get_dossier(runtime().uow(), code, current_principal(required=False))


@dossiers_blp.route("/<code>/deadline")
class DossierDeadline(MethodView):
    @dossiers_blp.response(200, DeadlineOut)
    @dossiers_blp.alt_response(404, schema=ErrorResponse)
    def get(self, code):
        """How the due date was computed: cut-off, days counted, days skipped and why, rules version."""
        return service.explain_deadline(runtime().uow(), code)


@dossiers_blp.route("/<code>/completion")
class DossierCompletion(MethodView):
    @require_roles(*HANDLING_ROLES)
    @dossiers_blp.arguments(CompletionIn)
    @dossiers_blp.response(200, DossierOut)
    @dossiers_blp.alt_response(404, schema=ErrorResponse)
    @dossiers_blp.alt_response(409, schema=ErrorResponse)
    @dossiers_blp.alt_response(422, schema=ErrorResponse)
    @dossiers_blp.alt_response(401, schema=ErrorResponse)
    @dossiers_blp.alt_response(403, schema=ErrorResponse)
    @dossiers_blp.doc(security=BEARER)
    def post(self, data, code):
        """Finish a dossier: judged early, on time or late by its due date. Emits `dossier.completed`."""
        return service.complete_dossier(runtime().uow(), code, completed_at=data["completed_at"],
                                        principal=current_principal())
