"""Request and response schemas of the discipline API."""

import json

from marshmallow import Schema, fields, post_load, validate

from services.discipline.domain.directory import CATEGORIES, HEAD_ROLES
from services.discipline.domain.explanations import EXPLANATION_ROLES, EXPLANATION_TEXT_MAX, JUDGEMENT_REASON_MAX
from services.discipline.domain.inspections import FINDING_CATEGORIES, INSPECTION_KINDS, MISCONDUCT_LABELS
from services.discipline.domain.procedure import PROCEDURE_STEPS, STEP_LABELS
from services.discipline.use_cases.inspections import Finding, NewInspection
from services.discipline.use_cases.misconduct import Conclusion
from shared.codes import CODE_PATTERN, CODE_RULE
from shared.events.vocabulary import SANCTION_FORMS, sanction_form_label
from shared.web import LocalDateTime, PageArgs, page_schema
from shared.web.schemas import StrictBoolean, plausible_day, within_calendar

_CODE = validate.Regexp(CODE_PATTERN, error=CODE_RULE)


# --- units ---------------------------------------------------------------------------------------

class UnitIn(Schema):
    code = fields.String(required=True, validate=_CODE,
                         metadata={"description": "unit code, e.g. HN-SNV, P01 (province), W00070 (ward)"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=255),
                         metadata={"description": "Vietnamese name, e.g. Sở Nội vụ"})
    parent = fields.String(load_default=None, allow_none=True, validate=_CODE,
                           metadata={"description": "parent unit code; null for a root"})
    kind = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z_]{1,31}$"),
                         metadata={"description": "province, department, agency, ward, commune, special_zone…"})


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    parent = fields.String(allow_none=True)
    kind = fields.String()


class TermOut(Schema):
    unit = fields.String()
    official = fields.String()
    name = fields.String(allow_none=True, metadata={"description": "the official's name"})
    role = fields.String(metadata={"description": "head (người đứng đầu) or deputy (cấp phó)"})
    since = fields.Date()
    until = fields.Date(allow_none=True, metadata={"description": "last day in office; null while it lasts"})


class UnitDetailOut(UnitOut):
    children = fields.Integer(metadata={"description": "number of units directly below"})
    head = fields.Nested(TermOut, allow_none=True, metadata={"description": "head in office today"})


class UnitQuery(PageArgs):
    parent = fields.String(load_default=None)
    kind = fields.String(load_default=None)


UnitPage = page_schema(UnitOut, "UnitPage")


class HeadIn(Schema):
    official = fields.String(required=True, validate=_CODE)
    since = fields.Date(required=True, validate=plausible_day, metadata={"description": "first day in office"})
    role = fields.String(load_default="head", validate=validate.OneOf(HEAD_ROLES))


# --- officials -----------------------------------------------------------------------------------

class OfficialIn(Schema):
    code = fields.String(required=True, validate=_CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    unit = fields.String(required=True, validate=_CODE)
    position = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255),
                             metadata={"description": "e.g. Chủ tịch UBND phường, Chuyên viên"})
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES),
                             metadata={"description": "cán bộ, công chức or viên chức"})
    is_leader = StrictBoolean(load_default=False)


class OfficialOut(Schema):
    code = fields.String()
    name = fields.String()
    unit = fields.String()
    position = fields.String(allow_none=True)
    category = fields.String()
    is_leader = fields.Boolean()


class OfficialQuery(PageArgs):
    unit = fields.String(load_default=None)


OfficialPage = page_schema(OfficialOut, "OfficialPage")


# --- explanations --------------------------------------------------------------------------------

class ExplanationOut(Schema):
    code = fields.String()
    subject_type = fields.String(metadata={"description": "dossier, task or feedback"})
    subject = fields.String(metadata={"description": "code of the late dossier"})
    official = fields.String(allow_none=True, metadata={"description": "null while unassigned"})
    unit = fields.String()
    role = fields.String(metadata={"description": "official (who handled it) or head (of the unit)"})
    status = fields.String(metadata={"description": "unassigned (nobody could be named), requested, submitted, "
                                                     "accepted, rejected or missed"})
    due_at = LocalDateTime(metadata={"description": "deadline to explain"})
    reason = fields.String()
    rule_set = fields.String(allow_none=True, metadata={"description": "rule set that set the time to explain"})
    requested_at = LocalDateTime()
    submitted_at = LocalDateTime(allow_none=True, metadata={"description": "when the explanation was submitted"})
    submission = fields.String(allow_none=True, metadata={"description": "the explanation's text"})
    submitted_late = fields.Boolean(metadata={"description": "submitted after the deadline (the request stays "
                                                             "missed)"})
    missed_at = LocalDateTime(allow_none=True, metadata={"description": "when the missed deadline was recorded"})
    judged_at = LocalDateTime(allow_none=True)
    judged_by = fields.String(allow_none=True, metadata={"description": "head or inspector who judged"})
    judgement_reason = fields.String(allow_none=True)


class ExplanationQuery(PageArgs):
    subject = fields.String(load_default=None)
    unit = fields.String(load_default=None)
    official = fields.String(load_default=None)
    role = fields.String(load_default=None, validate=validate.OneOf(EXPLANATION_ROLES))
    status = fields.String(load_default=None)


ExplanationPage = page_schema(ExplanationOut, "ExplanationPage")


# --- sanction proposals and rules ----------------------------------------------------------------

class SanctionProposalOut(Schema):
    code = fields.String()
    official = fields.String()
    unit = fields.String()
    rule = fields.String(metadata={"description": "id of the rule whose threshold was met"})
    rule_description = fields.String()
    rule_set = fields.String(metadata={"description": "version of the rule set in force on the fact's date"})
    legal_basis = fields.String()
    threshold = fields.Integer()
    window_days = fields.Integer()
    form = fields.String(metadata={"description": "proposed disciplinary form"})
    form_label = fields.Function(lambda p: sanction_form_label(p.form))
    facts = fields.List(fields.String(), metadata={"description": "codes of the late dossiers counted"})
    joint_liability = fields.Boolean(metadata={"description": "trách nhiệm liên đới of the head"})
    status = fields.String(metadata={"description": "proposed, in_progress, decided or dropped"})
    fact_day = fields.Date(metadata={"description": "day of the fact that met the threshold"})
    created_at = LocalDateTime()
    statement = fields.String(allow_none=True, metadata={"description": "the facts, rule and legal basis in words"})
    violation = fields.String(allow_none=True, metadata={"description": "violation that met the threshold"})
    violation_kind = fields.String(allow_none=True)
    category = fields.String(allow_none=True, metadata={"description": "the official's category when proposed"})
    is_leader = fields.Boolean(allow_none=True)
    rule_form = fields.String(allow_none=True, metadata={"description": "the rule's own form, before a repeat"})
    escalated_from = fields.String(allow_none=True, metadata={
        "description": "decision whose repeat raised the form one level"})
    next_step = fields.String(allow_none=True, metadata={"description": "review, council, recommendation, decision"})
    next_due_at = LocalDateTime(allow_none=True, metadata={"description": "deadline of the next step"})
    handling_until = fields.Date(allow_none=True, metadata={
        "description": "last day to decide: 90 days from the proposal, 150 when extended"})
    extended = fields.Boolean()
    limitation_until = fields.Date(allow_none=True, metadata={"description": "last day of the limitation period"})
    dropped_reason = fields.String(allow_none=True)
    rule_source = fields.String(allow_none=True, metadata={
        "description": "the rule's source: a law's article, or chính sách địa phương (local policy)"})
    rule_set_source = fields.String(allow_none=True, metadata={"description": "the rule set's document and article"})
    rule_set_verified = fields.Boolean(allow_none=True, metadata={
        "description": "whether the rule set's source was checked (or confirmed by an operator)"})
    discovered_at = LocalDateTime(allow_none=True, metadata={
        "description": "when the violation was discovered: the handling limit counts from it"})


class SanctionProposalQuery(PageArgs):
    unit = fields.String(load_default=None)
    official = fields.String(load_default=None)


SanctionProposalPage = page_schema(SanctionProposalOut, "SanctionProposalPage")


class RuleOut(Schema):
    id = fields.String()
    description_vi = fields.String()
    applies_to = fields.String()
    threshold = fields.Integer()
    window_days = fields.Integer()
    form = fields.String()
    form_label = fields.String()
    joint_liability = fields.Boolean()
    kind = fields.String(metadata={"description": "the violation kind counted"})
    source = fields.String(metadata={"description": "a law's article, or chính sách địa phương (local policy)"})


class RuleSetOut(Schema):
    version = fields.String()
    effective_from = fields.Date()
    legal_basis = fields.String()
    source = fields.String(metadata={"description": "the document and article the set applies"})
    verified = fields.Boolean(metadata={
        "description": "false while its source is not checked; an unverified set is never chosen"})
    verified_in_file = fields.Boolean(metadata={"description": "as the rules file says, before confirmations"})
    verification_note = fields.String(allow_none=True, metadata={"description": "what must be checked"})
    confirmed_by = fields.String(allow_none=True, metadata={"description": "operator who confirmed the source"})
    confirmed_at = LocalDateTime(allow_none=True)
    forms_source = fields.Dict(metadata={"description": "category → the article listing its forms"})
    explanation_days = fields.Float()
    categories = fields.List(fields.String(), metadata={"description": "categories of officials it judges"})
    forms = fields.Dict(metadata={"description": "category → staff/leader → forms, lightest first"})
    local_measures = fields.Dict(metadata={"description": "phê bình, đình chỉ công tác, miễn nhiệm …"})
    limitation = fields.Dict(metadata={"description": "limitation period in years, by level"})
    handling_days = fields.Integer()
    handling_days_extended = fields.Integer()
    procedure_days = fields.Dict(metadata={"description": "working days allowed for each step"})
    note = fields.String(allow_none=True)
    in_force = fields.Boolean(metadata={"description": "the set that judges facts of today"})
    rules = fields.List(fields.Nested(RuleOut))


# --- verifications of misconduct reports ---------------------------------------------------------

class VerificationOut(Schema):
    code = fields.String()
    source = fields.String(metadata={"description": "where the report came from (feedback)"})
    subject = fields.String(metadata={"description": "the report's tracking code"})
    kind = fields.String(metadata={"description": "harassment, extortion, deliberate_delay or other"})
    kind_label = fields.Method("label")
    unit = fields.String()
    official = fields.String(allow_none=True)
    dossier_code = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "open, confirmed or dismissed"})
    reported_at = LocalDateTime()
    opened_at = LocalDateTime()
    due_at = LocalDateTime(metadata={"description": "deadline to conclude the verification"})
    concluded_at = LocalDateTime(allow_none=True)
    concluded_by = fields.String(allow_none=True, metadata={"description": "inspector who concluded"})
    conclusion = fields.String(allow_none=True)

    def label(self, verification) -> str:
        return MISCONDUCT_LABELS.get(verification.kind, verification.kind)


class VerificationQuery(PageArgs):
    unit = fields.String(load_default=None)
    official = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "confirmed", "dismissed"]))


VerificationPage = page_schema(VerificationOut, "VerificationPage")


# --- explanations: submission and judgement ------------------------------------------------------

class AttachmentOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer(metadata={"description": "bytes"})
    sha256 = fields.String(metadata={"description": "digest of the file, as audited"})


class ExplanationDetailOut(ExplanationOut):
    attachments = fields.List(fields.Nested(AttachmentOut))


class SubmissionIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=EXPLANATION_TEXT_MAX),
                         metadata={"description": "nội dung giải trình — the explanation"})


class JudgementIn(Schema):
    accepted = StrictBoolean(required=True, metadata={"description": "true: chấp nhận; false: không chấp nhận"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=JUDGEMENT_REASON_MAX),
                           metadata={"description": "lý do — why it is accepted or rejected"})


# --- misconduct verifications: conclusion --------------------------------------------------------

class ConclusionIn(Schema):
    confirmed = StrictBoolean(required=True, metadata={"description": "true: the misconduct is confirmed"})
    conclusion = fields.String(required=True, validate=validate.Length(min=1, max=JUDGEMENT_REASON_MAX),
                               metadata={"description": "kết luận xác minh — the facts established"})
    official = fields.String(load_default=None, allow_none=True, validate=_CODE,
                             metadata={"description": "official concerned, when the report named none"})
    fact_date = fields.Date(load_default=None, allow_none=True,
                            metadata={"description": "day of the facts; default the day it was reported"})

    @post_load
    def command(self, data, **_) -> Conclusion:
        return Conclusion(**data)


# --- inspections ---------------------------------------------------------------------------------

class FindingIn(Schema):
    category = fields.String(required=True, validate=validate.OneOf(list(FINDING_CATEGORIES)),
                             metadata={"description": "working_hours, conduct, process or misconduct"})
    officials = fields.List(fields.String(validate=_CODE), required=True, validate=validate.Length(min=1, max=50),
                            metadata={"description": "officials concerned; one violation each"})
    facts = fields.String(required=True, validate=validate.Length(min=1, max=EXPLANATION_TEXT_MAX))
    fact_date = fields.Date(load_default=None, allow_none=True,
                            metadata={"description": "day of the facts; default the day of the inspection"})

    @post_load
    def command(self, data, **_) -> Finding:
        return Finding(**{**data, "officials": tuple(data["officials"])})


class FindingsIn(Schema):
    findings = fields.List(fields.Nested(FindingIn), required=True, validate=validate.Length(min=1, max=200))


class InspectionIn(Schema):
    unit = fields.String(required=True, validate=_CODE, metadata={"description": "unit inspected"})
    kind = fields.String(required=True, validate=validate.OneOf(list(INSPECTION_KINDS)),
                         metadata={"description": "periodic (định kỳ) or surprise (đột xuất)"})
    inspected_on = fields.Date(required=True)
    team = fields.List(fields.String(validate=validate.Length(min=1, max=255)), required=True,
                       validate=validate.Length(min=1, max=30),
                       metadata={"description": "members of the inspection team"})
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=EXPLANATION_TEXT_MAX))
    findings = fields.List(fields.Nested(FindingIn), load_default=list, validate=validate.Length(max=200))

    @post_load
    def command(self, data, **_) -> NewInspection:
        return NewInspection(**{**data, "team": tuple(data["team"]), "findings": tuple(data["findings"])})


class FindingOut(Schema):
    id = fields.Integer()
    category = fields.String()
    category_label = fields.String()
    official = fields.String()
    unit = fields.String(metadata={"description": "the official's unit"})
    facts = fields.String()
    fact_date = fields.Date()
    violation = fields.String(allow_none=True, metadata={"description": "code of the violation recorded"})


class InspectionOut(Schema):
    code = fields.String()
    unit = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    inspected_on = fields.Date()
    team = fields.List(fields.String())
    notes = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_at = LocalDateTime()
    findings = fields.List(fields.Nested(FindingOut), allow_none=True,
                           metadata={"description": "the findings the reader may see (not listed in pages)"})


class InspectionQuery(PageArgs):
    unit = fields.String(load_default=None)


InspectionPage = page_schema(InspectionOut, "InspectionPage")


# --- audit ---------------------------------------------------------------------------------------

class AuditEntryOut(Schema):
    seq = fields.Integer()
    at = LocalDateTime()
    action = fields.String(metadata={"description": "e.g. explanation.submitted, sanction.decided"})
    subject = fields.String(metadata={"description": "code of the request, proposal, inspection…"})
    actor = fields.String(allow_none=True, metadata={"description": "who acted; null for the platform itself"})
    data = fields.Method("parsed", metadata={"description": "the facts recorded, as hashed"})
    prev_hash = fields.String()
    hash = fields.String()

    def parsed(self, entry):
        return json.loads(entry.data)


class AuditQuery(PageArgs):
    subject = fields.String(load_default=None)
    action = fields.String(load_default=None)


AuditPage = page_schema(AuditEntryOut, "AuditPage")


class ChainBreakOut(Schema):
    seq = fields.Integer(metadata={"description": "the first entry where the chain does not hold"})
    reason = fields.String()


class AuditVerifyOut(Schema):
    ok = fields.Boolean()
    entries = fields.Integer(metadata={"description": "entries checked"})
    first_broken = fields.Nested(ChainBreakOut, allow_none=True)


# --- violations ----------------------------------------------------------------------------------

class ViolationOut(Schema):
    code = fields.String()
    official = fields.String()
    unit = fields.String()
    kind = fields.String(metadata={"description": "late_dossier, missed_explanation, misconduct, …"})
    source_type = fields.String(metadata={
        "description": "dossier, task, feedback, inspection, explanation, misconduct"})
    source = fields.String(metadata={"description": "code of the dossier, task, inspection …"})
    fact_date = fields.Date()
    facts = fields.String()
    responsibility = fields.String(metadata={"description": "direct, or joint (the head in office that day)"})
    joint_of = fields.String(allow_none=True, metadata={"description": "the direct violation a joint one answers for"})
    rule_set = fields.String(allow_none=True, metadata={"description": "rule set in force on the fact's date"})
    rule_set_source = fields.String(allow_none=True, metadata={"description": "the rule set's document and article"})
    rule_set_verified = fields.Boolean(allow_none=True)
    recorded_at = LocalDateTime()
    discovered_at = LocalDateTime(allow_none=True, metadata={
        "description": "when it came to light (detection, inspection, report): the handling limit counts from it"})


class ViolationQuery(PageArgs):
    unit = fields.String(load_default=None)
    official = fields.String(load_default=None)
    kind = fields.String(load_default=None)
    source = fields.String(load_default=None)
    responsibility = fields.String(load_default=None, validate=validate.OneOf(["direct", "joint"]))


ViolationPage = page_schema(ViolationOut, "ViolationPage")


# --- the disciplinary procedure and decisions ----------------------------------------------------

class StepIn(Schema):
    step = fields.String(required=True, validate=validate.OneOf(PROCEDURE_STEPS),
                         metadata={"description": "review (họp kiểm điểm), council (hội đồng), recommendation, "
                                                  "decision — in this order"})
    at = fields.AwareDateTime(required=True, validate=within_calendar,
                              metadata={"description": "when the step took place (with its offset)"})
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    members = fields.List(fields.String(validate=_CODE), load_default=list,
                          metadata={"description": "the council's 3 members (official codes); council step only"})
    form = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SANCTION_FORMS),
                         metadata={"description": "form recommended or decided; recommendation and decision only"})
    effective_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "decision only: the day it takes effect (default the signing day, never before it); "
                       "in force 12 months from then"})


class StepOut(Schema):
    proposal = fields.String()
    step = fields.String()
    step_label = fields.Function(lambda s: STEP_LABELS.get(s.step, s.step))
    at = LocalDateTime()
    due_at = LocalDateTime(metadata={"description": "deadline of this step, in working days from the previous"})
    on_time = fields.Boolean()
    notes = fields.String(allow_none=True)
    members = fields.List(fields.String(), allow_none=True)
    form = fields.String(allow_none=True)
    recorded_by = fields.String(allow_none=True)


class ConfirmationIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000), metadata={
        "description": "what was checked: the published text, its number, date and articles"})


class ReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class DecisionOut(Schema):
    code = fields.String()
    proposal = fields.String()
    official = fields.String()
    unit = fields.String()
    form = fields.String()
    form_label = fields.Function(lambda d: sanction_form_label(d.form))
    violation_kind = fields.String(allow_none=True)
    rule_set = fields.String()
    decided_at = LocalDateTime()
    decided_on = fields.Date(metadata={"description": "the signing day"})
    effective_on = fields.Function(lambda d: (d.effective_on or d.decided_on).isoformat(), metadata={
        "description": "the day it takes effect (the signing day unless set)"})
    in_force_until = fields.Date(metadata={"description": "last day in force: 12 months from effective_on"})
    decided_by = fields.String(allow_none=True)
    rule_source = fields.String(allow_none=True, metadata={"description": "the article listing the form decided"})
    rule_set_verified = fields.Boolean(allow_none=True)


class DecisionQuery(PageArgs):
    unit = fields.String(load_default=None)
    official = fields.String(load_default=None)


DecisionPage = page_schema(DecisionOut, "DecisionPage")


class ProposalDetailOut(Schema):
    proposal = fields.Nested(SanctionProposalOut)
    steps = fields.List(fields.Nested(StepOut))
    decision = fields.Nested(DecisionOut, allow_none=True)


class EligibilityQuery(Schema):
    on = fields.Date(load_default=None, metadata={"description": "the day asked about; today by default"})


class EligibilityOut(Schema):
    official = fields.String()
    name = fields.String()
    on = fields.Date()
    may_receive_award = fields.Boolean(metadata={"description": "thi đua, khen thưởng"})
    may_be_appointed = fields.Boolean(metadata={"description": "bổ nhiệm"})
    may_be_planned = fields.Boolean(metadata={"description": "quy hoạch"})
    evaluation_year = fields.Integer()
    evaluation_cap = fields.String(allow_none=True, metadata={
        "description": "best evaluation the year allows (khong_hoan_thanh_nhiem_vu after any discipline)"})
    evaluation_cap_label = fields.String(allow_none=True)
    reasons = fields.List(fields.String(), metadata={"description": "why, in Vietnamese"})
    legal_basis = fields.String(metadata={"description": "the law behind the bars and the cap"})
    decisions_in_force = fields.List(fields.Nested(DecisionOut))
    decisions_in_year = fields.List(fields.Nested(DecisionOut))
