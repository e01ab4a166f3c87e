"""Operators' announcements of days off and working days (pure)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from services.dossiers.domain import overrides
from shared.calendar import WorkingCalendar
from shared.errors import InvalidInput

HANOI = timezone(timedelta(hours=7))
CALENDAR = WorkingCalendar()


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


def local(moment: datetime) -> datetime:
    return moment.astimezone(HANOI)


# -- operators' announcements ----------------------------------------------------------------------

def test_dossiers_an_announcement_must_change_the_day():
    with pytest.raises(InvalidInput, match="already a day off"):
        overrides.check_override(CALENDAR, date(2026, 11, 22), "day_off", "Nghỉ")  # a Sunday
    with pytest.raises(InvalidInput, match="already a day off"):
        overrides.check_override(CALENDAR, date(2026, 2, 17), "day_off", "Nghỉ Tết")  # Tết
    with pytest.raises(InvalidInput, match="already a working day"):
        overrides.check_override(CALENDAR, date(2026, 11, 17), "working_day", "Làm bù")
    # 2026-08-22 is a Saturday the government made a working day (for Monday 31 August off).
    with pytest.raises(InvalidInput, match="already a working day"):
        overrides.check_override(CALENDAR, date(2026, 8, 22), "working_day", "Làm bù")
    assert overrides.check_override(CALENDAR, date(2026, 8, 22), "day_off", " Hủy làm bù ") == "Hủy làm bù"
    with pytest.raises(InvalidInput) as refused:
        overrides.check_override(CALENDAR, date(2026, 11, 17), "day_off", " ")
    assert "label" in refused.value.errors
