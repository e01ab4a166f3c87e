"""HTTP API of the discipline service: parse, call one use case, serialise."""

from flask import send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from services.discipline.domain.explanations import EXPLANATION_ATTACHMENT_MAX_BYTES, EXPLANATION_ATTACHMENTS_MAX
from services.discipline.schemas import (
    AuditPage,
    AuditQuery,
    AuditVerifyOut,
    ConclusionIn,
    ConfirmationIn,
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
from services.discipline.use_cases import (
    audit as audit_log,
)
from services.discipline.use_cases import (
    decisions,
    eligibility,
    explanations,
    inspections,
    misconduct,
    proposals,
    rule_book,
    violations,
)
from services.discipline.use_cases import (
    directory as units,
)
from shared import attachments
from shared.web import current_principal, load_body, protected, runtime

directory = Blueprint("directory", __name__, description="Danh bạ đơn vị, cán bộ và người đứng đầu — "
                      "directory of units, officials and heads")
accountability = Blueprint("accountability", __name__, description="Giải trình và đề xuất kỷ luật — "
                           "explanation requests and sanction proposals")
audit = Blueprint("audit", __name__, url_prefix="/audit",
                  description="Nhật ký kiểm toán chống sửa đổi — the tamper-evident audit log (hash chain)")

AUDIT_READERS = ("inspector", "office", "admin")
DECIDING_ROLES = ("office", "inspector", "admin")


# --- directory -----------------------------------------------------------------------------------------

@directory.route("/units")
class Units(MethodView):
    @protected(directory, errors=(422,))
    @directory.arguments(UnitQuery, location="query")
    @directory.response(200, UnitPage)
    def get(self, args):
        """Units in Vietnamese alphabetical order (Đ after D); filter by parent and kind."""
        return units.list_units(runtime().uow(), args["parent"], args["kind"], args["page"], args["page_size"])

    @protected(directory, "admin", errors=(422,))
    @directory.arguments(UnitIn)
    @directory.response(200, UnitOut)
    def post(self, data):
        """Create a unit or change its name, parent or kind (by code); emits `directory.unit_upserted`
        when something changed."""
        return units.upsert_unit(runtime().uow(), data["code"], data["name"], data["parent"], data["kind"])


@directory.route("/units/<code>")
class UnitByCode(MethodView):
    @protected(directory, errors=(404,))
    @directory.response(200, UnitDetailOut)
    def get(self, code):
        """One unit with its head in office today."""
        return units.get_unit(runtime().uow(), code)


@directory.route("/units/<code>/heads")
class UnitHeads(MethodView):
    @protected(directory, errors=(404,))
    @directory.response(200, TermOut(many=True))
    def get(self, code):
        """The unit's terms of head and deputy, latest first."""
        return units.list_heads(runtime().uow(), code)

    @protected(directory, "admin", "office", errors=(404, 422))
    @directory.arguments(HeadIn)
    @directory.response(200, TermOut)
    def post(self, data, code):
        """Record an official as head (or deputy) from a date; the previous head's term ends the day
        before. Emits `directory.head_assigned`."""
        return units.assign_head(runtime().uow(), code, data["official"], data["since"], data["role"])


@directory.route("/officials")
class Officials(MethodView):
    @protected(directory, errors=(422,))
    @directory.arguments(OfficialQuery, location="query")
    @directory.response(200, OfficialPage)
    def get(self, args):
        """Officials, by given name as Vietnamese lists are read; filter by unit."""
        return units.list_officials(runtime().uow(), args["unit"], args["page"], args["page_size"])

    @protected(directory, "admin", "office", errors=(422,))
    @directory.arguments(OfficialIn)
    @directory.response(200, OfficialOut)
    def post(self, data):
        """Create an official or change their details (by code); emits `directory.official_upserted`
        when something changed."""
        return units.upsert_official(runtime().uow(), data["code"], data["name"], data["unit"], data["category"],
                                     data["position"], data["is_leader"])


# --- explanations --------------------------------------------------------------------------------------

@accountability.route("/explanations")
class Explanations(MethodView):
    @protected(accountability, errors=(422,))
    @accountability.arguments(ExplanationQuery, location="query")
    @accountability.response(200, ExplanationPage)
    def get(self, args):
        """Explanation requests (giải trình). An officer sees their own, a head their unit's and those
        below it, inspectors, the office and admins all."""
        return explanations.list_explanations(
            runtime().uow(), current_principal(), subject=args["subject"], unit=args["unit"],
            official=args["official"], role=args["role"], status=args["status"], page=args["page"],
            page_size=args["page_size"])


@accountability.route("/explanations/<code>")
class ExplanationByCode(MethodView):
    @protected(accountability, errors=(404,))
    @accountability.response(200, ExplanationDetailOut)
    def get(self, code):
        """One explanation request with the explanation, its attachments and its judgement; the official
        asked, the heads above the unit, inspectors, the office and admins may read it."""
        return explanations.get_explanation(runtime().uow(), current_principal(), code)


@accountability.route("/explanations/<code>/submission")
class ExplanationSubmission(MethodView):
    @protected(accountability, errors=(404, 409, 413, 422))
    @accountability.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": SubmissionIn},
        "multipart/form-data": {"schema": {"type": "object", "description": (
            f"field `text` and up to {EXPLANATION_ATTACHMENTS_MAX} files `attachments` (JPEG, PNG or PDF, "
            f"{EXPLANATION_ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB each)")}}}})
    @accountability.response(201, ExplanationDetailOut)
    def post(self, code):
        """Nộp giải trình — the official asked submits the explanation (text, attachments optional).

        Emits `explanation.submitted`. After the deadline the text is still kept, but the request stays
        `missed` (the missed deadline is a violation already) and `submitted_late` is true."""
        body, uploads = load_body(SubmissionIn(), max_files=EXPLANATION_ATTACHMENTS_MAX,
                                  max_bytes=EXPLANATION_ATTACHMENT_MAX_BYTES, what="giải trình (the explanation)")
        return explanations.submit_explanation(runtime().uow(), current_principal(), code, body["text"],
                                               uploads), 201


@accountability.route("/explanations/<code>/attachments/<int:attachment_id>")
class ExplanationAttachmentFile(MethodView):
    @protected(accountability, errors=(404,))
    @accountability.doc(responses={"200": {
        "description": "the file, as uploaded (its type sniffed from its content at upload)",
        "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in attachments.TYPES}}})
    def get(self, code, attachment_id):
        """An attachment of an explanation, for whoever may read the request."""
        path, content_type, filename = explanations.explanation_attachment(runtime().uow(), current_principal(),
                                                                           code, attachment_id)
        return send_file(path, mimetype=content_type, download_name=filename, as_attachment=True)


@accountability.route("/explanations/<code>/judgement")
class ExplanationJudgement(MethodView):
    @protected(accountability, errors=(404, 409, 422))
    @accountability.arguments(JudgementIn)
    @accountability.response(200, ExplanationOut)
    def post(self, data, code):
        """Xem xét giải trình — accept or reject a submitted explanation, with the reason.

        By the head in office today of the request's unit (or of a unit above it) or an inspector; never
        by the person who explained. Emits `explanation.accepted` or `explanation.rejected`."""
        return explanations.judge_explanation(runtime().uow(), current_principal(), code, data["accepted"],
                                              data["reason"])


# --- violations, sanction rules and proposals, the procedure, decisions, eligibility ---------------------

@accountability.route("/violations")
class Violations(MethodView):
    @protected(accountability, errors=(422,))
    @accountability.arguments(ViolationQuery, location="query")
    @accountability.response(200, ViolationPage)
    def get(self, args):
        """Violations (vi phạm), each naming the official responsible, directly or as the head's joint
        liability, with its facts, date, source and the rule set in force that day. An officer sees their
        own, a head their unit's and those below it, inspectors, the office and admins all."""
        return violations.list_violations(
            runtime().uow(), current_principal(), unit=args["unit"], official=args["official"], kind=args["kind"],
            source=args["source"], responsibility=args["responsibility"], page=args["page"],
            page_size=args["page_size"])


@accountability.route("/sanction-rules")
class SanctionRules(MethodView):
    @protected(accountability, errors=())
    @accountability.response(200, RuleSetOut(many=True))
    def get(self):
        """The sanction rule sets, newest first, with the one in force today marked, each with its source
        (document, article), whether it is verified, and what an unverified one needs checked."""
        return rule_book.list_rule_sets(runtime().uow())


@accountability.route("/rule-sets")
class RuleSets(MethodView):
    @protected(accountability, errors=())
    @accountability.response(200, RuleSetOut(many=True))
    def get(self):
        """The sanction rule sets (same as /sanction-rules)."""
        return rule_book.list_rule_sets(runtime().uow())


@accountability.route("/rule-sets/<path:version>/confirm")
class RuleSetConfirmation(MethodView):
    @protected(accountability, "admin", errors=(404, 409, 422))
    @accountability.arguments(ConfirmationIn)
    @accountability.response(200, RuleSetOut)
    def post(self, data, version):
        """Xác nhận nguồn bộ quy tắc — an admin confirms that an unverified rule set's source was checked
        against the published text; from then it is chosen for the facts of its dates. Who and when are
        recorded, also in the audit log. A set verified in the rules file is refused (409)."""
        return rule_book.confirm_rule_set(runtime().uow(), version, actor=current_principal().sub, note=data["note"])


@accountability.route("/sanction-proposals")
class SanctionProposals(MethodView):
    @protected(accountability, errors=(422,))
    @accountability.arguments(SanctionProposalQuery, location="query")
    @accountability.response(200, SanctionProposalPage)
    def get(self, args):
        """Sanction proposals (đề xuất kỷ luật), each with its facts, rule, rule set version and legal
        basis; same visibility as explanations."""
        return proposals.list_sanction_proposals(runtime().uow(), current_principal(), unit=args["unit"],
                                                 official=args["official"], page=args["page"],
                                                 page_size=args["page_size"])


@accountability.route("/sanction-proposals/<code>")
class SanctionProposalByCode(MethodView):
    @protected(accountability, errors=(404,))
    @accountability.response(200, ProposalDetailOut)
    def get(self, code):
        """One proposal with its statement of facts, the steps of its procedure and its decision."""
        return proposals.get_sanction_proposal(runtime().uow(), current_principal(), code)


@accountability.route("/sanction-proposals/<code>/steps")
class SanctionProposalSteps(MethodView):
    @protected(accountability, *DECIDING_ROLES, errors=(404, 409, 422))
    @accountability.arguments(StepIn)
    @accountability.response(200, StepOut)
    def post(self, data, code):
        """Record the next step: review meeting (within 3 working days of the proposal), council of 3
        (within 5), recommendation (within 5), decision (within 5). Whether it kept its deadline is
        recorded; after the handling limit (90 days from the discovery of the violation, 150 extended) it
        is refused with the reason (409). A form the official's category cannot receive under the rule set
        is refused (422) naming the set, its article and the forms allowed. The decision is in force 12
        months from `effective_on` (default the signing day). Emits `sanction.step_recorded` (and
        `sanction.decided`)."""
        return decisions.record_step(runtime().uow(), code, step=data["step"], at=data["at"],
                                     actor=current_principal().sub, notes=data["notes"], members=data["members"],
                                     form=data["form"], effective_on=data["effective_on"])


@accountability.route("/sanction-proposals/<code>/extension")
class SanctionProposalExtension(MethodView):
    @protected(accountability, *DECIDING_ROLES, errors=(404, 409, 422))
    @accountability.arguments(ReasonIn)
    @accountability.response(200, SanctionProposalOut)
    def post(self, data, code):
        """Extend the handling limit from 90 to 150 days from the proposal, with the reason."""
        return decisions.extend_proposal(runtime().uow(), code, reason=data["reason"], actor=current_principal().sub)


@accountability.route("/sanction-proposals/<code>/drop")
class SanctionProposalDrop(MethodView):
    @protected(accountability, *DECIDING_ROLES, errors=(404, 409, 422))
    @accountability.arguments(ReasonIn)
    @accountability.response(200, SanctionProposalOut)
    def post(self, data, code):
        """People decide: close a proposal without discipline, with the reason. Emits `sanction.dropped`."""
        return decisions.drop_proposal(runtime().uow(), code, reason=data["reason"], actor=current_principal().sub)


@accountability.route("/decisions")
class Decisions(MethodView):
    @protected(accountability, errors=(422,))
    @accountability.arguments(DecisionQuery, location="query")
    @accountability.response(200, DecisionPage)
    def get(self, args):
        """Disciplinary decisions (quyết định kỷ luật), latest first, with the last day each is in force;
        same visibility as violations."""
        return decisions.list_decisions(runtime().uow(), current_principal(), unit=args["unit"],
                                        official=args["official"], page=args["page"], page_size=args["page_size"])


@accountability.route("/officials/<code>/eligibility")
class OfficialEligibility(MethodView):
    @protected(accountability, errors=(404, 422))
    @accountability.arguments(EligibilityQuery, location="query")
    @accountability.response(200, EligibilityOut)
    def get(self, args, code):
        """On a day (today by default): may the official receive an emulation award, be appointed, be
        planned (no, while a decision is in force: 12 months), and the best evaluation of that year ("không
        hoàn thành nhiệm vụ" after any discipline in the year, Decree 48/2023), with the decisions that
        cause it. The official, their unit's heads, inspectors, the office and admins may ask."""
        return eligibility.official_eligibility(runtime().uow(), current_principal(), code, args["on"])


# --- misconduct verifications ---------------------------------------------------------------------------

@accountability.route("/verifications")
class Verifications(MethodView):
    @protected(accountability, errors=(422,))
    @accountability.arguments(VerificationQuery, location="query")
    @accountability.response(200, VerificationPage)
    def get(self, args):
        """Verifications of citizens' misconduct reports (xác minh phản ánh nhũng nhiễu, sách nhiễu); same
        visibility as explanations."""
        return misconduct.list_verifications(runtime().uow(), current_principal(), unit=args["unit"],
                                             official=args["official"], status=args["status"], page=args["page"],
                                             page_size=args["page_size"])


@accountability.route("/verifications/<code>/conclusion")
class VerificationConclusion(MethodView):
    @protected(accountability, "inspector", errors=(404, 409, 422))
    @accountability.arguments(ConclusionIn)
    @accountability.response(200, VerificationOut)
    def post(self, data, code):
        """Kết luận xác minh — inspectors confirm or dismiss a misconduct report; a confirmed one is
        recorded as a violation of the official concerned (source misconduct)."""
        return misconduct.conclude_verification(runtime().uow(), current_principal(), code, data)


# --- inspections ---------------------------------------------------------------------------------------

@accountability.route("/inspections")
class Inspections(MethodView):
    @protected(accountability, errors=(422,))
    @accountability.arguments(InspectionQuery, location="query")
    @accountability.response(200, InspectionPage)
    def get(self, args):
        """Inspections, latest first: all for inspectors, the office and admins; a head those of their unit
        and below; an official those with a finding naming them."""
        return inspections.list_inspections(runtime().uow(), current_principal(), unit=args["unit"],
                                            page=args["page"], page_size=args["page_size"])

    @protected(accountability, "inspector", errors=(422,))
    @accountability.arguments(InspectionIn)
    @accountability.response(201, InspectionOut)
    def post(self, data):
        """Ghi nhận kiểm tra công vụ — an inspection of a unit by Home Affairs (periodic or surprise), with
        findings made on the spot if any; each finding about an official is recorded as a violation.
        Emits `inspection.recorded`."""
        return inspections.record_inspection(runtime().uow(), current_principal(), data), 201


@accountability.route("/inspections/<code>")
class InspectionByCode(MethodView):
    @protected(accountability, errors=(404,))
    @accountability.response(200, InspectionOut)
    def get(self, code):
        """An inspection with the findings the reader may see (an official: those naming them)."""
        return inspections.get_inspection(runtime().uow(), current_principal(), code)


@accountability.route("/inspections/<code>/findings")
class InspectionFindings(MethodView):
    @protected(accountability, "inspector", errors=(404, 422))
    @accountability.arguments(FindingsIn)
    @accountability.response(201, InspectionOut)
    def post(self, data, code):
        """Thêm phát hiện — findings of an inspection (working hours, conduct, process, misconduct), one
        violation per official concerned; `inspection.recorded` is emitted again with the new count."""
        return inspections.add_inspection_findings(runtime().uow(), current_principal(), code, data["findings"]), 201


# --- audit ---------------------------------------------------------------------------------------------

@audit.route("")
class AuditLog(MethodView):
    @protected(audit, *AUDIT_READERS, errors=(422,))
    @audit.arguments(AuditQuery, location="query")
    @audit.response(200, AuditPage)
    def get(self, args):
        """The log, newest first: every step that bears on a decision, with its hash link."""
        return audit_log.list_audit(runtime().uow(), subject=args["subject"], action=args["action"],
                                    page=args["page"], page_size=args["page_size"])


@audit.route("/verify")
class AuditVerify(MethodView):
    @protected(audit, *AUDIT_READERS, errors=())
    @audit.response(200, AuditVerifyOut)
    def get(self):
        """Recompute the chain: ok, or the first broken link (seq and why: changed, missing, cut off)."""
        return audit_log.verify_audit_chain(runtime().uow())
