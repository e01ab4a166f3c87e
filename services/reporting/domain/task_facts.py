"""Task facts and the task figures of a lead unit: what each `task.*` event tells, merged per task in
whatever order the events came, judged exactly at an instant or read from stored per-month counters, and
the published counting rule (task follow-up under Decision 42/2014/QĐ-TTg, amended by Decision
23/2018/QĐ-TTg).

Tasks are counted for their lead unit only. A scorecard judges them exactly at request time from the
per-task facts; the composite ranking reads per-month counters (task_month_changes), which give the same
figures. They are a component of the composite score, not of the 766 progress score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from services.reporting.domain.event_data import arrival_independent_key, parse_instant
from services.reporting.domain.periods import Month, Period
from services.reporting.domain.progress import RATE_QUANTUM
from shared.errors import InvalidInput
from shared.versions import in_force_or_first

# --------------------------------------------------------------------------- what each event says


@dataclass(frozen=True)
class TaskAssignment:
    """What `task.assigned` said; the event's time is when the task was assigned."""

    event_at: datetime
    lead_unit: str
    due_at: datetime | None


@dataclass(frozen=True)
class TaskCompletion:
    """What `task.completed` said."""

    event_at: datetime
    lead_unit: str
    due_at: datetime | None
    completed_at: datetime
    timeliness: str


@dataclass(frozen=True)
class TaskOverdueNotice:
    """What `task.overdue` said: the deadline `due_at` passed without the task being completed."""

    event_at: datetime
    lead_unit: str
    due_at: datetime
    detected_at: datetime


@dataclass(frozen=True)
class TaskExtension:
    """What an approving `task.extension_decided` said: the deadline in force from `event_at` on."""

    event_at: datetime
    lead_unit: str
    due_at: datetime


TaskSlot = TaskAssignment | TaskCompletion | TaskOverdueNotice | TaskExtension
TASK_SLOTS: dict[str, type] = {"assignment": TaskAssignment, "completion": TaskCompletion,
                               "overdue": TaskOverdueNotice, "extension": TaskExtension}
_TASK_SLOT_NAMES = {slot_type: name for name, slot_type in TASK_SLOTS.items()}
TASK_TIMELINESS = ("on_time", "late")


def task_slot_from_event(event_type: str, data: Mapping, event_at: datetime) -> TaskSlot | None:
    """The part of a task fact one event tells (ISO strings in `data` parsed); None for a refused
    extension, which leaves the deadline where it was. Raises InvalidInput for an event that can never
    be applied."""
    event_at = parse_instant(event_at, "time")
    due = data.get("due_at")
    lead_unit = data["lead_unit"]
    if event_type == "task.assigned":
        return TaskAssignment(event_at, lead_unit, parse_instant(due, "due_at") if due else None)
    if event_type == "task.completed":
        timeliness = data["timeliness"]
        if timeliness not in TASK_TIMELINESS:
            raise InvalidInput(f"timeliness {timeliness!r} is not one of {', '.join(TASK_TIMELINESS)}",
                               {"timeliness": [f"expected one of {', '.join(TASK_TIMELINESS)}"]})
        return TaskCompletion(event_at, lead_unit, parse_instant(due, "due_at") if due else None,
                              parse_instant(data["completed_at"], "completed_at"), timeliness)
    if event_type == "task.overdue":
        return TaskOverdueNotice(event_at, lead_unit, parse_instant(due, "due_at"),
                                 parse_instant(data["detected_at"], "detected_at"))
    if event_type == "task.extension_decided":
        if not data["approved"]:
            return None
        return TaskExtension(event_at, lead_unit, parse_instant(due, "due_at"))
    raise ValueError(f"{event_type} says nothing about a task's figures")


# --------------------------------------------------------------------------- the fact of one task and its figures


@dataclass(frozen=True)
class TaskView:
    """The effective timeline of one task, as the scorecard judges it.

    `overdue_cleared_at` is when an approved extension moved the deadline past the one an overdue notice
    was about: the notice counts from `overdue_detected_at` until then, so a month that ended before the
    extension still shows the task as overdue, and later months do not.
    """

    assigned_at: datetime | None
    due_at: datetime | None
    completed_at: datetime | None
    timeliness: str | None
    overdue_detected_at: datetime | None
    overdue_cleared_at: datetime | None


@dataclass(frozen=True)
class TaskFact:
    """Everything reporting knows about one task, merged from its events in whatever order they came:
    each kind of event fills its own slot (the newest of a kind wins) and the view is derived from the
    slots, so the same events give the same fact in any order and any number of times."""

    code: str
    assignment: TaskAssignment | None = None
    completion: TaskCompletion | None = None
    overdue: TaskOverdueNotice | None = None
    extension: TaskExtension | None = None

    def merged(self, slot: TaskSlot) -> TaskFact:
        name = _TASK_SLOT_NAMES[type(slot)]
        current = getattr(self, name)
        if current is not None and arrival_independent_key(current) >= arrival_independent_key(slot):
            return self
        return replace(self, **{name: slot})

    def slots(self) -> dict[str, TaskSlot | None]:
        return {name: getattr(self, name) for name in TASK_SLOTS}

    @property
    def lead_unit(self) -> str | None:
        for slot in (self.assignment, self.completion, self.extension, self.overdue):
            if slot is not None:
                return slot.lead_unit
        return None

    @property
    def assigned_at(self) -> datetime | None:
        return self.assignment.event_at if self.assignment else None

    @property
    def due_at(self) -> datetime | None:
        # Every task event names the deadline in force when it was sent (an approving extension the new
        # one), so the newest event that names one says the deadline in force now.
        told = [slot for slot in (self.assignment, self.completion, self.overdue, self.extension)
                if slot is not None and slot.due_at is not None]
        return max(told, key=arrival_independent_key).due_at if told else None

    @property
    def overdue_cleared_at(self) -> datetime | None:
        if self.overdue is None or self.extension is None or self.extension.due_at <= self.overdue.due_at:
            return None
        # Only the newest approved extension is kept: after two extensions in a row without a notice in
        # between, the notice stops counting from the second one rather than the first.
        return self.extension.event_at

    def view(self) -> TaskView:
        completion = self.completion
        return TaskView(
            assigned_at=self.assigned_at,
            due_at=self.due_at,
            completed_at=completion.completed_at if completion else None,
            timeliness=completion.timeliness if completion else None,
            overdue_detected_at=self.overdue.detected_at if self.overdue else None,
            overdue_cleared_at=self.overdue_cleared_at,
        )


@dataclass(frozen=True)
class TaskFigures:
    """A lead unit's tasks in a period. `assigned` counts every task in scope, so completion_rate is a
    share of them; None when the unit led no task in the period."""

    assigned: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    overdue_open: int = 0
    completion_rate: Decimal | None = None


def task_standing(task: TaskView, start: datetime, end: datetime, at: datetime) -> str | None:
    """Where one task stands in the period [start, end) judged at the instant `at` (TASK_FIGURE_RULES):
    None out of scope; "on_time" or "late" completed; "overdue" open past its deadline or under an overdue
    notice in force; "open" otherwise. A task whose `task.assigned` has not arrived is out of every scope."""
    assigned_at, completed_at = task.assigned_at, task.completed_at
    if assigned_at is None or assigned_at >= end:
        return None
    if completed_at is not None and completed_at < start:
        return None
    if completed_at is not None and completed_at < at:
        return "on_time" if task.timeliness == "on_time" else "late"
    notice_in_force = (task.overdue_detected_at is not None and task.overdue_detected_at <= at
                       and (task.overdue_cleared_at is None or task.overdue_cleared_at > at))
    if notice_in_force or (task.due_at is not None and task.due_at < at):
        return "overdue"
    return "open"


def task_figures_of(assigned: int, on_time: int, late: int, overdue_open: int) -> TaskFigures:
    rate = (Decimal(on_time) / Decimal(assigned)).quantize(RATE_QUANTUM, ROUND_HALF_UP) if assigned else None
    return TaskFigures(assigned, on_time, late, overdue_open, rate)


def task_figures(tasks: Iterable[TaskView], start: datetime, end: datetime, at: datetime) -> TaskFigures:
    """The task figures of the period [start, end) judged at the instant `at` (see TASK_FIGURE_RULES):
    every task in scope is assigned; completed on time, late, or open (overdue or not)."""
    counts = dict.fromkeys(("on_time", "late", "overdue", "open"), 0)
    for task in tasks:
        standing = task_standing(task, start, end, at)
        if standing is not None:
            counts[standing] += 1
    return task_figures_of(sum(counts.values()), counts["on_time"], counts["late"], counts["overdue"])


# Stored task counters. The composite ranking of a thousand units cannot judge every task they lead on
# each request (tasks stay open for months), so, like the dossiers' `scorecards`, each lead unit keeps a
# row per month that every task event updates, and the figures of whole months are read from those rows:
# - entered / left: a task enters the scope of the periods ending after the month it was assigned in and
#   leaves the scope of those starting after the month it was completed in, so the tasks in [M1, M2] are
#   those entered up to M2 less those left before M1;
# - completed_on_time / completed_late: completions in the month;
# - overdue_change: how the task's "open past the deadline at the month's end" changed since the previous
#   month's end, so the count at the end of M2 is the sum of the changes up to M2.
# These are task_standing judged at the end of the last month. A running month is judged now instead:
# the service judges row by row the few tasks whose standing changes between now and the month's end.


@dataclass(frozen=True)
class TaskCounts:
    """Increments of a lead unit's stored task row for one month (task_month_changes)."""

    entered: int = 0
    left: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    overdue_change: int = 0

    def __add__(self, other: TaskCounts) -> TaskCounts:
        return TaskCounts(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def __sub__(self, other: TaskCounts) -> TaskCounts:
        return TaskCounts(*(a - b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (self.entered, self.left, self.completed_on_time, self.completed_late, self.overdue_change)

    def __bool__(self) -> bool:
        return any(self.as_tuple())


TASK_COUNTERS = ("entered", "left", "completed_on_time", "completed_late", "overdue_change")


def counted_in_months(task: TaskView, tz: tzinfo) -> bool:
    """Whether the month rows can count the task: not one completed in a month before the month it was
    assigned in (bad data, which the scope rule keeps in some periods and not others); the ranking judges
    those row by row."""
    if task.assigned_at is None or task.completed_at is None:
        return True
    return Month.of(task.completed_at, tz) >= Month.of(task.assigned_at, tz)


def _overdue_at_month_end(task: TaskView, month: Month, tz: tzinfo) -> int:
    end = month.end(tz)
    return 1 if task_standing(task, month.start(tz), end, end) == "overdue" else 0


def task_month_changes(task: TaskView, unit: str | None, tz: tzinfo) -> dict[tuple[str, Month], TaskCounts]:
    """What one task adds to its lead unit's month rows, per (unit, month). Touches the months of its
    instants only (and the months just before them), however long it stays open."""
    if unit is None or task.assigned_at is None or not counted_in_months(task, tz):
        return {}
    changes: dict[Month, TaskCounts] = {}

    def add(month: Month, counts: TaskCounts) -> None:
        changes[month] = changes.get(month, TaskCounts()) + counts

    add(Month.of(task.assigned_at, tz), TaskCounts(entered=1))
    if task.completed_at is not None:
        on_time = task.timeliness == "on_time"
        add(Month.of(task.completed_at, tz), TaskCounts(left=1, completed_on_time=int(on_time),
                                                        completed_late=int(not on_time)))
    # Whether the task is open past its deadline at a month's end changes only in a month holding one of
    # its instants, or the month before (an instant exactly at midnight of the 1st ends that month).
    months = set()
    for instant in (task.assigned_at, task.completed_at, task.due_at, task.overdue_detected_at,
                    task.overdue_cleared_at):
        if instant is not None:
            month = Month.of(instant, tz)
            months.update((month, month.previous()))
    for month in sorted(months):
        change = _overdue_at_month_end(task, month, tz) - _overdue_at_month_end(task, month.previous(), tz)
        if change:
            add(month, TaskCounts(overdue_change=change))
    return {(unit, month): counts for month, counts in changes.items() if counts}


def task_changes(before: tuple[TaskView, str | None], after: tuple[TaskView, str | None],
                 tz: tzinfo) -> dict[tuple[str, Month], TaskCounts]:
    """The increments that move the month rows from a task's (view, lead unit) `before` to `after`."""
    old = task_month_changes(*before, tz)
    new = task_month_changes(*after, tz)
    changes = {}
    for key in old.keys() | new.keys():
        delta = new.get(key, TaskCounts()) - old.get(key, TaskCounts())
        if delta:
            changes[key] = delta
    return changes


def task_figures_from_months(entered_through_last: int, left_before_first: int, completed_on_time: int,
                             completed_late: int, overdue_at_end: int) -> TaskFigures:
    """A unit's task figures for whole months [M1, M2] judged at the end of M2, from its month rows."""
    return task_figures_of(entered_through_last - left_before_first, completed_on_time, completed_late,
                           overdue_at_end)


# --------------------------------------------------------------------------- the published rule


@dataclass(frozen=True)
class FigureRule:
    """One version of a published counting rule that gives figures but no points, chosen by period."""

    id: str
    version: str
    effective_from: date
    expression: str
    vi: str
    en: str
    source: str = ("Quyết định 42/2014/QĐ-TTg, sửa đổi bởi Quyết định 23/2018/QĐ-TTg (theo dõi nhiệm vụ); cách "
                   "tính tỉ lệ là chính sách của địa phương — local policy")

    def as_dict(self) -> dict:
        return {"id": self.id, "version": self.version, "source": self.source,
                "effective_from": self.effective_from.isoformat(), "expression": self.expression, "vi": self.vi,
                "en": self.en}


# Newest last, like PROGRESS_FORMULAS: a new way of counting is a new entry with its own date.
TASK_FIGURE_RULES: tuple[FigureRule, ...] = (
    FigureRule(
        id="task-completion",
        version="Kỷ Cương, chỉ tiêu thực hiện nhiệm vụ được giao, phiên bản 1 (theo dõi nhiệm vụ theo Quyết định "
                "42/2014/QĐ-TTg, sửa đổi bởi Quyết định 23/2018/QĐ-TTg)",
        effective_from=date(2026, 1, 1),
        expression="completion_rate = completed_on_time ÷ assigned",
        vi="Tỷ lệ hoàn thành đúng hạn = (số nhiệm vụ hoàn thành đúng hạn trong kỳ) ÷ (số nhiệm vụ trong kỳ). "
           "Chỉ tính nhiệm vụ đơn vị chủ trì. Nhiệm vụ trong kỳ là nhiệm vụ được giao trước khi kỳ kết thúc và "
           "chưa hoàn thành trước khi kỳ bắt đầu; nhiệm vụ hoàn thành đúng hạn, trễ hạn được tính vào tháng hoàn "
           "thành. Quá hạn chưa hoàn thành: chưa hoàn thành tại thời điểm cuối kỳ (hoặc hiện tại nếu kỳ chưa "
           "kết thúc) và đã bị báo quá hạn hoặc đã qua hạn đang có hiệu lực; gia hạn được duyệt thay hạn cũ và "
           "không bị tính là trễ. Chỉ tiêu nhiệm vụ là một thành phần của điểm tổng hợp (xếp hạng theo điểm tổng "
           "hợp), không tính vào điểm tiến độ giải quyết hồ sơ theo Bộ chỉ số 766.",
        en="Completion rate = (tasks completed on time in the period) ÷ (tasks in the period). Only tasks the "
           "unit leads count. A task is in the period if it was assigned before the period ended and not "
           "completed before it began; completions on time and late count in the month they happened. Overdue "
           "open: not completed at the end of the period (or now, while it runs) and reported overdue or past "
           "the deadline in force; an approved extension replaces the old deadline and is not late. Task "
           "figures are a component of the composite score (the ranking by composite score); they do not enter "
           "the 766 progress score.",
    ),
)


def task_rule_for(period: Period | Month) -> FigureRule:
    """The rule in force on the period's first day (the earliest one for older periods)."""
    return in_force_or_first(TASK_FIGURE_RULES, period.first)
