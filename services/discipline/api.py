"""HTTP API of the discipline service: parse, call a use case, serialise."""

from flask import request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from services.discipline import service
from services.discipline.domain import (
    EXPLANATION_ATTACHMENT_MAX_BYTES,
    EXPLANATION_ATTACHMENTS_MAX,
)
from services.discipline.schemas import (
    AuditPage,
    AuditQuery,
    AuditVerifyOut,
    ConclusionIn,
    DecisionPage,
    DecisionQuery,
    EligibilityOut,
    EligibilityQuery,
    ExplanationDetailOut,
    ExplanationOut,
    ExplanationPage,
    ExplanationQuery,
    FindingsIn,
    HeadIn,
    InspectionIn,
    InspectionOut,
    InspectionPage,
    InspectionQuery,
    JudgementIn,
    OfficialIn,
    OfficialOut,
    OfficialPage,
    OfficialQuery,
    ProposalDetailOut,
    ReasonIn,
    RuleSetOut,
    SanctionProposalOut,
    SanctionProposalPage,
    SanctionProposalQuery,
    StepIn,
    StepOut,
    SubmissionIn,
    TermOut,
    UnitDetailOut,
    UnitIn,
    UnitOut,
    UnitPage,
    UnitQuery,
    VerificationOut,
    VerificationPage,
    VerificationQuery,
    ViolationPage,
    ViolationQuery,
)
from shared import attachments
from shared.auth import current_principal, require_roles
from shared.errors import InvalidInput
from shared.web import ErrorResponse, runtime

directory = Blueprint("directory", __name__, description="Danh bạ đơn vị, cán bộ và người đứng đầu — "
                      "directory of units, officials and heads")
accountability = Blueprint("accountability", __name__, description="Giải trình và đề xuất kỷ luật — "
                           "explanation requests and sanction proposals")

BEARER = [{"bearerAuth": []}]
AUDIT_READERS = ("inspector", "office", "admin")


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


# --- explanations: submission, judgement, attachments ------------------------------------------------

@accountability.route("/explanations/<code>")
class ExplanationByCode(MethodView):
    @accountability.response(200, ExplanationDetailOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self, code):
        """One explanation request with the explanation, its attachments and its judgement; the official
        asked, the heads above the unit, inspectors, the office and admins may read it."""
        return service.get_explanation(runtime().uow(), current_principal(), code)


@accountability.route("/explanations/<code>/submission")
class ExplanationSubmission(MethodView):
    @accountability.doc(security=BEARER, requestBody={"required": True, "content": {
        "application/json": {"schema": SubmissionIn},
        "multipart/form-data": {"schema": {"type": "object", "description": (
            f"field `text` and up to {EXPLANATION_ATTACHMENTS_MAX} files `attachments` (JPEG, PNG or PDF, "
            f"{EXPLANATION_ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB each)")}}}})
    @accountability.response(201, ExplanationDetailOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.alt_response(409, schema=ErrorResponse)
    @accountability.alt_response(413, schema=ErrorResponse)
    @accountability.alt_response(422, schema=ErrorResponse)
    @require_roles()
    def post(self, code):
        """Nộp giải trình — the official asked submits the explanation (text, attachments optional).

        Emits `explanation.submitted`. After the deadline the text is still kept, but the request stays
        `missed` (the missed deadline is a violation already) and `submitted_late` is true."""
        text, uploads = _submission_body()
        return service.submit_explanation(runtime().uow(), current_principal(), code, text, uploads), 201


def _submission_body() -> tuple[str, list[attachments.Upload]]:
    if request.mimetype == "multipart/form-data":
        raw, uploads = {"text": request.form.get("text")}, attachments.read_uploads(
            request.files.getlist("attachments"), max_files=EXPLANATION_ATTACHMENTS_MAX,
            max_bytes=EXPLANATION_ATTACHMENT_MAX_BYTES)
        raw = {k: v for k, v in raw.items() if v is not None}
    else:
        raw, uploads = request.get_json(silent=True), []
        if not isinstance(raw, dict):
            raise InvalidInput("gửi giải trình dạng JSON {\"text\": …} hoặc multipart/form-data — send a JSON object "
                               "or a form", {"json": ["a JSON object is required"]})
    try:
        return SubmissionIn().load(raw)["text"], uploads
    except ValidationError as exc:
        raise InvalidInput("the request has invalid fields: " + ", ".join(sorted(exc.messages)),
                           exc.messages) from exc



@accountability.route("/explanations/<code>/attachments/<int:attachment_id>")
class ExplanationAttachmentFile(MethodView):
    @accountability.response(200, description="the file, as uploaded")
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self, code, attachment_id):
        """An attachment of an explanation, for whoever may read the request."""
        path, content_type, filename = service.explanation_attachment(runtime().uow(), current_principal(), code,
                                                                      attachment_id)
        return send_file(path, mimetype=content_type, download_name=filename, as_attachment=True)


@accountability.route("/explanations/<code>/judgement")
class ExplanationJudgement(MethodView):
    @accountability.arguments(JudgementIn)
    @accountability.response(200, ExplanationOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.alt_response(409, schema=ErrorResponse)
    @accountability.alt_response(422, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def post(self, data, code):
        """Xem xét giải trình — accept or reject a submitted explanation, with the reason.

        By the head in office today of the request's unit (or of a unit above it) or an inspector; never
        by the person who explained. Emits `explanation.accepted` or `explanation.rejected`."""
        return service.judge_explanation(runtime().uow(), current_principal(), code, data["accepted"], data["reason"])


# --- misconduct verifications: conclusion --------------------------------------------------------------

@accountability.route("/verifications/<code>/conclusion")
class VerificationConclusion(MethodView):
    @accountability.arguments(ConclusionIn)
    @accountability.response(200, VerificationOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.alt_response(409, schema=ErrorResponse)
    @accountability.alt_response(422, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles("inspector")
    def post(self, data, code):
        """Kết luận xác minh — inspectors confirm or dismiss a misconduct report; a confirmed one is
        recorded as a violation of the official concerned (source misconduct)."""
        return service.conclude_verification(runtime().uow(), current_principal(), code, **data)


# --- inspections ---------------------------------------------------------------------------------------

@accountability.route("/inspections")
class Inspections(MethodView):
    @accountability.arguments(InspectionQuery, location="query")
    @accountability.response(200, InspectionPage)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self, args):
        """Inspections, latest first: all for inspectors, the office and admins; a head those of their unit
        and below; an official those with a finding naming them."""
        return service.list_inspections(runtime().uow(), current_principal(), unit=args["unit"], page=args["page"],
                                        page_size=args["page_size"])

    @accountability.arguments(InspectionIn)
    @accountability.response(201, InspectionOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(422, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles("inspector")
    def post(self, data):
        """Ghi nhận kiểm tra công vụ — an inspection of a unit by Home Affairs (periodic or surprise), with
        findings made on the spot if any; each finding about an official is recorded as a violation.
        Emits `inspection.recorded`."""
        return service.record_inspection(runtime().uow(), current_principal(), **data), 201


@accountability.route("/inspections/<code>")
class InspectionByCode(MethodView):
    @accountability.response(200, InspectionOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self, code):
        """An inspection with the findings the reader may see (an official: those naming them)."""
        return service.get_inspection(runtime().uow(), current_principal(), code)


@accountability.route("/inspections/<code>/findings")
class InspectionFindings(MethodView):
    @accountability.arguments(FindingsIn)
    @accountability.response(201, InspectionOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.alt_response(422, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles("inspector")
    def post(self, data, code):
        """Thêm phát hiện — findings of an inspection (working hours, conduct, process, misconduct), one
        violation per official concerned; `inspection.recorded` is emitted again with the new count."""
        return service.add_inspection_findings(runtime().uow(), current_principal(), code, data["findings"]), 201


# --- audit ---------------------------------------------------------------------------------------------

audit = Blueprint("audit", __name__, url_prefix="/audit",
                  description="Nhật ký kiểm toán chống sửa đổi — the tamper-evident audit log (hash chain)")


@audit.route("")
class AuditLog(MethodView):
    @audit.arguments(AuditQuery, location="query")
    @audit.response(200, AuditPage)
    @audit.alt_response(401, schema=ErrorResponse)
    @audit.alt_response(403, schema=ErrorResponse)
    @audit.doc(security=BEARER)
    @require_roles(*AUDIT_READERS)
    def get(self, args):
        """The log, newest first: every step that bears on a decision, with its hash link."""
        return service.list_audit(runtime().uow(), subject=args["subject"], action=args["action"],
                                  page=args["page"], page_size=args["page_size"])


@audit.route("/verify")
class AuditVerify(MethodView):
    @audit.response(200, AuditVerifyOut)
    @audit.alt_response(401, schema=ErrorResponse)
    @audit.alt_response(403, schema=ErrorResponse)
    @audit.doc(security=BEARER)
    @require_roles(*AUDIT_READERS)
    def get(self):
        """Recompute the chain: ok, or the first broken link (seq and why: changed, missing, cut off)."""
        return service.verify_audit_chain(runtime().uow())


# --- violations, the disciplinary procedure, decisions, eligibility --------------------------------------

DECIDERS = ("office", "inspector", "admin")


@accountability.route("/violations")
class Violations(MethodView):
    @accountability.arguments(ViolationQuery, location="query")
    @accountability.response(200, ViolationPage)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self, args):
        """Violations (vi phạm), each naming the official responsible, directly or as the head's joint
        liability, with its facts, date, source and the rule set in force that day. An officer sees their
        own, a head their unit's and those below it, inspectors, the office and admins all."""
        page, page_size = args.pop("page"), args.pop("page_size")
        return service.list_violations(runtime().uow(), current_principal(), page=page, page_size=page_size, **args)


@accountability.route("/sanction-proposals/<code>")
class SanctionProposalByCode(MethodView):
    @accountability.response(200, ProposalDetailOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self, code):
        """One proposal with its statement of facts, the steps of its procedure and its decision."""
        return service.get_sanction_proposal(runtime().uow(), current_principal(), code)


@accountability.route("/sanction-proposals/<code>/steps")
class SanctionProposalSteps(MethodView):
    @accountability.arguments(StepIn)
    @accountability.response(200, StepOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.alt_response(409, schema=ErrorResponse)
    @accountability.alt_response(422, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles(*DECIDERS)
    def post(self, data, code):
        """Record the next step: review meeting (within 3 working days of the proposal), council of 3
        (within 5), recommendation (within 5), decision (within 5). Whether it kept its deadline is
        recorded; after the handling limit (90 days, 150 extended) it is refused with the reason (409).
        The decision is in force 12 months. Emits `sanction.step_recorded` (and `sanction.decided`)."""
        return service.record_step(runtime().uow(), code, step=data["step"], at=data["at"],
                                   actor=current_principal().sub, notes=data["notes"], members=data["members"],
                                   form=data["form"])


@accountability.route("/sanction-proposals/<code>/extension")
class SanctionProposalExtension(MethodView):
    @accountability.arguments(ReasonIn)
    @accountability.response(200, SanctionProposalOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.alt_response(409, schema=ErrorResponse)
    @accountability.alt_response(422, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles(*DECIDERS)
    def post(self, data, code):
        """Extend the handling limit from 90 to 150 days from the proposal, with the reason."""
        return service.extend_proposal(runtime().uow(), code, reason=data["reason"], actor=current_principal().sub)


@accountability.route("/sanction-proposals/<code>/drop")
class SanctionProposalDrop(MethodView):
    @accountability.arguments(ReasonIn)
    @accountability.response(200, SanctionProposalOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.alt_response(409, schema=ErrorResponse)
    @accountability.alt_response(422, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles(*DECIDERS)
    def post(self, data, code):
        """People decide: close a proposal without discipline, with the reason. Emits `sanction.dropped`."""
        return service.drop_proposal(runtime().uow(), code, reason=data["reason"], actor=current_principal().sub)


@accountability.route("/decisions")
class Decisions(MethodView):
    @accountability.arguments(DecisionQuery, location="query")
    @accountability.response(200, DecisionPage)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self, args):
        """Disciplinary decisions (quyết định kỷ luật), latest first, with the last day each is in force;
        same visibility as violations."""
        return service.list_decisions(runtime().uow(), current_principal(), unit=args["unit"],
                                      official=args["official"], page=args["page"], page_size=args["page_size"])


@accountability.route("/officials/<code>/eligibility")
class OfficialEligibility(MethodView):
    @accountability.arguments(EligibilityQuery, location="query")
    @accountability.response(200, EligibilityOut)
    @accountability.alt_response(401, schema=ErrorResponse)
    @accountability.alt_response(403, schema=ErrorResponse)
    @accountability.alt_response(404, schema=ErrorResponse)
    @accountability.doc(security=BEARER)
    @require_roles()
    def get(self, args, code):
        """On a day (today by default): may the official receive an emulation award, be appointed, be
        planned (no, while a decision is in force: 12 months), and the best evaluation of that year ("không
        hoàn thành nhiệm vụ" after any discipline in the year, Decree 48/2023), with the decisions that
        cause it. The official, their unit's heads, inspectors, the office and admins may ask."""
        return service.official_eligibility(runtime().uow(), current_principal(), code, args["on"])
