"""HTTP API of the dossiers service: parse, call one use case, serialise."""

from datetime import date

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from services.dossiers.schemas.dossiers import (
    DeadlineOut,
    DossierIn,
    DossierOut,
    DossierPage,
    DossierQuery,
    MyDossierPage,
    OverrideIn,
    OverrideOut,
    OverrideQuery,
)
from services.dossiers.schemas.ingest import (
    CloudEventIn,
    IngestBatchOut,
    RejectionQuery,
    RejectionSummaryOut,
    WaitingPage,
    read_posted_event,
)
from services.dossiers.schemas.lifecycle import (
    ApologyIn,
    CompletionIn,
    ControlSheetOut,
    EndIn,
    HandoverIn,
    SendBackIn,
    SupplementIn,
    SupplementRequestIn,
    UnitSummaryOut,
)
from services.dossiers.schemas.procedures import (
    NewVersionIn,
    ProcedureIn,
    ProcedureListQuery,
    ProcedureOut,
    ProcedurePage,
    ProcedureQuery,
    VersionOut,
)
from services.dossiers.use_cases import (
    apologies,
    calendar,
    control_sheet,
    deadlines,
    ingest,
    intake,
    lifecycle,
    queries,
)
from services.dossiers.use_cases import procedures as procedure_use_cases
from shared.errors import InvalidInput
from shared.web import OPTIONAL_BEARER, PageArgs, current_principal, documents_errors, protected, runtime

# Who receives and finishes dossiers (inspectors watch, they do not handle).
CASEWORK_ROLES = ("officer", "head", "office", "admin")
# Who keeps the procedures and the working calendar.
OPERATOR_ROLES = ("admin", "office")

procedures_blp = Blueprint("procedures", __name__, url_prefix="/procedures",
                           description="Thủ tục hành chính — administrative procedures and their legal time")
dossiers_blp = Blueprint("dossiers", __name__, url_prefix="/dossiers",
                         description="Hồ sơ — dossiers against their legal deadlines")


@procedures_blp.route("")
class Procedures(MethodView):
    @procedures_blp.arguments(ProcedureListQuery, location="query")
    @procedures_blp.response(200, ProcedurePage)
    def get(self, args):
        """List the procedures by code, each with its version in force today (public)."""
        return procedure_use_cases.list_procedures(runtime().uow(), args["page"], args["page_size"],
                                                   level=args["level"], field=args["field"])

    @protected(procedures_blp, *OPERATOR_ROLES, errors=(409, 422))
    @procedures_blp.arguments(ProcedureIn)
    @procedures_blp.response(201, ProcedureOut)
    def post(self, command):
        """Register a procedure and its version 1: processing time in working days, step plan, level, field,
        whether supplements and extensions are allowed, and the date it takes effect."""
        return procedure_use_cases.register_procedure(runtime().uow(), command)


@procedures_blp.route("/<code>")
class ProcedureByCode(MethodView):
    @documents_errors(procedures_blp, 404)
    @procedures_blp.arguments(ProcedureQuery, location="query")
    @procedures_blp.response(200, ProcedureOut)
    def get(self, args, code):
        """One procedure with the version in force on `on` (today by default) and its list of versions
        (public)."""
        return procedure_use_cases.get_procedure(runtime().uow(), code, args["on"])


@procedures_blp.route("/<code>/versions")
class ProcedureVersions(MethodView):
    @documents_errors(procedures_blp, 404)
    @procedures_blp.response(200, VersionOut(many=True))
    def get(self, code):
        """Every version of a procedure, oldest first, with its step plan (public)."""
        return procedure_use_cases.list_procedure_versions(runtime().uow(), code)

    @protected(procedures_blp, *OPERATOR_ROLES, errors=(404, 422))
    @procedures_blp.arguments(NewVersionIn)
    @procedures_blp.response(201, VersionOut)
    def post(self, command, code):
        """Add a version from a later date (a new law or decision). Dossiers already received keep the
        version in force on the day they were received."""
        return procedure_use_cases.add_procedure_version(runtime().uow(), code, command)


@dossiers_blp.route("")
class Dossiers(MethodView):
    @protected(dossiers_blp)
    @dossiers_blp.arguments(DossierQuery, location="query")
    @dossiers_blp.response(200, DossierPage)
    def get(self, args):
        """List dossiers by due date: your unit's unless your role sees every unit."""
        return queries.list_dossiers(runtime().uow(), current_principal(), args["unit"], args["status"],
                                     args["overdue"], args["page"], args["page_size"])

    @protected(dossiers_blp, *CASEWORK_ROLES, errors=(409, 422))
    @dossiers_blp.arguments(DossierIn)
    @dossiers_blp.response(201, DossierOut)
    def post(self, command):
        """Receive a dossier; its due date is computed in working time. Emits `dossier.received`."""
        return intake.receive_dossier(runtime().uow(), command, principal=current_principal())


@dossiers_blp.route("/<code>")
class DossierByCode(MethodView):
    @documents_errors(dossiers_blp, 401, 404)
    @dossiers_blp.doc(security=OPTIONAL_BEARER)
    @dossiers_blp.response(200, DossierOut)
    def get(self, code):
        """Track a dossier by its code (public); the applicant is shown only to the unit's officers and
        heads, the office and admins."""
        return queries.get_dossier(runtime().uow(), code, current_principal(required=False))


@dossiers_blp.route("/<code>/deadline")
class DossierDeadline(MethodView):
    @documents_errors(dossiers_blp, 404)
    @dossiers_blp.response(200, DeadlineOut)
    def get(self, code):
        """How the due date was computed: cut-off, days counted, days skipped and why, rules version."""
        return deadlines.explain_deadline(runtime().uow(), code)


@dossiers_blp.route("/<code>/completion")
class DossierCompletion(MethodView):
    @protected(dossiers_blp, *CASEWORK_ROLES, errors=(404, 409, 422))
    @dossiers_blp.arguments(CompletionIn)
    @dossiers_blp.response(200, DossierOut)
    def post(self, args, code):
        """Finish a dossier: judged early, on time or late by its due date. Emits `dossier.completed`."""
        return lifecycle.complete_dossier(runtime().uow(), code, completed_at=args["completed_at"],
                                          principal=current_principal())


@dossiers_blp.route("/mine")
class MyDossiers(MethodView):
    @protected(dossiers_blp)
    @dossiers_blp.arguments(PageArgs, location="query")
    @dossiers_blp.response(200, MyDossierPage)
    def get(self, args):
        """My open dossiers (the step in progress is mine: the token's `sub`), least remaining working time
        first, with the remaining working hours and days."""
        return queries.my_dossiers(runtime().uow(), current_principal(), args["page"], args["page_size"])


@dossiers_blp.route("/<code>/control-sheet")
class DossierControlSheet(MethodView):
    @protected(dossiers_blp, errors=(404,))
    @dossiers_blp.response(200, ControlSheetOut)
    def get(self, code):
        """The process control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ): each step's budget, working
        time used and timeliness; every hand-over, pause and send-back."""
        return control_sheet.control_sheet(runtime().uow(), code, current_principal())


@dossiers_blp.route("/<code>/handovers")
class DossierHandovers(MethodView):
    @protected(dossiers_blp, *CASEWORK_ROLES, errors=(404, 409, 422))
    @dossiers_blp.arguments(HandoverIn)
    @dossiers_blp.response(201, DossierOut)
    def post(self, command, code):
        """Hand the dossier over to the next step and/or official. Emits `dossier.handed_over` with the
        budget, time used and timeliness of the step it leaves."""
        return lifecycle.record_handover(runtime().uow(), code, command, principal=current_principal())


@dossiers_blp.route("/<code>/supplement-requests")
class DossierSupplementRequests(MethodView):
    @protected(dossiers_blp, *CASEWORK_ROLES, errors=(404, 409, 422))
    @dossiers_blp.arguments(SupplementRequestIn)
    @dossiers_blp.response(201, DossierOut)
    def post(self, command, code):
        """Ask the citizen to supplement the dossier (reasons required): the clock stops. Once allowed; a
        second request is recorded and makes the dossier late (`dossier.marked_late`)."""
        return lifecycle.request_supplement(runtime().uow(), code, command, principal=current_principal())


@dossiers_blp.route("/<code>/supplements")
class DossierSupplements(MethodView):
    @protected(dossiers_blp, *CASEWORK_ROLES, errors=(404, 409, 422))
    @dossiers_blp.arguments(SupplementIn)
    @dossiers_blp.response(201, DossierOut)
    def post(self, command, code):
        """The citizen supplemented the dossier: the clock resumes and the due date moves by the working
        time it stood still. Emits `dossier.supplement_received` and `dossier.deadline_changed`."""
        return lifecycle.receive_supplement(runtime().uow(), code, command, principal=current_principal())


@dossiers_blp.route("/<code>/end")
class DossierEnd(MethodView):
    @protected(dossiers_blp, *CASEWORK_ROLES, errors=(404, 409, 422))
    @dossiers_blp.arguments(EndIn)
    @dossiers_blp.response(200, DossierOut)
    def post(self, command, code):
        """End the dossier: returned (result handed to the citizen, after completion), refused (reason),
        withdrawn, stopped (reason). Emits `dossier.<end>`."""
        return lifecycle.end_dossier(runtime().uow(), code, command, principal=current_principal())


@dossiers_blp.route("/<code>/send-back")
class DossierSendBack(MethodView):
    @protected(dossiers_blp, *CASEWORK_ROLES, errors=(404, 409, 422))
    @dossiers_blp.arguments(SendBackIn)
    @dossiers_blp.response(201, DossierOut)
    def post(self, command, code):
        """The dossier was sent back to the citizen; officials' own fault is counted. Emits
        `dossier.sent_back`."""
        return lifecycle.send_back(runtime().uow(), code, command, principal=current_principal())


@dossiers_blp.route("/<code>/apology")
class DossierApology(MethodView):
    @protected(dossiers_blp, *CASEWORK_ROLES, errors=(404, 409, 422))
    @dossiers_blp.arguments(ApologyIn)
    @dossiers_blp.response(201, DossierOut)
    def post(self, command, code):
        """The unit apologises to the citizen, signed by its head (`signed_by`, `signer_name`), with a reason
        and a new return date, once (a second new date is refused with 409). The legal due date does not
        move; the new date is the dossier's `promised_at`. Emits `dossier.apology_issued`."""
        return apologies.issue_apology(runtime().uow(), code, command, principal=current_principal())


_DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dossiers_blp.route("/<code>/apology.<any(pdf, docx):fmt>")
class DossierApologyDocument(MethodView):
    @protected(dossiers_blp, *CASEWORK_ROLES, errors=(404,))
    @dossiers_blp.doc(responses={"200": {
        "description": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
        "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in _DOCUMENT_TYPES.values()}}})
    def get(self, code, fmt):
        """The apology letter in the official layout (Form 04), as PDF or DOCX: the issued letter, or before
        the unit issues it a draft marked "Dự thảo" for the head to complete and sign (it names the citizen:
        the unit's officers and heads, the office and admins)."""
        body = apologies.apology_document(runtime().uow(), code, fmt, current_principal())
        return Response(body, mimetype=_DOCUMENT_TYPES[fmt], headers={
            "Content-Disposition": f'attachment; filename="phieu-xin-loi-{code}.{fmt}"'})


# -- a unit's dossiers ------------------------------------------------------------------------------

units_blp = Blueprint("units", __name__, url_prefix="/units",
                      description="Đơn vị — a unit's dossiers at a glance")


@units_blp.route("/<unit>/dossiers/summary")
class UnitDossierSummary(MethodView):
    @protected(units_blp)
    @units_blp.response(200, UnitSummaryOut)
    def get(self, unit):
        """The unit's open dossiers by step: how many, due soon (a warning point reached), overdue, and
        waiting for the citizen, with the codes of the urgent ones."""
        return queries.unit_summary(runtime().uow(), unit, current_principal())


# -- working-time overrides -------------------------------------------------------------------------

calendar_blp = Blueprint("calendar", __name__, url_prefix="/calendar",
                         description="Lịch làm việc — operators' announcements of days off and working days")


@calendar_blp.route("/overrides")
class CalendarOverrides(MethodView):
    @protected(calendar_blp, *OPERATOR_ROLES)
    @calendar_blp.arguments(OverrideQuery, location="query")
    @calendar_blp.response(200, OverrideOut(many=True))
    def get(self, args):
        """The announcements (of a year, when given), by day."""
        return calendar.list_calendar_overrides(runtime().uow(), args["year"])

    @protected(calendar_blp, *OPERATOR_ROLES, errors=(409, 422))
    @calendar_blp.arguments(OverrideIn)
    @calendar_blp.response(201, OverrideOut)
    def post(self, command):
        """Announce a day off or a working day for the year; running deadlines move at once
        (`dossier.deadline_changed`, reason calendar_changed)."""
        return calendar.add_calendar_override(runtime().uow(), command, principal=current_principal())


@calendar_blp.route("/overrides/<day>")
class CalendarOverrideByDay(MethodView):
    @protected(calendar_blp, *OPERATOR_ROLES, errors=(404, 422))
    @calendar_blp.response(200, OverrideOut)
    def delete(self, day):
        """Withdraw an announcement (the day as YYYY-MM-DD); running deadlines move back."""
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            raise InvalidInput(f"{day!r} is not a date", {"day": ["write it as YYYY-MM-DD"]}) from None
        return calendar.remove_calendar_override(runtime().uow(), parsed, principal=current_principal())


# -- external ingest ----------------------------------------------------------------------------------

ingest_blp = Blueprint("ingest", __name__, url_prefix="/ingest",
                       description="Tiếp nhận từ hệ thống một cửa bên ngoài — external one-stop systems")


@ingest_blp.route("/events")
class IngestEvents(MethodView):
    @protected(ingest_blp, "publisher", errors=(422,))
    @ingest_blp.arguments(CloudEventIn(many=True), description="a JSON array of CloudEvents (structured mode), "
                          "as application/json or application/cloudevents-batch+json")
    @ingest_blp.response(200, IngestBatchOut, description="every event was taken: accepted, already had its "
                         "effect (duplicate) or waiting for the event it depends on")
    @ingest_blp.alt_response(207, schema=IngestBatchOut, success=True,
                             description="some events were rejected: each result says why")
    def post(self, items):
        """Send a batch of dossier events, for systems that cannot publish on `kycuong.ingest`. Needs a token
        with the role `publisher` whose `sub` is the publisher id; each event is applied (in its own
        transaction) exactly as if it had come through the exchange."""
        result = ingest.submit_external_events(runtime().uow(), [read_posted_event(item) for item in items],
                                               current_principal().sub)
        return result, 207 if result["rejected"] else 200


@ingest_blp.route("/rejections")
class IngestRejections(MethodView):
    @protected(ingest_blp, "admin")
    @ingest_blp.arguments(RejectionQuery, location="query")
    @ingest_blp.response(200, RejectionSummaryOut)
    def get(self, args):
        """External events refused (on the exchange and over HTTP): counts by publisher and reason, and the
        latest ones with the reason in full."""
        return ingest.external_rejections(runtime().uow(), args["since"])


@ingest_blp.route("/waiting")
class IngestWaitingEvents(MethodView):
    @protected(ingest_blp, "admin")
    @ingest_blp.arguments(PageArgs, location="query")
    @ingest_blp.response(200, WaitingPage)
    def get(self, args):
        """External events waiting for the event they depend on (`total` is how many), longest waiting first."""
        return ingest.waiting_external_events(runtime().uow(), args["page"], args["page_size"])
