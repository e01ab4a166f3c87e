"""Task figures of the scorecard and the merge of task events into a task fact, worked out by hand.

November 2026 is the period [1/11, 1/12) in Hà Nội; while it runs it is judged at NOW (16/11 09:00),
October at its end (1/11 00:00).
"""

import itertools
import random
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.reporting.domain.periods import Month, as_of
from services.reporting.domain.task_facts import (
    TASK_FIGURE_RULES,
    TaskAssignment,
    TaskCompletion,
    TaskCounts,
    TaskExtension,
    TaskFact,
    TaskFigures,
    TaskOverdueNotice,
    TaskView,
    counted_in_months,
    task_figures,
    task_figures_from_months,
    task_month_changes,
    task_rule_for,
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
    return task_figures(tasks, period.start(VN), period.end(VN), as_of(period, now, VN))


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


def test_reporting_the_task_rule_says_it_counts_in_the_composite_score_not_in_the_766_score():
    rule = task_rule_for(NOVEMBER)
    assert "completed_on_time ÷ assigned" in rule.expression
    assert "thành phần của điểm tổng hợp" in rule.vi and "không tính vào điểm tiến độ" in rule.vi
    assert "component of the composite score" in rule.en and "do not enter the 766 progress score" in rule.en
    assert "chưa được tính" not in rule.vi
    assert task_rule_for(Month(2020, 1)) == TASK_FIGURE_RULES[0]


# --------------------------------------------------------------------------- stored month rows


def figures_from_month_rows(tasks, first, last):
    """What the ranking reads: the month rows of the tasks (task_month_changes) summed as the service's
    query sums them, the period judged at the end of its last month."""
    rows = {}
    for view in tasks:
        for (_, month), counts in task_month_changes(view, "PBD", VN).items():
            rows[month] = rows.get(month, TaskCounts()) + counts
    total = sum(rows.values(), TaskCounts())
    entered_after = sum(c.entered for m, c in rows.items() if m > last)
    left_from_first = sum(c.left for m, c in rows.items() if m >= first)
    in_period = [c for m, c in rows.items() if first <= m <= last]
    return task_figures_from_months(
        total.entered - entered_after, total.left - left_from_first, sum(c.completed_on_time for c in in_period),
        sum(c.completed_late for c in in_period),
        total.overdue_change - sum(c.overdue_change for m, c in rows.items() if m > last))


def random_task(rng):
    """A task with instants around October–December 2026, some exactly at midnight of the 1st."""
    def instant():
        if rng.random() < 0.15:
            return datetime(2026, rng.choice((10, 11, 12)), 1, tzinfo=VN)
        return datetime(2026, rng.choice((9, 10, 11, 12)), rng.randint(1, 28), rng.randint(0, 23), tzinfo=VN)

    assigned = instant()
    due = instant() if rng.random() < 0.9 else None
    completed = instant() if rng.random() < 0.5 else None
    if completed is not None and rng.random() < 0.8:
        completed = max(completed, assigned)  # mostly sound data, sometimes completed before it was assigned
    detected = max(instant(), assigned) if due and rng.random() < 0.5 else None
    cleared = max(instant(), detected + timedelta(minutes=5)) if detected and rng.random() < 0.5 else None
    return task(assigned, due, completed, rng.choice(("on_time", "late")) if completed else None, detected, cleared)


def test_reporting_the_month_rows_give_the_same_task_figures_as_judging_each_task():
    rng = random.Random(766)
    tasks = [random_task(rng) for _ in range(400)]
    counted = [t for t in tasks if counted_in_months(t, VN)]
    assert 0 < len(tasks) - len(counted) < 80, "some bad data (completed before assigned) must be exercised"
    months = Month(2026, 9).through(Month(2027, 1))
    runs = [(Month(2026, 10), Month(2026, 12)), (Month(2026, 9), Month(2026, 11))]
    for first, last in [(m, m) for m in months] + runs:
        start, end = first.start(VN), last.end(VN)
        assert figures_from_month_rows(counted, first, last) == task_figures(counted, start, end, end), (first, last)


def test_reporting_a_task_touches_only_the_months_of_its_instants():
    # Open and past its deadline from 12/10 to the end of March: one change, in October, however long it stays.
    overdue = task(at(10, 5), at(10, 12, 17))
    assert task_month_changes(overdue, "PBD", VN) == {
        ("PBD", OCTOBER): TaskCounts(entered=1, overdue_change=1)}
    done = task_month_changes(task(at(10, 5), at(10, 12, 17), at(11, 3), "late"), "PBD", VN)
    assert done == {("PBD", OCTOBER): TaskCounts(entered=1, overdue_change=1),
                    ("PBD", NOVEMBER): TaskCounts(left=1, completed_late=1, overdue_change=-1)}
    # Completed in a month before the one it was assigned in: bad data, judged row by row, not in the rows.
    backwards = task(at(11, 5), at(11, 12, 17), at(10, 30), "on_time")
    assert not counted_in_months(backwards, VN)
    assert task_month_changes(backwards, "PBD", VN) == {}
