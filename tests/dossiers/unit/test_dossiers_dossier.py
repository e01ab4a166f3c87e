"""A dossier's rules (pure): timeliness at its edges, codes, instants, who answers for a delay, skipped days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.dossiers.domain import control_sheet, working_time
from services.dossiers.domain import dossier as dossier_rules
from shared.calendar import WorkingCalendar
from shared.errors import InvalidInput

HANOI = timezone(timedelta(hours=7))
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Promised for Monday 23 November 2026, 17:00 in Hà Nội.
DUE = datetime(2026, 11, 23, 17, 0, tzinfo=HANOI)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI)


# -- timeliness of a finished dossier ------------------------------------------------------------

@pytest.mark.parametrize(("completed_at", "expected"), [
    (at(20, 16, 30), "early"),  # the Friday before
    (at(22, 23, 59), "early"),  # the last minute of the day before the due date
    (at(23, 0, 0), "on_time"),  # the first minute of the due date
    (at(23, 16, 59), "on_time"),  # a minute before the due instant: on time, not early
    (at(23, 17, 0), "on_time"),  # at the due instant
    # The law speaks of the date: after the due instant but on the same date is still on time.
    (at(23, 17, 1), "on_time"),
    (at(23, 23, 59), "on_time"),
    (at(24, 0, 0), "late"),  # the first minute of the next day
    (at(24, 8, 30), "late"),
])
def test_dossiers_completion_is_judged_by_the_local_due_date(completed_at, expected):
    assert dossier_rules.completion_timeliness(completed_at, DUE, TZ) == expected


def test_dossiers_timeliness_uses_hanoi_dates_whatever_the_offset_of_the_instants():
    due_in_utc = DUE.astimezone(UTC)  # 10:00Z on the 23rd
    # 17:30Z on the 23rd is already 00:30 on the 24th in Hà Nội: late, though the UTC date matches.
    assert dossier_rules.completion_timeliness(datetime(2026, 11, 23, 17, 30, tzinfo=UTC), due_in_utc, TZ) == "late"
    # 17:30Z on the 22nd is 00:30 on the 23rd in Hà Nội: the due date itself.
    assert dossier_rules.completion_timeliness(datetime(2026, 11, 22, 17, 30, tzinfo=UTC), due_in_utc, TZ) == "on_time"
    # 16:59Z on the 22nd is 23:59 on the 22nd in Hà Nội: the day before.
    assert dossier_rules.completion_timeliness(datetime(2026, 11, 22, 16, 59, tzinfo=UTC), due_in_utc, TZ) == "early"


# -- standing of an open dossier -----------------------------------------------------------------

def test_dossiers_open_dossier_is_overdue_from_its_due_instant():
    before = dossier_rules.standing("received", DUE, None, DUE - timedelta(seconds=1))
    assert (before.timeliness, before.overdue_since) == ("within_deadline", None)
    at_due = dossier_rules.standing("received", DUE, None, DUE)
    assert (at_due.timeliness, at_due.overdue_since) == ("overdue", DUE)


def test_dossiers_finished_dossier_keeps_its_judgement_whatever_the_time():
    done = dossier_rules.standing("completed", DUE, "on_time", DUE + timedelta(days=30))
    assert (done.timeliness, done.overdue_since) == ("on_time", None)


# -- who answers for a late dossier --------------------------------------------------------------

def test_dossiers_a_late_dossier_names_its_handler_and_unit():
    late = control_sheet.responsibility("late", "CB-0042", "PHUONG-HOAN-KIEM")
    assert (late.step, late.official, late.unit) == (None, "CB-0042", "PHUONG-HOAN-KIEM")


@pytest.mark.parametrize("timeliness", ["early", "on_time"])
def test_dossiers_a_timely_dossier_names_nobody(timeliness):
    fine = control_sheet.responsibility(timeliness, "CB-0042", "PHUONG-HOAN-KIEM")
    assert (fine.step, fine.official, fine.unit) == (None, None, None)


# -- small rules ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "shown"), [
    ("1.0000", "1"), ("10.0000", "10"), ("0.2500", "0.25"), ("1.5", "1.5"), ("120", "120")])
def test_dossiers_budgets_are_shown_without_noise(days, shown):
    assert dossier_rules.format_days(Decimal(days)) == shown


@pytest.mark.parametrize(("code", "valid"), [
    ("HS-202611-ABC234", True), ("000.00.20.H26-261116-0001", True), ("1.004227", True),
    ("", False), ("HS/2026", False), ("HS 2026", False), ("-HS", False), ("X" * 65, False)])
def test_dossiers_codes_must_be_usable_in_urls(code, valid):
    assert dossier_rules.is_valid_code(code) is valid


def test_dossiers_a_dossier_cannot_be_received_in_the_future_beyond_clock_drift():
    now = at(21, 10)
    dossier_rules.check_received_at(now + timedelta(minutes=4), now)  # another desk's clock running ahead
    with pytest.raises(InvalidInput) as caught:
        dossier_rules.check_received_at(now + timedelta(hours=1), now)
    assert "received_at" in caught.value.errors


def test_dossiers_instants_without_offset_are_refused_not_guessed():
    with pytest.raises(InvalidInput) as caught:
        dossier_rules.check_received_at(datetime(2026, 11, 20, 16, 0), at(21, 10))
    assert "+07:00" in caught.value.errors["received_at"][0]
    with pytest.raises(InvalidInput) as caught:
        dossier_rules.check_completed_at(datetime(2026, 11, 21, 9, 0), at(20, 16), at(21, 10))
    assert "completed_at" in caught.value.errors


def test_dossiers_a_dossier_cannot_be_finished_before_it_was_received():
    with pytest.raises(InvalidInput) as caught:
        dossier_rules.check_completed_at(at(20, 15), at(20, 16), at(21, 10))
    assert "completed_at" in caught.value.errors


# -- why the deadline falls where it does --------------------------------------------------------

def test_dossiers_skipped_days_explain_the_cutoff_and_the_weekend():
    calendar = WorkingCalendar()
    received = at(20, 16)  # Friday, after the 15:00 cut-off
    explanation = calendar.explain(received, 1)
    skipped = working_time.skipped_days(calendar, received, explanation)
    assert [(d["day"], d["reason"]) for d in skipped] == [
        ("2026-11-20", "after_cutoff"), ("2026-11-21", "saturday"), ("2026-11-22", "sunday")]
    assert skipped[0]["label_vi"].startswith("Tiếp nhận sau 15:00")


def test_dossiers_nothing_is_skipped_for_a_dossier_finished_within_its_day():
    calendar = WorkingCalendar()
    received = at(23, 8)
    assert working_time.skipped_days(calendar, received, calendar.explain(received, "0.5")) == []
