"""Schemas every service's HTTP API shares: the error shape, paging, local instants."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validate

from shared.calendar.rules import CalendarRules

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A page number beyond this asks for rows no list has; capped so the offset stays a database integer.
MAX_PAGE = 1_000_000
_RULES = CalendarRules()


class DecimalNumber(fields.Decimal):
    """An exact amount (Decimal inside) written as a JSON number, as OpenAPI says: 15, 0.25, 66.7 — never
    the string "15" a client would have to parse, nor 1E+1. Read as a number or a numeric string."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        value = Decimal(value).normalize()
        return int(value) if value == value.to_integral_value() else float(value)


class StrictBoolean(fields.Boolean):
    """A yes/no answer as OpenAPI documents it: JSON true or false, or its spelling "true"/"false" where
    every value is text (a form field, a query string). 1, "yes", "on" or "t" are refused, not guessed."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.make_error("invalid")

    default_error_messages = {"invalid": "write true or false."}


def within_calendar(value: date | datetime) -> None:
    """A day or an instant the working-day calendar covers (`shared.calendar.rules`, years 2015-2040 by
    default): a deadline counted from outside it cannot be computed, so it is refused as input."""
    day = value.date() if isinstance(value, datetime) else value
    if not _RULES.first_year <= day.year <= _RULES.last_year:
        raise ValidationError(f"must be between {_RULES.first_year} and {_RULES.last_year}: the working calendar "
                              "covers only those years")


class LocalDateTime(fields.DateTime):
    """An instant as users read it: ISO 8601 in Asia/Ho_Chi_Minh (stored in UTC)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(LOCAL_TZ)
        return super()._serialize(value, attr, obj, **kwargs)


class ErrorResponse(Schema):
    code = fields.String(metadata={"description": "machine-readable error code"})
    status = fields.Integer()
    message = fields.String(metadata={"description": "what went wrong and what to fix"})
    errors = fields.Dict(metadata={"description": "messages per field"})


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The response schema of a paginated list (`shared.db.Page`): {items, page, page_size, total}."""
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "page": fields.Integer(),
        "page_size": fields.Integer(),
        "total": fields.Integer(),
    })
