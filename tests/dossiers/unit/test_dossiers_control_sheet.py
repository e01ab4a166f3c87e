"""The control sheet (pure): each step's working time against its budget, who answers for a late dossier."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from services.dossiers.domain import control_sheet, working_time
from shared.calendar import WorkingCalendar

HANOI = timezone(timedelta(hours=7))
CALENDAR = WorkingCalendar()


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


def local(moment: datetime) -> datetime:
    return moment.astimezone(HANOI)


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
