"""Request and response schemas of the discipline API."""

from marshmallow import Schema, fields, validate

from services.discipline.domain import CATEGORIES, EXPLANATION_ROLES, HEAD_ROLES, MISCONDUCT_LABELS, SANCTION_FORMS
from shared.web import LocalDateTime, PageArgs, page_schema

_CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                        error="1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")


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
    since = fields.Date(required=True, metadata={"description": "first day in office"})
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
    is_leader = fields.Boolean(load_default=False)


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
    status = fields.String(metadata={"description": "requested, or unassigned when nobody could be named"})
    due_at = LocalDateTime(metadata={"description": "deadline to explain"})
    reason = fields.String()
    rule_set = fields.String(allow_none=True, metadata={"description": "rule set that set the time to explain"})
    requested_at = LocalDateTime()


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
    form_label = fields.Function(lambda p: SANCTION_FORMS.get(p.form, p.form))
    facts = fields.List(fields.String(), metadata={"description": "codes of the late dossiers counted"})
    joint_liability = fields.Boolean(metadata={"description": "trách nhiệm liên đới of the head"})
    status = fields.String()
    fact_day = fields.Date(metadata={"description": "day of the fact that met the threshold"})
    created_at = LocalDateTime()


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


class RuleSetOut(Schema):
    version = fields.String()
    effective_from = fields.Date()
    legal_basis = fields.String()
    explanation_days = fields.Float()
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

    def label(self, verification) -> str:
        return MISCONDUCT_LABELS.get(verification.kind, verification.kind)


class VerificationQuery(PageArgs):
    unit = fields.String(load_default=None)
    official = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "confirmed", "dismissed"]))


VerificationPage = page_schema(VerificationOut, "VerificationPage")
