"""Request and response schemas of the dossiers API, by goal; what they share is here: budgets in working
days, codes, the optional official and instant of a lifecycle step."""

from marshmallow import fields, validate

from services.dossiers.domain.dossier import CODE_PATTERN, CODE_RULE, format_days

CODE = validate.Regexp(CODE_PATTERN, error=f"use {CODE_RULE}")


class WorkingDays(fields.Decimal):
    """A budget in working days: read as a number or a numeric string, written as a string (1, 0.25),
    so no client turns 0.1 day into 0.1000000000000000055."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format_days(value)


def official_field():
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))


def at_field():
    return fields.AwareDateTime(load_default=None, metadata={
        "description": "when it happened, with a timezone offset; now when omitted"})
