"""Schemas of procedures and their versions."""

from marshmallow import Schema, fields, post_load, validate

from services.dossiers.domain import procedure as rules
from services.dossiers.schemas import CODE, WorkingDays
from services.dossiers.use_cases.procedures import NewVersion, RegisterProcedure, StepTerms
from shared.web import LocalDateTime, PageArgs, page_schema
from shared.web.schemas import StrictBoolean


class StepIn(Schema):
    key = fields.String(required=True, validate=[validate.Length(min=1, max=64), CODE],
                        metadata={"description": "step key, e.g. receive, appraise, approve"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=500),
                         metadata={"description": "Vietnamese name of the step, e.g. Thẩm định"})
    days = WorkingDays(required=True, metadata={
        "description": "budget of the step in working days (> 0; 0 in a same-day procedure)"})
    performer = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(min=1, max=rules.MAX_PERFORMER), metadata={
                                  "description": "unit or role that does the step, e.g. Bộ phận một cửa"})

    @post_load
    def command(self, data, **_kwargs) -> StepTerms:
        return StepTerms(**data)


class VersionIn(Schema):
    processing_days = WorkingDays(required=True, metadata={
        "description": "legal processing time in working days (fractions such as 0.5 allowed; 0 = the same "
                       "working day, the next one when received after the cut-off)"})
    steps = fields.List(fields.Nested(StepIn), load_default=list, metadata={
        "description": "step plan; when given, the step budgets must add up to processing_days"})
    supplements_allowed = StrictBoolean(load_default=True, metadata={
        "description": "whether the unit may ask the citizen to supplement the dossier (the clock pauses)"})
    extensions_allowed = StrictBoolean(load_default=True, metadata={
        "description": "whether the deadline may be extended"})
    legal_basis = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=rules.MAX_LEGAL_BASIS), metadata={
                                    "description": "legal documents setting these terms, e.g. Luật Hộ tịch 2014"})
    legal_basis_verified = StrictBoolean(load_default=None, allow_none=True, metadata={
        "description": "checked against the current text of the law; false: to check before relying on it"})


class NewVersionIn(VersionIn):
    effective_from = fields.Date(required=True, metadata={
        "description": "first local day the new terms apply; after the latest version's start and after the "
                       "last dossier received under the procedure"})

    @post_load
    def command(self, data, **_kwargs) -> NewVersion:
        return NewVersion(**{**data, "steps": tuple(data["steps"])})


class ProcedureIn(VersionIn):
    code = fields.String(required=True, validate=CODE, metadata={
        "description": "procedure code as on the national public service portal (mã TTHC), e.g. 1.001193"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=rules.MAX_NAME))
    level = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(rules.LEVELS)),
                          metadata={"description": "central, province, district or commune (cấp thực hiện)"})
    field = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=rules.MAX_FIELD),
                          metadata={"description": "lĩnh vực, e.g. Hộ tịch"})
    effective_from = fields.Date(load_default=None, metadata={
        "description": "first local day version 1 applies; omitted: in force on every date"})

    @post_load
    def command(self, data, **_kwargs) -> RegisterProcedure:
        return RegisterProcedure(**{**data, "steps": tuple(data["steps"])})


class StepOut(Schema):
    key = fields.String()
    name = fields.String()
    days = WorkingDays()
    performer = fields.String(allow_none=True)


class VersionOut(Schema):
    version = fields.Integer(metadata={"description": "1, 2, … in order of effective date"})
    effective_from = fields.Date()
    processing_days = WorkingDays()
    supplements_allowed = fields.Boolean()
    extensions_allowed = fields.Boolean()
    legal_basis = fields.String(allow_none=True)
    legal_basis_verified = fields.Boolean(allow_none=True)
    steps = fields.List(fields.Nested(StepOut))
    created_at = LocalDateTime()


class VersionSummaryOut(Schema):
    version = fields.Integer()
    effective_from = fields.Date()
    processing_days = WorkingDays()


class ProcedureOut(Schema):
    """A procedure (`ProcedureInForce`) with the version in force on a day."""

    code = fields.String(attribute="procedure.code")
    name = fields.String(attribute="procedure.name")
    level = fields.String(allow_none=True, attribute="procedure.level")
    level_label = fields.Function(lambda shown: rules.LEVELS.get(shown.procedure.level) if shown.procedure.level
                                  else None, metadata={"description": "the level in Vietnamese, e.g. Cấp xã"})
    field = fields.String(allow_none=True, attribute="procedure.field")
    on = fields.Date(metadata={"description": "the date the version shown was chosen for"})
    in_force = fields.Boolean(metadata={
        "description": "false when the procedure's first version only takes effect after that date"})
    version = fields.Integer(attribute="version.version",
                             metadata={"description": "1, 2, … in order of effective date"})
    effective_from = fields.Date(attribute="version.effective_from")
    processing_days = WorkingDays(attribute="version.processing_days")
    supplements_allowed = fields.Boolean(attribute="version.supplements_allowed")
    extensions_allowed = fields.Boolean(attribute="version.extensions_allowed")
    legal_basis = fields.String(allow_none=True, attribute="version.legal_basis")
    legal_basis_verified = fields.Boolean(allow_none=True, attribute="version.legal_basis_verified", metadata={
        "description": "checked against the current text of the law; false: to check before relying on it"})
    steps = fields.List(fields.Nested(StepOut), attribute="version.steps")
    created_at = LocalDateTime(attribute="version.created_at")
    versions = fields.List(fields.Nested(VersionSummaryOut), attribute="procedure.versions",
                           metadata={"description": "all versions, oldest first"})


ProcedurePage = page_schema(ProcedureOut, "ProcedurePage")


class ProcedureQuery(Schema):
    on = fields.Date(load_default=None, metadata={
        "description": "show the version in force on this local date (default: today)"})


class ProcedureListQuery(PageArgs):
    level = fields.String(load_default=None, validate=validate.OneOf(list(rules.LEVELS)))
    field = fields.String(load_default=None, metadata={"description": "lĩnh vực, exactly as registered"})

