"""Working time (pure): pauses for the citizen's supplement moving the deadline, an apology's promised date."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from services.dossiers.domain import working_time
from shared.calendar import WorkingCalendar

HANOI = timezone(timedelta(hours=7))
CALENDAR = WorkingCalendar()


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


def local(moment: datetime) -> datetime:
    return moment.astimezone(HANOI)


# -- pauses ----------------------------------------------------------------------------------------

def test_dossiers_a_pause_moves_the_deadline_by_the_working_time_it_stood_still():
    # Mon 16 Nov 09:00 + 2 days = Wed 18 Nov 09:00. Paused Mon 14:00 -> Tue 10:00: 3 h + 2 h of office time.
    pause = working_time.PauseSpan(at(11, 16, 14), at(11, 17, 10))
    deadline = working_time.compute_deadline(CALENDAR, at(11, 16, 9), Decimal(2), (pause,))
    assert local(deadline.base_due_at) == at(11, 18, 9)
    assert deadline.paused_seconds == 5 * 3600
    assert local(deadline.due_at) == at(11, 18, 15)  # 09:00 + 3 h to lunch + 2 h after it


def test_dossiers_a_pause_over_a_weekend_counts_only_office_hours():
    # Asked Friday 20 Nov 16:00, supplemented Monday 23 Nov 09:00: 1 h Friday + 1 h Monday.
    pause = working_time.PauseSpan(at(11, 20, 16), at(11, 23, 9))
    deadline = working_time.compute_deadline(CALENDAR, at(11, 19, 8), Decimal(3), (pause,))
    assert local(deadline.base_due_at) == at(11, 23, 17)
    # Tue 24 (Vietnam Culture Day) is a working day unless the operator switches it off: due Tue 24, 10:00.
    assert local(deadline.due_at) == at(11, 24, 10)


def test_dossiers_a_running_pause_or_one_after_the_deadline_moves_nothing():
    running = working_time.PauseSpan(at(11, 16, 14), None)
    after = working_time.PauseSpan(at(11, 19, 9), at(11, 19, 11))
    deadline = working_time.compute_deadline(CALENDAR, at(11, 16, 9), Decimal(2), (running, after))
    assert local(deadline.due_at) == at(11, 18, 9)
    assert deadline.counted_pauses == ()


def test_dossiers_an_apology_never_moves_the_legal_date_and_only_later_pauses_move_its_promise():
    """Decree 61/2018/ND-CP art. 19; Form 04 of Circular 01/2018/TT-VPCP: the apology's new return date is a
    second promise; the legal due date stays the measure of lateness. Received Mon 16 09:00, 2 days: Wed 18
    09:00, moved one hour by the pause of Mon 10-11: Wed 18 10:00. The pause of Fri 20 started after it, so it
    moves nothing legal; it started after the apology (Thu 19 16:00), so it moves the promise of Mon 23 17:00
    by its two office hours: Tue 24 10:00."""
    before = working_time.PauseSpan(at(11, 16, 10), at(11, 16, 11))
    later = working_time.PauseSpan(at(11, 20, 8), at(11, 20, 10))
    deadline = working_time.compute_deadline(CALENDAR, at(11, 16, 9), Decimal(2), (before, later),
                                             apology=(at(11, 19, 16), at(11, 23, 17)))
    assert local(deadline.base_due_at) == at(11, 18, 9)
    assert local(deadline.due_at) == at(11, 18, 10)
    assert local(deadline.promised_at) == at(11, 24, 10)
    assert working_time.compute_deadline(CALENDAR, at(11, 16, 9), Decimal(2), (before, later)).promised_at is None


def test_dossiers_received_before_tet_a_pause_during_tet_moves_nothing_by_itself():
    # Friday 13 Feb 2026, 2 days: Tết 16-20 Feb and two weekends are skipped; due Mon 23 Feb 17:00.
    pause = working_time.PauseSpan(at(2, 13, 16), at(2, 23, 8))  # one office hour on Friday, none during Tết
    deadline = working_time.compute_deadline(CALENDAR, at(2, 13, 8), Decimal(2), (pause,))
    assert local(deadline.base_due_at) == at(2, 23, 17)
    assert deadline.paused_seconds == 3600
    assert local(deadline.due_at) == at(2, 24, 9)
