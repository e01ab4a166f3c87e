"""Pure rules of the dossier lifecycle: pauses moving the deadline, warning points, the control sheet's
step budgets and who answers for a late dossier, operators' announcements. No database."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from services.dossiers.domain import control_sheet, overrides, warning_points, working_time
from services.dossiers.domain import dossier as dossier_rules
from shared.calendar import WorkingCalendar
from shared.errors import Conflict, InvalidInput

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
    assert local(deadline.due_at) == at(11, 25, 10)  # Tue 24 is Vietnam Culture Day, a holiday since 2026


def test_dossiers_a_running_pause_or_one_after_the_deadline_moves_nothing():
    running = working_time.PauseSpan(at(11, 16, 14), None)
    after = working_time.PauseSpan(at(11, 19, 9), at(11, 19, 11))
    deadline = working_time.compute_deadline(CALENDAR, at(11, 16, 9), Decimal(2), (running, after))
    assert local(deadline.due_at) == at(11, 18, 9)
    assert deadline.counted_pauses == ()


def test_dossiers_an_apology_date_replaces_the_legal_one_and_only_later_pauses_move_it():
    before = working_time.PauseSpan(at(11, 16, 10), at(11, 16, 11))
    later = working_time.PauseSpan(at(11, 20, 8), at(11, 20, 10))
    deadline = working_time.compute_deadline(CALENDAR, at(11, 16, 9), Decimal(2), (before, later),
                                       apology=(at(11, 19, 16), at(11, 23, 17)))
    assert local(deadline.base_due_at) == at(11, 23, 17)
    assert local(deadline.due_at) == at(11, 25, 10)  # two office hours later, over the weekend and Tue 24


def test_dossiers_received_before_tet_a_pause_during_tet_moves_nothing_by_itself():
    # Friday 13 Feb 2026, 2 days: Tết 16-20 Feb and two weekends are skipped; due Mon 23 Feb 17:00.
    pause = working_time.PauseSpan(at(2, 13, 16), at(2, 23, 8))  # one office hour on Friday, none during Tết
    deadline = working_time.compute_deadline(CALENDAR, at(2, 13, 8), Decimal(2), (pause,))
    assert local(deadline.base_due_at) == at(2, 23, 17)
    assert deadline.paused_seconds == 3600
    assert local(deadline.due_at) == at(2, 24, 9)


# -- warning points --------------------------------------------------------------------------------

def test_dossiers_warning_points_are_read_from_the_setting():
    points = warning_points.parse_points("75%, 1d ,4h", "dossier_warning_points")
    assert [(p.label, p.unit, p.value) for p in points] == [
        ("75%", "%", Decimal(75)), ("1d", "d", Decimal(1)), ("4h", "h", Decimal(4))]
    assert [p.alert_kind for p in points] == ["due_soon:75%", "due_soon:1d", "due_soon:4h"]
    [apology] = warning_points.parse_points("1d", "dossier_apology_point", kind=warning_points.APOLOGY_DUE)
    assert apology.alert_kind == "apology_due"


@pytest.mark.parametrize("bad", ["75", "120%", "0%", "one day", "1w"])
def test_dossiers_a_bad_warning_point_fails_loudly_with_the_setting_name(bad):
    with pytest.raises(ValueError, match="dossier_warning_points"):
        warning_points.parse_points(bad, "dossier_warning_points")


def test_dossiers_one_working_day_before_a_monday_deadline_is_the_friday_evening():
    [one_day] = warning_points.parse_points("1d", "x")
    assert local(warning_points.point_instant(CALENDAR, at(11, 23, 17), Decimal(3), one_day)) == at(11, 20, 17)


def test_dossiers_three_quarters_of_a_two_day_budget_falls_four_office_hours_before_the_deadline():
    [share] = warning_points.parse_points("75%", "x")
    # Due Wed 18 Nov 09:00: back one hour to Wed 08:00, three more to Tue 14:00.
    assert local(warning_points.point_instant(CALENDAR, at(11, 18, 9), Decimal(2), share)) == at(11, 17, 14)


def test_dossiers_a_point_before_the_clock_started_does_not_exist():
    points = warning_points.parse_points("75%,1d", "x")
    # Half a day from Mon 09:00 (due 14:00): one working day before is before the receipt itself. Three of
    # the four hours are used at noon (the lunch hour adds nothing), so 75% is reached at 12:00, not 13:00.
    found = warning_points.due_points(CALENDAR, at(11, 16, 14), Decimal("0.5"), at(11, 16, 9), points)
    assert [(local(instant), point.label) for instant, point in found] == [(at(11, 16, 12), "75%")]


# -- the control sheet -----------------------------------------------------------------------------

PLAN = (control_sheet.PlannedStep("receive", "Tiếp nhận", Decimal("0.25")),
        control_sheet.PlannedStep("appraise", "Thẩm định", Decimal("0.5")),
        control_sheet.PlannedStep("approve", "Phê duyệt", Decimal("0.25")))


def sheet(handovers, end, pauses=(), start=at(11, 16, 9)):
    segments = control_sheet.segments_from("receive", "CB-01", start, handovers, end)
    return segments, control_sheet.step_uses(CALENDAR, PLAN, segments, pauses, end or at(11, 30, 9))


def test_dossiers_a_half_day_step_across_lunch_counts_office_hours_only():
    # Appraisal 10:00-15:00 on one day: 2 h before lunch + 2 h after = its 0.5-day budget exactly.
    _, uses = sheet([(at(11, 16, 10), "appraise", "CB-02", None), (at(11, 16, 15), "approve", "LD-01", None)],
                    at(11, 16, 17))
    receive, appraise, approve = uses
    assert (receive.used_seconds, receive.on_time) == (3600, True)
    assert (appraise.used_seconds, appraise.budget_seconds, appraise.on_time) == (4 * 3600, 4 * 3600, True)
    assert (approve.used_seconds, approve.on_time) == (2 * 3600, True)
    assert appraise.officials == ("CB-02",) and not appraise.in_progress


def test_dossiers_a_step_across_a_weekend_counts_the_friday_and_monday_hours():
    _, uses = sheet([(at(11, 20, 16), "appraise", "CB-02", None), (at(11, 23, 10), "approve", "LD-01", None)],
                    None, start=at(11, 20, 15))
    assert uses[1].used_seconds == 3 * 3600  # Fri 16-17, Mon 08-10
    assert uses[2].in_progress


def test_dossiers_time_waiting_for_the_citizen_is_not_charged_to_the_step():
    pause = working_time.PauseSpan(at(11, 16, 11), at(11, 17, 11))  # 6 h of office time
    _, uses = sheet([(at(11, 16, 10), "appraise", "CB-02", None), (at(11, 17, 14), "approve", "LD-01", None)],
                    None, pauses=(pause,))
    # Mon 10-11, then Tue 11-12 and 13-14: three hours, not the eleven office hours from 10:00 to 14:00 next day.
    assert uses[1].used_seconds == 3 * 3600 and uses[1].on_time


def test_dossiers_the_first_step_that_overran_answers_with_its_last_official_and_unit():
    segments, uses = sheet([(at(11, 16, 10), "appraise", "CB-02", None),
                            (at(11, 16, 13), "appraise", "CB-03", "SO-XAY-DUNG"),
                            (at(11, 16, 17), "approve", "LD-01", None)], at(11, 17, 9))
    assert [use.on_time for use in uses] == [True, False, True]
    who = control_sheet.responsibility("late", "CB-01", "PHUONG-HOAN-KIEM", uses=uses, segments=segments,
                                due_at=at(11, 16, 17))
    assert who == control_sheet.Responsibility(step="appraise", official="CB-03", unit="SO-XAY-DUNG")


def test_dossiers_when_no_step_overran_the_step_in_progress_at_the_deadline_answers():
    step_budgets_met = (control_sheet.Segment("receive", "CB-01", None, at(11, 16, 9), at(11, 16, 10)),
                        control_sheet.Segment("approve", "LD-01", None, at(11, 16, 16), at(11, 17, 9)))
    who = control_sheet.responsibility("late", "CB-01", "PHUONG-HOAN-KIEM", uses=(), segments=step_budgets_met,
                                due_at=at(11, 16, 17))
    assert who == control_sheet.Responsibility(step="approve", official="LD-01", unit="PHUONG-HOAN-KIEM")


def test_dossiers_a_second_supplement_makes_its_requester_answer_whatever_the_steps():
    second = control_sheet.Segment("appraise", "CB-02", None, at(11, 17, 9), None)
    who = control_sheet.responsibility("late", "CB-01", "PHUONG-HOAN-KIEM", late_reason="second_supplement",
                                second_request=second)
    assert who == control_sheet.Responsibility(step="appraise", official="CB-02", unit="PHUONG-HOAN-KIEM")
    assert control_sheet.responsibility("early", "CB-01", "X", second_request=second).official is None


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
