"""Task figures of the scorecard and the merge of task events into a task fact, worked out by hand.

November 2026 is the period [1/11, 1/12) in Hà Nội; while it runs it is judged at NOW (16/11 09:00),
October at its end (1/11 00:00).
"""

import itertools
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.reporting import domain
from services.reporting.domain import (
    Month,
    TaskAssignment,
    TaskCompletion,
    TaskExtension,
    TaskFact,
    TaskFigures,
    TaskOverdueNotice,
    TaskView,
    task_figures,
    task_slot_from_event,
)
from shared.errors import InvalidInput

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=VN)
NOVEMBER = Month(2026, 11)
OCTOBER = Month(2026, 10)


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


def task(assigned_at, due_at, completed_at=None, timeliness=None, detected_at=None, cleared_at=None):
    return TaskView(assigned_at, due_at, completed_at, timeliness, detected_at, cleared_at)


def figures(period, tasks, now=NOW):
    return task_figures(tasks, period.start(VN), period.end(VN), domain.as_of(period, now, VN))


# --------------------------------------------------------------------------- period scoping


SCOPING = [
    # finished in October: in October only
    task(at(10, 10), at(10, 31, 17), completed_at=at(10, 30), timeliness="on_time"),
    # assigned in October, finished on time in November: open within its deadline at the end of October
    task(at(10, 20), at(11, 5, 17), completed_at=at(11, 4), timeliness="on_time"),
    # November, finished late
    task(at(11, 2), at(11, 10, 17), completed_at=at(11, 12), timeliness="late"),
    # November, open, deadline 30/11 not come
    task(at(11, 3), at(11, 30, 17)),
    # November, open, deadline 12/11 passed though no overdue notice has arrived
    task(at(11, 5), at(11, 12, 17)),
]


def test_reporting_task_figures_of_a_running_month_count_tasks_assigned_before_its_end_and_not_done_before():
    # In scope: all but the first (finished 30/10) → 4; on time 1 (4/11), late 1 (12/11), overdue open 1
    # (due 12/11 < 16/11); the task due 30/11 is open within. Rate 1/4 = 0.25.
    assert figures(NOVEMBER, SCOPING) == TaskFigures(assigned=4, completed_on_time=1, completed_late=1,
                                                     overdue_open=1, completion_rate=Decimal("0.2500"))


def test_reporting_task_figures_of_a_past_month_are_judged_at_its_end():
    # October, at 1/11 00:00: the first two tasks (the rest assigned in November). The second was still
    # open then and its deadline 5/11 had not come → 1 on time of 2 → 0.5, nothing overdue.
    assert figures(OCTOBER, SCOPING) == TaskFigures(assigned=2, completed_on_time=1, completed_late=0,
                                                    overdue_open=0, completion_rate=Decimal("0.5000"))


def test_reporting_a_unit_without_tasks_has_no_completion_rate():
    assert figures(NOVEMBER, []) == TaskFigures(0, 0, 0, 0, None)
    # A task whose task.assigned has not arrived is not counted, even once completed.
    assert figures(NOVEMBER, [task(None, at(11, 10, 17), at(11, 9), "on_time")]) == TaskFigures(0, 0, 0, 0, None)


def test_reporting_completion_rate_rounds_half_up_to_four_decimals():
    # 2 of 3 on time → 0.66666… → 0.6667.
    on_time = task(at(11, 2), at(11, 10, 17), completed_at=at(11, 9), timeliness="on_time")
    tasks = [on_time, on_time, task(at(11, 2), at(11, 30, 17))]
    assert figures(NOVEMBER, tasks).completion_rate == Decimal("0.6667")


# --------------------------------------------------------------------------- facts merged from events


ASSIGNED = TaskAssignment(at(11, 2), "PBD", at(11, 10, 17))
OVERDUE = TaskOverdueNotice(at(11, 10, 17, 5), "PBD", at(11, 10, 17), at(11, 10, 17, 5))
EXTENDED = TaskExtension(at(11, 11), "PBD", at(11, 20, 17))
DONE_ON_TIME = TaskCompletion(at(11, 14), "PBD", at(11, 20, 17), at(11, 14), "on_time")
DONE_LATE = TaskCompletion(at(11, 12), "PBD", at(11, 10, 17), at(11, 12), "late")


def merged(*slots):
    fact = TaskFact("NV-1")
    for slot in slots:
        fact = fact.merged(slot)
    return fact


def test_reporting_an_approved_extension_moves_the_deadline_and_the_task_completes_on_time():
    # Due 10/11, reported overdue 10/11 17:05, extended on 11/11 to 20/11, completed 14/11 on time.
    fact = merged(ASSIGNED, OVERDUE, EXTENDED, DONE_ON_TIME)
    view = fact.view()
    assert (view.due_at, view.overdue_cleared_at, view.timeliness) == (at(11, 20, 17), at(11, 11), "on_time")
    assert figures(NOVEMBER, [view]) == TaskFigures(1, 1, 0, 0, Decimal("1.0000"))


def test_reporting_an_extension_clears_the_overdue_notice_of_the_old_deadline_from_its_approval_on():
    open_after_extension = merged(ASSIGNED, OVERDUE, EXTENDED).view()
    # Now (16/11) the deadline in force is 20/11: open within, nothing overdue.
    assert figures(NOVEMBER, [open_after_extension]) == TaskFigures(1, 0, 0, 0, Decimal("0.0000"))
    # Judged on 10/11 at 18:00, before the extension, the notice was in force: overdue.
    judged_before = task_figures([open_after_extension], NOVEMBER.start(VN), NOVEMBER.end(VN), at(11, 10, 18))
    assert judged_before.overdue_open == 1


def test_reporting_an_overdue_task_then_completed_late_counts_late_not_overdue():
    fact = merged(ASSIGNED, OVERDUE, DONE_LATE)
    assert figures(NOVEMBER, [fact.view()]) == TaskFigures(1, 0, 1, 0, Decimal("0.0000"))
    # Before its completion (11/11) it was open and reported overdue.
    overdue_then = merged(ASSIGNED, OVERDUE).view()
    assert figures(NOVEMBER, [overdue_then], now=at(11, 11)) == TaskFigures(1, 0, 0, 1, Decimal("0.0000"))


def test_reporting_a_task_fact_is_the_same_in_any_order_and_with_repeats():
    slots = [ASSIGNED, OVERDUE, EXTENDED, DONE_ON_TIME]
    expected = merged(*slots)
    for order in itertools.permutations(slots):
        assert merged(*order) == expected
        assert merged(*order, *order) == expected


def test_reporting_an_older_extension_arriving_late_does_not_undo_a_newer_one():
    second = TaskExtension(at(11, 18), "PBD", at(11, 27, 17))
    assert merged(ASSIGNED, second, EXTENDED).due_at == at(11, 27, 17)
    assert merged(ASSIGNED, EXTENDED, second).due_at == at(11, 27, 17)


def test_reporting_a_notice_for_the_deadline_in_force_is_not_cleared_by_the_extension_that_set_it():
    # Extended on 11/11 to 20/11, which then passed: the notice of 20/11 stands, whatever arrives first.
    notice = TaskOverdueNotice(at(11, 20, 17, 5), "PBD", at(11, 20, 17), at(11, 20, 17, 5))
    for order in ([ASSIGNED, EXTENDED, notice], [notice, EXTENDED, ASSIGNED]):
        view = merged(*order).view()
        assert (view.due_at, view.overdue_detected_at, view.overdue_cleared_at) == (
            at(11, 20, 17), at(11, 20, 17, 5), None)


def test_reporting_task_events_become_slots_and_a_refused_extension_changes_nothing():
    when = at(11, 11)
    refused = task_slot_from_event("task.extension_decided", {
        "code": "NV-1", "lead_unit": "PBD", "approved": False, "due_at": at(11, 10, 17).isoformat()}, when)
    assert refused is None
    approved = task_slot_from_event("task.extension_decided", {
        "code": "NV-1", "lead_unit": "PBD", "approved": True, "due_at": "2026-11-20T17:00:00+07:00"}, when)
    assert approved == EXTENDED
    no_deadline = task_slot_from_event("task.assigned", {"code": "NV-2", "title": "Báo cáo", "lead_unit": "PDD"},
                                       when)
    assert no_deadline == TaskAssignment(when, "PDD", None)


@pytest.mark.parametrize("data, field", [
    ({"completed_at": "2026-11-12T09:00:00", "timeliness": "late"}, "completed_at"),  # no offset
    ({"completed_at": "2026-11-12T09:00:00+07:00", "timeliness": "early"}, "timeliness"),  # tasks have no early
])
def test_reporting_a_task_event_that_can_never_be_applied_is_refused_naming_the_field(data, field):
    with pytest.raises(InvalidInput) as caught:
        task_slot_from_event("task.completed", {"code": "NV-1", "lead_unit": "PBD", **data}, at(11, 12))
    assert field in caught.value.errors


def test_reporting_the_task_rule_says_it_does_not_enter_the_score():
    rule = domain.task_rule_for(NOVEMBER)
    assert "completed_on_time ÷ assigned" in rule.expression
    assert "chưa được tính vào điểm xếp hạng" in rule.vi
    assert "do not enter the ranking's score" in rule.en
    assert domain.task_rule_for(Month(2020, 1)) == domain.TASK_FIGURE_RULES[0]
