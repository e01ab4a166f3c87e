"""Schemas every service's HTTP API shares: the error shape, paging, local instants."""

from __future__ import annotations

import re
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


def plausible_day(value: date | datetime) -> None:
    """A day in a person's record (in office since, …): any year from 1900 to 2100, so that the day
    before or after it is still a date."""
    day = value.date() if isinstance(value, datetime) else value
    if not 1900 <= day.year <= 2100:
        raise ValidationError("must be a day between the years 1900 and 2100")


def period_within_calendar(value: str | None) -> None:
    """A reporting period (YYYY-MM, YYYY-Qn, YYYY, YYYY-MM-DD..YYYY-MM-DD) whose years the working calendar
    covers; the use case checks the rest of its form and says what is wrong with it."""
    if value is None:
        return
    for year in re.findall(r"(?<!\d)\d{4}(?!\d)", value):
        if not _RULES.first_year <= int(year) <= _RULES.last_year:
            raise ValidationError(f"{year} is outside the years the platform covers "
                                  f"({_RULES.first_year}-{_RULES.last_year})")


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
