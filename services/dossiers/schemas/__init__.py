"""Request and response schemas of the dossiers API, by goal; what they share is here: budgets in working
days, codes, the optional official and instant of a lifecycle step."""

from marshmallow import fields, validate

from shared.codes import CODE_PATTERN, CODE_RULE
from shared.web.schemas import DecimalNumber, within_calendar

CODE = validate.Regexp(CODE_PATTERN, error=f"use {CODE_RULE}")


class WorkingDays(DecimalNumber):
    """A budget in working days: read as a number or a numeric string, written as the number OpenAPI
    documents (1, 0.25), exact to the digits stored."""


def official_field():
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))


def at_field():
    return fields.AwareDateTime(load_default=None, validate=within_calendar, metadata={
        "description": "when it happened, with a timezone offset; now when omitted"})
