"""Operators' announcements of days off and working days. Pure."""

from __future__ import annotations

from datetime import date

from shared.calendar import WorkingCalendar
from shared.errors import InvalidInput

DAY_OFF, WORKING_DAY = "day_off", "working_day"
OVERRIDE_KINDS = (DAY_OFF, WORKING_DAY)
LABEL_MAX = 200


def check_override(calendar: WorkingCalendar, day: date, kind: str, label: str) -> str:
    """An operator's announcement must change something: making a Sunday or a holiday "off", or an
    ordinary Tuesday "working", would be a no-op that hides a typo in the date."""
    label = (label or "").strip()
    if not label:
        raise InvalidInput("say why the day changes, in Vietnamese", {"label": ["required, e.g. Nghỉ bù Quốc khánh"]})
    if len(label) > LABEL_MAX:
        raise InvalidInput("the label is too long", {"label": [f"at most {LABEL_MAX} characters"]})
    if not calendar.rules.first_year <= day.year <= calendar.rules.last_year:
        raise InvalidInput(f"{day.isoformat()} is outside the calendar's years",
                           {"day": [f"must be within {calendar.rules.first_year}-{calendar.rules.last_year}"]})
    off = calendar.day_off_reason(day)
    if kind == DAY_OFF and off is not None:
        raise InvalidInput(f"{day.isoformat()} is already a day off ({off[1]})",
                           {"day": [f"already off: {off[1]}"]})
    if kind == WORKING_DAY and off is None:
        raise InvalidInput(f"{day.isoformat()} is already a working day", {"day": ["already a working day"]})
    return label

