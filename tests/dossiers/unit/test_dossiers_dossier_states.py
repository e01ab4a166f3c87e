"""What a dossier's state allows (pure): conflicts naming the state, a paused dossier's standing, reasons."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.dossiers.domain import dossier as dossier_rules
from shared.calendar import WorkingCalendar
from shared.errors import Conflict, InvalidInput

HANOI = timezone(timedelta(hours=7))
CALENDAR = WorkingCalendar()


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


def local(moment: datetime) -> datetime:
    return moment.astimezone(HANOI)


# -- states and inputs -----------------------------------------------------------------------------

def test_dossiers_an_action_a_state_does_not_allow_is_a_conflict_naming_the_state():
    with pytest.raises(Conflict) as refused:
        dossier_rules.ensure_open("HS-1", "withdrawn", "a hand-over")
    assert "withdrawn" in refused.value.message and "công dân đã rút hồ sơ" in refused.value.message
    dossier_rules.ensure_open("HS-1", "awaiting_supplement", "a hand-over")


def test_dossiers_a_paused_dossier_is_judged_at_the_moment_its_clock_stopped():
    due = at(11, 18, 9)
    paused = dossier_rules.standing("awaiting_supplement", due, None, at(11, 30, 9), paused_since=at(11, 17, 9))
    assert paused.timeliness == "within_deadline"
    assert dossier_rules.standing("received", due, None, at(11, 30, 9)).timeliness == "overdue"


def test_dossiers_supplement_reasons_are_required_and_trimmed():
    assert dossier_rules.check_reasons([" Thiếu bản sao giấy khai sinh ", ""]) == ["Thiếu bản sao giấy khai sinh"]
    with pytest.raises(InvalidInput) as refused:
        dossier_rules.check_reasons(["  "])
    assert "reasons" in refused.value.errors
