"""HTTP API of the dossiers service: parse, call a use case, serialise."""

from datetime import date

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from services.dossiers import service
from services.dossiers.schemas import (
    ApologyIn,
    CloudEventIn,
    CompletionIn,
    ControlSheetOut,
    DeadlineOut,
    DossierIn,
    DossierOut,
    DossierPage,
    DossierQuery,
    EndIn,
    HandoverIn,
    IngestBatchOut,
    MyDossierPage,
    NewVersionIn,
    OverrideIn,
    OverrideOut,
    OverrideQuery,
    ProcedureIn,
    ProcedureListQuery,
    ProcedureOut,
    ProcedurePage,
    ProcedureQuery,
    RejectionQuery,
    RejectionSummaryOut,
    SendBackIn,
    SupplementIn,
    SupplementRequestIn,
    UnitSummaryOut,
    VersionOut,
    WaitingPage,
)
from shared.auth import current_principal, require_roles
from shared.errors import InvalidInput
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
    @procedures_blp.arguments(ProcedureListQuery, location="query")
    @procedures_blp.response(200, ProcedurePage)
    def get(self, args):
        """List the procedure catalog by code, each with its version in force today (public)."""
        return service.list_procedures(runtime().uow(), args["page"], args["page_size"], level=args["level"],
                                       field=args["field"])

    @require_roles("admin", "office")
    @procedures_blp.arguments(ProcedureIn)
    @procedures_blp.response(201, ProcedureOut)
    @procedures_blp.alt_response(422, schema=ErrorResponse)
    @procedures_blp.alt_response(409, schema=ErrorResponse)
    @procedures_blp.alt_response(401, schema=ErrorResponse)
    @procedures_blp.alt_response(403, schema=ErrorResponse)
    @procedures_blp.doc(security=BEARER)
    def post(self, data):
        """Register a procedure and its version 1: processing time in working days, step plan, level, field,
        whether supplements and extensions are allowed, and the date it takes effect."""
        return service.register_procedure(runtime().uow(), data)


@procedures_blp.route("/<code>")
class ProcedureByCode(MethodView):
    @procedures_blp.arguments(ProcedureQuery, location="query")
    @procedures_blp.response(200, ProcedureOut)
    @procedures_blp.alt_response(404, schema=ErrorResponse)
    def get(self, args, code):
        """One procedure with the version in force on `on` (today by default) and its list of versions
        (public)."""
        return service.get_procedure(runtime().uow(), code, args["on"])


@procedures_blp.route("/<code>/versions")
class ProcedureVersions(MethodView):
    @procedures_blp.response(200, VersionOut(many=True))
    @procedures_blp.alt_response(404, schema=ErrorResponse)
    def get(self, code):
        """Every version of a procedure, oldest first, with its step plan (public)."""
        return service.list_procedure_versions(runtime().uow(), code)

    @require_roles("admin", "office")
    @procedures_blp.arguments(NewVersionIn)
    @procedures_blp.response(201, VersionOut)
    @procedures_blp.alt_response(404, schema=ErrorResponse)
    @procedures_blp.alt_response(422, schema=ErrorResponse)
    @procedures_blp.alt_response(401, schema=ErrorResponse)
    @procedures_blp.alt_response(403, schema=ErrorResponse)
    @procedures_blp.doc(security=BEARER)
    def post(self, data, code):
        """Add a version from a later date (a new law or decision). Dossiers already received keep the
        version in force on the day they were received."""
        return service.add_procedure_version(runtime().uow(), code, data)


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


def _handling(blp, schema, code=200, *, out=DossierOut):
    """The decorators every lifecycle action shares: a handling role, the body, one success response and
    the documented errors."""
    def decorate(view):
        for decorator in (blp.doc(security=BEARER), blp.alt_response(403, schema=ErrorResponse),
                          blp.alt_response(401, schema=ErrorResponse), blp.alt_response(422, schema=ErrorResponse),
                          blp.alt_response(409, schema=ErrorResponse), blp.alt_response(404, schema=ErrorResponse),
                          blp.response(code, out), blp.arguments(schema), require_roles(*HANDLING_ROLES)):
            view = decorator(view)
        return view
    return decorate


@dossiers_blp.route("/mine")
class MyDossiers(MethodView):
    @require_roles()
    @dossiers_blp.arguments(PageArgs, location="query")
    @dossiers_blp.response(200, MyDossierPage)
    @dossiers_blp.alt_response(401, schema=ErrorResponse)
    @dossiers_blp.doc(security=BEARER)
    def get(self, args):
        """My open dossiers (the step in progress is mine: the token's `sub`), least remaining working time
        first, with the remaining working hours and days."""
        return service.my_dossiers(runtime().uow(), current_principal(), args["page"], args["page_size"])


@dossiers_blp.route("/<code>/control-sheet")
class DossierControlSheet(MethodView):
    @require_roles()
    @dossiers_blp.response(200, ControlSheetOut)
    @dossiers_blp.alt_response(404, schema=ErrorResponse)
    @dossiers_blp.alt_response(401, schema=ErrorResponse)
    @dossiers_blp.alt_response(403, schema=ErrorResponse)
    @dossiers_blp.doc(security=BEARER)
    def get(self, code):
        """The process control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ): each step's budget, working
        time used and timeliness; every hand-over, pause and send-back."""
        return service.control_sheet(runtime().uow(), code, current_principal())


@dossiers_blp.route("/<code>/handovers")
class DossierHandovers(MethodView):
    @_handling(dossiers_blp, HandoverIn, 201)
    def post(self, data, code):
        """Hand the dossier over to the next step and/or official. Emits `dossier.handed_over` with the
        budget, time used and timeliness of the step it leaves."""
        return service.record_handover(runtime().uow(), code, data, principal=current_principal())


@dossiers_blp.route("/<code>/supplement-requests")
class DossierSupplementRequests(MethodView):
    @_handling(dossiers_blp, SupplementRequestIn, 201)
    def post(self, data, code):
        """Ask the citizen to supplement the dossier (reasons required): the clock stops. Once allowed; a
        second request is recorded and makes the dossier late (`dossier.marked_late`)."""
        return service.request_supplement(runtime().uow(), code, data, principal=current_principal())


@dossiers_blp.route("/<code>/supplements")
class DossierSupplements(MethodView):
    @_handling(dossiers_blp, SupplementIn, 201)
    def post(self, data, code):
        """The citizen supplemented the dossier: the clock resumes and the due date moves by the working
        time it stood still. Emits `dossier.supplement_received` and `dossier.deadline_changed`."""
        return service.receive_supplement(runtime().uow(), code, data, principal=current_principal())


@dossiers_blp.route("/<code>/end")
class DossierEnd(MethodView):
    @_handling(dossiers_blp, EndIn)
    def post(self, data, code):
        """End the dossier: returned (result handed to the citizen, after completion), refused (reason),
        withdrawn, stopped (reason). Emits `dossier.<end>`."""
        return service.end_dossier(runtime().uow(), code, data["end"], data, principal=current_principal())


@dossiers_blp.route("/<code>/send-back")
class DossierSendBack(MethodView):
    @_handling(dossiers_blp, SendBackIn, 201)
    def post(self, data, code):
        """The dossier was sent back to the citizen; officials' own fault is counted. Emits
        `dossier.sent_back`."""
        return service.send_back(runtime().uow(), code, data, principal=current_principal())


@dossiers_blp.route("/<code>/apology")
class DossierApology(MethodView):
    @_handling(dossiers_blp, ApologyIn, 201)
    def post(self, data, code):
        """Apologise to the citizen with a reason and a new return date, once (a second new date is refused
        with 409). Emits `dossier.apology_issued` and `dossier.deadline_changed`."""
        return service.issue_apology(runtime().uow(), code, data, principal=current_principal())


_DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dossiers_blp.route("/<code>/apology.<any(pdf, docx):fmt>")
class DossierApologyDocument(MethodView):
    @require_roles(*HANDLING_ROLES)
    @dossiers_blp.alt_response(404, schema=ErrorResponse)
    @dossiers_blp.alt_response(401, schema=ErrorResponse)
    @dossiers_blp.alt_response(403, schema=ErrorResponse)
    @dossiers_blp.doc(security=BEARER, responses={"200": {
        "description": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
        "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in _DOCUMENT_TYPES.values()}}})
    def get(self, code, fmt):
        """The apology letter in the official layout, as PDF or DOCX (it names the citizen: the unit's
        officers and heads, the office and admins)."""
        body = service.apology_document(runtime().uow(), code, fmt, current_principal())
        return Response(body, mimetype=_DOCUMENT_TYPES[fmt], headers={
            "Content-Disposition": f'attachment; filename="phieu-xin-loi-{code}.{fmt}"'})


# -- a unit's dossiers ------------------------------------------------------------------------------

units_blp = Blueprint("units", __name__, url_prefix="/units",
                      description="Đơn vị — a unit's dossiers at a glance")


@units_blp.route("/<unit>/dossiers/summary")
class UnitDossierSummary(MethodView):
    @require_roles()
    @units_blp.response(200, UnitSummaryOut)
    @units_blp.alt_response(401, schema=ErrorResponse)
    @units_blp.alt_response(403, schema=ErrorResponse)
    @units_blp.doc(security=BEARER)
    def get(self, unit):
        """The unit's open dossiers by step: how many, due soon (a warning point reached), overdue, and
        waiting for the citizen, with the codes of the urgent ones."""
        return service.unit_summary(runtime().uow(), unit, current_principal())


# -- working-time overrides -------------------------------------------------------------------------

calendar_blp = Blueprint("calendar", __name__, url_prefix="/calendar",
                         description="Lịch làm việc — operators' announcements of days off and working days")


@calendar_blp.route("/overrides")
class CalendarOverrides(MethodView):
    @require_roles("admin", "office")
    @calendar_blp.arguments(OverrideQuery, location="query")
    @calendar_blp.response(200, OverrideOut(many=True))
    @calendar_blp.alt_response(401, schema=ErrorResponse)
    @calendar_blp.alt_response(403, schema=ErrorResponse)
    @calendar_blp.doc(security=BEARER)
    def get(self, args):
        """The announcements (of a year, when given), by day."""
        return service.list_calendar_overrides(runtime().uow(), args["year"])

    @require_roles("admin", "office")
    @calendar_blp.arguments(OverrideIn)
    @calendar_blp.response(201, OverrideOut)
    @calendar_blp.alt_response(422, schema=ErrorResponse)
    @calendar_blp.alt_response(409, schema=ErrorResponse)
    @calendar_blp.alt_response(401, schema=ErrorResponse)
    @calendar_blp.alt_response(403, schema=ErrorResponse)
    @calendar_blp.doc(security=BEARER)
    def post(self, data):
        """Announce a day off or a working day for the year; running deadlines move at once
        (`dossier.deadline_changed`, reason calendar_changed)."""
        return service.add_calendar_override(runtime().uow(), data, principal=current_principal())


@calendar_blp.route("/overrides/<day>")
class CalendarOverrideByDay(MethodView):
    @require_roles("admin", "office")
    @calendar_blp.response(200, OverrideOut)
    @calendar_blp.alt_response(404, schema=ErrorResponse)
    @calendar_blp.alt_response(401, schema=ErrorResponse)
    @calendar_blp.alt_response(403, schema=ErrorResponse)
    @calendar_blp.doc(security=BEARER)
    def delete(self, day):
        """Withdraw an announcement (the day as YYYY-MM-DD); running deadlines move back."""
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            raise InvalidInput(f"{day!r} is not a date", {"day": ["write it as YYYY-MM-DD"]}) from None
        return service.remove_calendar_override(runtime().uow(), parsed, principal=current_principal())


# -- external ingest ----------------------------------------------------------------------------------

ingest_blp = Blueprint("ingest", __name__, url_prefix="/ingest",
                       description="Tiếp nhận từ hệ thống một cửa bên ngoài — external one-stop systems")


@ingest_blp.route("/events")
class IngestEvents(MethodView):
    @require_roles("publisher")
    @ingest_blp.arguments(CloudEventIn(many=True), description="a JSON array of CloudEvents (structured mode), "
                          "as application/json or application/cloudevents-batch+json")
    @ingest_blp.response(200, IngestBatchOut, description="every event was taken: accepted, already had its "
                         "effect (duplicate) or waiting for the event it depends on")
    @ingest_blp.alt_response(207, schema=IngestBatchOut, success=True,
                             description="some events were rejected: each result says why")
    @ingest_blp.alt_response(422, schema=ErrorResponse)
    @ingest_blp.alt_response(401, schema=ErrorResponse)
    @ingest_blp.alt_response(403, schema=ErrorResponse)
    @ingest_blp.doc(security=BEARER)
    def post(self, items):
        """Send a batch of dossier events, for systems that cannot publish on `kycuong.ingest`. Needs a token
        with the role `publisher` whose `sub` is the publisher id; each event is applied (in its own
        transaction) exactly as if it had come through the exchange."""
        result = service.submit_external_events(runtime().uow(), items, current_principal().sub)
        return result, 207 if result["rejected"] else 200


@ingest_blp.route("/rejections")
class IngestRejections(MethodView):
    @require_roles("admin")
    @ingest_blp.arguments(RejectionQuery, location="query")
    @ingest_blp.response(200, RejectionSummaryOut)
    @ingest_blp.alt_response(401, schema=ErrorResponse)
    @ingest_blp.alt_response(403, schema=ErrorResponse)
    @ingest_blp.doc(security=BEARER)
    def get(self, args):
        """External events refused (on the exchange and over HTTP): counts by publisher and reason, and the
        latest ones with the reason in full."""
        return service.external_rejections(runtime().uow(), args["since"])


@ingest_blp.route("/waiting")
class IngestWaitingEvents(MethodView):
    @require_roles("admin")
    @ingest_blp.arguments(PageArgs, location="query")
    @ingest_blp.response(200, WaitingPage)
    @ingest_blp.alt_response(401, schema=ErrorResponse)
    @ingest_blp.alt_response(403, schema=ErrorResponse)
    @ingest_blp.doc(security=BEARER)
    def get(self, args):
        """External events waiting for the event they depend on (`total` is how many), longest waiting first."""
        return service.waiting_external_events(runtime().uow(), args["page"], args["page_size"])
