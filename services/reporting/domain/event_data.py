"""Reading the data of an event into a fact's slot: instants that must carry an offset, optional texts,
and the order of two slots of one kind that does not depend on which arrived first."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime

from shared.errors import InvalidInput


def parse_instant(value: str | datetime, name: str) -> datetime:
    """An instant an event names under `name`; InvalidInput when it is not one or has no offset."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} {value!r} is not an ISO 8601 instant", {name: ["not an instant"]}) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} {value!r} has no timezone offset", {name: ["needs a timezone offset"]})
    return moment


def text_or_none(value) -> str | None:
    """An event's value as text for a fact's details: instants and dates in ISO 8601, as the events write them."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def arrival_independent_key(slot) -> tuple:
    """The key that orders two slots of one kind (a frozen dataclass with an `event_at`)."""
    # The newest event wins; two events stamped with the same instant are told apart by what they say,
    # so the outcome never depends on which one arrived first.
    said = (getattr(slot, f.name) for f in fields(slot))
    return slot.event_at, tuple(str(v.astimezone(UTC) if isinstance(v, datetime) else v) for v in said)
