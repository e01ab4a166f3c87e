"""Pure rules about tasks. No Flask, no database, no clock call: time is passed in."""

from __future__ import annotations

from datetime import datetime

from shared.errors import InvalidInput


def check_assignment(lead_unit: str, co_units: list[str], due_at: datetime | None, now: datetime) -> list[str]:
    """Validate a new assignment; returns the co-operating units without duplicates or the lead."""
    errors: dict[str, list[str]] = {}
    if lead_unit in co_units:
        errors["co_units"] = [f"the lead unit {lead_unit!r} cannot also be a co-operating unit"]
    if due_at is not None and due_at <= now:
        errors["due_at"] = ["the deadline must be in the future"]
    if errors:
        raise InvalidInput("the task cannot be assigned as given", errors)
    return list(dict.fromkeys(co_units))
