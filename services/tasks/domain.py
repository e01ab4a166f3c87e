"""Pure rules about tasks. No Flask, no database, no clock call: time is passed in."""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from shared.codes import CODE_RULE, is_code, unknown_official, unknown_unit
from shared.errors import Conflict, InvalidInput
from shared.events.vocabulary import EVALUATION_LEVELS, PLAN_PERIODS

# The states of a task (services/tasks/README.md). They are derived from the deadline in force, the
# completion instant and whether anything was reported; nobody types them in.
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
OVERDUE = "overdue"
COMPLETED_ON_TIME = "completed_on_time"
COMPLETED_LATE = "completed_late"
STATES = (NOT_STARTED, IN_PROGRESS, OVERDUE, COMPLETED_ON_TIME, COMPLETED_LATE)

# A task is completed by the lead unit reporting 100%: the same act that reports progress, so there is
# no second way to finish a task that could disagree with the progress history.
COMPLETE_PERCENT = 100

WEEKLY, MONTHLY, QUARTERLY = "weekly", "monthly", "quarterly"
RECURRENCE_KINDS = (WEEKLY, MONTHLY, QUARTERLY)
QUARTER_END_MONTHS = (3, 6, 9, 12)

# An occurrence is due at the end of office hours of its day.
OCCURRENCE_DUE_TIME = time(17, 0)

EXTENSION_REQUESTED, EXTENSION_APPROVED, EXTENSION_REFUSED = "requested", "approved", "refused"
OVERDUE_ALERT = "overdue"


def derive_state(due_at: datetime | None, completed_at: datetime | None, reported: bool, now: datetime) -> str:
    """The state of a task at `now`.

    `due_at` is the deadline in force (an approved extension has already moved it, and no extension
    can be asked once a task is completed, so it is also the deadline in force at completion).
    Completing exactly at the deadline is on time; the task is overdue only strictly after it.
    """
    if completed_at is not None:
        if due_at is None or completed_at <= due_at:
            return COMPLETED_ON_TIME
        return COMPLETED_LATE
    if due_at is not None and now > due_at:
        return OVERDUE
    return IN_PROGRESS if reported else NOT_STARTED


def timeliness(due_at: datetime | None, completed_at: datetime) -> str:
    return "on_time" if derive_state(due_at, completed_at, True, completed_at) == COMPLETED_ON_TIME else "late"


@dataclass(frozen=True)
class Tally:
    """How many tasks of one directing document (None: all of them) are in each state, with the
    completion rates a leader's summary shows (percent, one decimal, half up)."""

    document: str | None
    total: int = 0
    not_started: int = 0
    in_progress: int = 0
    overdue: int = 0
    completed_on_time: int = 0
    completed_late: int = 0

    @property
    def open(self) -> int:
        """Not completed yet, overdue or not."""
        return self.not_started + self.in_progress + self.overdue

    @property
    def completed(self) -> int:
        return self.completed_on_time + self.completed_late

    @property
    def late(self) -> int:
        """Overdue now, or completed after the deadline in force."""
        return self.overdue + self.completed_late

    @property
    def completion_rate(self) -> Decimal:
        return self._share(self.completed_on_time + self.completed_late)

    @property
    def on_time_rate(self) -> Decimal:
        return self._share(self.completed_on_time)

    def _share(self, n: int) -> Decimal:
        if not self.total:
            return Decimal("0.0")
        return (Decimal(100 * n) / self.total).quantize(Decimal("0.1"), ROUND_HALF_UP)


def tally_by_document(tasks: Iterable[tuple[str | None, str]]) -> tuple[list[Tally], Tally]:
    """(one tally per directing document, documents in order and None last; the overall tally) of
    (document, state) pairs."""
    groups: dict[str | None, dict[str, int]] = {}
    overall: dict[str, int] = dict.fromkeys(("total", *STATES), 0)
    for document, state in tasks:
        group = groups.setdefault(document, dict.fromkeys(("total", *STATES), 0))
        for counts in (group, overall):
            counts["total"] += 1
            counts[state] += 1
    ordered = sorted(groups, key=lambda document: (document is None, document or ""))
    return [Tally(document, **groups[document]) for document in ordered], Tally(None, **overall)


def check_assignment(lead_unit: str, co_units: list[str], due_at: datetime | None, now: datetime) -> list[str]:
    """Validate a new assignment; returns the co-operating units without duplicates or the lead."""
    errors: dict[str, list[str]] = {}
    if lead_unit in co_units:
        errors["co_units"] = [f"the lead unit {lead_unit!r} cannot also be a co-operating unit"]
    if due_at is not None and due_at <= now:
        errors["due_at"] = ["the deadline must be in the future"]
    if errors:
        raise InvalidInput("the task cannot be assigned as given", errors)
    return list(dict.fromkeys(co_units))


# -- codes -------------------------------------------------------------------------------------------



def assignment_code_errors(lead_unit: str, co_units: list[str], assignee: str | None,
                           *, known_units: set[str] | None = None,
                           officials: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Errors by field for the codes of an assignment: each must follow the directory's pattern and, when
    the directory is given (`known_units` among those named, the unit of each known official), be in it,
    the assignee an official of the lead unit."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field, code in [("lead_unit", lead_unit), *(("co_units", c) for c in co_units),
                        *([("assignee", assignee)] if assignee is not None else [])]:
        if not is_code(code):
            add(field, f"{code!r} is not a directory code: a code has {CODE_RULE}")
        elif field != "assignee" and known_units is not None and code not in known_units:
            add(field, unknown_unit(code))
    if assignee is not None and "assignee" not in errors and officials is not None:
        if assignee not in officials:
            add("assignee", unknown_official(assignee))
        elif officials[assignee] != lead_unit:
            add("assignee", f"Cán bộ {assignee} thuộc {officials[assignee]}, không thuộc đơn vị chủ trì "
                            f"{lead_unit} — the assignee is an official of the lead unit")
    return errors


# -- recurrence ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recurrence:
    """weekly on `weekday` (0 = Monday); monthly on `day_of_month`; quarterly on `day_of_month` of the
    last month of each quarter (March, June, September, December), the month by which quarterly
    reports fall due (services/tasks/README.md). A day past the month's end means its last day
    (31 → 28 February)."""

    kind: str
    weekday: int | None = None
    day_of_month: int | None = None
    until: date | None = None

    def validate(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.kind not in RECURRENCE_KINDS:
            errors["kind"] = [f"must be one of {', '.join(RECURRENCE_KINDS)}"]
        elif self.kind == WEEKLY:
            if self.weekday is None or not 0 <= self.weekday <= 6:
                errors["weekday"] = ["a weekly task needs weekday 0 (Monday) to 6 (Sunday)"]
        elif self.day_of_month is None or not 1 <= self.day_of_month <= 31:
            errors["day_of_month"] = [f"a {self.kind} task needs day_of_month 1 to 31"]
        if errors:
            raise InvalidInput("the recurrence cannot be used as given", {"recurrence": errors})

    def nominal_days(self, after: date) -> Iterator[date]:
        """The days this recurrence names, strictly after `after`, in order, up to `until`."""
        if self.kind == WEEKLY:
            day = after + timedelta(days=(self.weekday - after.weekday()) % 7 or 7)
            while self.until is None or day <= self.until:
                yield day
                day += timedelta(days=7)
            return
        year, month = after.year, after.month
        while True:
            if self.kind == MONTHLY or month in QUARTER_END_MONTHS:
                day = _clamped(year, month, self.day_of_month)
                if self.until is not None and day > self.until:
                    return
                if day > after:
                    yield day
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _clamped(year: int, month: int, day_of_month: int) -> date:
    return date(year, month, min(day_of_month, gregorian.monthrange(year, month)[1]))


def occurrence_due_at(day: date, is_working_day: Callable[[date], bool], tz: tzinfo) -> datetime:
    """17:00 local of `day`, or of the last working day before it when `day` is not worked: a report
    due on a Sunday or in Tết must be in by the last office day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, OCCURRENCE_DUE_TIME, tzinfo=tz)


# -- reminders and the Monday digest ---------------------------------------------------------------

def reminder_point(points: Iterable[int], working_days_left: Decimal) -> int | None:
    """The reminder point reached with `working_days_left` before the deadline: the tightest point n
    with left <= n. None once the deadline has passed (that is the overdue alert's business) or
    before the widest point. A sweep that comes late (or a task assigned close to its deadline) sends
    only the tightest reached point: a "7 days left" reminder with one day left would mislead."""
    if working_days_left <= 0:
        return None
    reached = [n for n in points if working_days_left <= n]
    return min(reached) if reached else None


def week_of(day: date) -> date:
    """The Monday of the week holding `day`: the week a Monday list is for (seed 001, item 8)."""
    return day - timedelta(days=day.weekday())


def digest_window(week: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """(start of Monday, end of Sunday) of the week beginning `week`, local time, as [start, end)."""
    start = datetime.combine(week, time(0), tzinfo=tz)
    return start, start + timedelta(days=7)


def due_but_unreported(due_at: datetime | None, completed_at: datetime | None, last_report_at: datetime | None,
                       week_end: datetime, now: datetime) -> bool:
    """For the Monday list: open, deadline passed or within the week, nothing reported for 7 days."""
    if completed_at is not None or due_at is None or due_at >= week_end:
        return False
    return last_report_at is None or last_report_at < now - timedelta(days=7)


# -- progress and extensions -----------------------------------------------------------------------

def check_progress(completed_at: datetime | None, percent: int, is_lead: bool) -> bool:
    """Validate a progress report; True if it completes the task."""
    if completed_at is not None:
        raise Conflict("the task is already completed; no more progress can be reported",
                       {"percent": ["the task is completed"]})
    if not 0 <= percent <= 100:
        raise InvalidInput("percent must be between 0 and 100", {"percent": ["must be 0 to 100"]})
    return is_lead and percent == COMPLETE_PERCENT


def check_extension_request(due_at: datetime | None, completed_at: datetime | None, requested_due_at: datetime,
                            pending: bool, now: datetime) -> None:
    if completed_at is not None:
        raise Conflict("the task is already completed; there is no deadline left to extend")
    if due_at is None:
        raise Conflict("the task has no deadline to extend")
    if now >= due_at:
        raise Conflict("the deadline in force has passed: an extension must be asked before it "
                       f"(deadline {due_at.isoformat()}); explain the delay instead",
                       {"requested_due_at": ["too late: the deadline has passed"]})
    if pending:
        raise Conflict("an extension request for this task is already waiting for a decision")
    if requested_due_at <= due_at:
        raise InvalidInput("the requested deadline must be later than the deadline in force",
                           {"requested_due_at": [f"must be after {due_at.isoformat()}"]})


# -- work plans and self-assessment ----------------------------------------------------------------
# Every official plans their work for the week, the month and the quarter and reports it to the head
# of the unit (Plan 69/KH-UBND of Hà Nội, 2017, II.3.c; Directive of Hà Nội's Chairman, 2022, §1:
# weekly work schedules, monthly self-evaluation). At the end of the period the official counts what
# was done and proposes a level of the evaluation scale of Decree 90/2020/ND-CP (as amended by
# Decree 48/2023/ND-CP); the head reviews it. The proposal is the official's own: the platform counts
# the items but does not derive the level, which the decree makes a judgement of the head.

WEEK, MONTH, QUARTER = PLAN_PERIODS
PLAN_DRAFT, PLAN_SUBMITTED, PLAN_ASSESSED, PLAN_REVIEWED = "draft", "submitted", "self_assessed", "reviewed"
PLAN_STATUSES = (PLAN_DRAFT, PLAN_SUBMITTED, PLAN_ASSESSED, PLAN_REVIEWED)
LEVELS = EVALUATION_LEVELS

_PERIOD_FORMS = {WEEK: "2026-W48", MONTH: "2026-11", QUARTER: "2026-Q4"}


@dataclass(frozen=True)
class PlanPeriod:
    """A week (ISO 8601, Monday to Sunday), a month or a quarter, by its label."""

    kind: str
    label: str
    first_day: date
    last_day: date

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def last_working_day(self, is_working_day: Callable[[date], bool]) -> date:
        """The last working day of the period (its last day when none is worked: a week inside Tết)."""
        day = self.last_day
        while day >= self.first_day:
            if is_working_day(day):
                return day
            day -= timedelta(days=1)
        return self.last_day


def parse_period(label: str) -> PlanPeriod:
    """'2026-W48' (ISO week), '2026-11' (month) or '2026-Q4' (quarter); ValueError saying which forms
    are accepted otherwise."""
    text = (label or "").strip().upper()
    try:
        year_text, rest = text.split("-", 1)
        year = int(year_text)
        if len(year_text) != 4 or not 2000 <= year <= 2100:
            raise ValueError
        if rest.startswith("W") and len(rest) == 3:
            week = int(rest[1:])
            first = date.fromisocalendar(year, week, 1)
            return PlanPeriod(WEEK, f"{year}-W{week:02d}", first, first + timedelta(days=6))
        if rest.startswith("Q") and len(rest) == 2:
            quarter = int(rest[1:])
            if not 1 <= quarter <= 4:
                raise ValueError
            last_month = 3 * quarter
            return PlanPeriod(QUARTER, f"{year}-Q{quarter}", date(year, last_month - 2, 1),
                              _clamped(year, last_month, 31))
        if len(rest) == 2:
            month = int(rest)
            return PlanPeriod(MONTH, f"{year}-{month:02d}", date(year, month, 1), _clamped(year, month, 31))
    except ValueError:
        pass
    raise ValueError(f"{label!r} is not a period: write a week {_PERIOD_FORMS[WEEK]}, a month "
                     f"{_PERIOD_FORMS[MONTH]} or a quarter {_PERIOD_FORMS[QUARTER]}")


def period_of(kind: str, day: date) -> PlanPeriod:
    """The period of this kind that contains `day`."""
    if kind == WEEK:
        year, week, _ = day.isocalendar()
        return parse_period(f"{year}-W{week:02d}")
    if kind == MONTH:
        return parse_period(f"{day.year}-{day.month:02d}")
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


@dataclass(frozen=True)
class PlanItemDraft:
    """One line of a plan as the official writes it: what, by when, and the assigned task it serves."""

    title: str
    planned_on: date
    task: str | None = None


def check_plan_items(period: PlanPeriod, items: list[PlanItemDraft], first_position: int = 0) -> None:
    """Each item is planned for a day of the plan's period."""
    errors = {}
    for index, item in enumerate(items):
        if not period.contains(item.planned_on):
            errors[first_position + index] = {"planned_on": [
                f"must be within {period.label} ({period.first_day.isoformat()} to {period.last_day.isoformat()})"]}
    if errors:
        raise InvalidInput(f"every item must be planned within the period {period.label}", {"items": errors})


def plan_status(submitted_at: datetime | None, assessed_at: datetime | None, reviewed_at: datetime | None) -> str:
    if reviewed_at is not None:
        return PLAN_REVIEWED
    if assessed_at is not None:
        return PLAN_ASSESSED
    return PLAN_SUBMITTED if submitted_at is not None else PLAN_DRAFT


def check_plan_editable(status: str) -> None:
    """Items are added while the plan is a draft: once submitted it is what the head was told."""
    if status != PLAN_DRAFT:
        raise Conflict("the plan was already submitted: its items are what the head of the unit was told "
                       "and cannot change; note new work in next period's plan", {"items": ["plan submitted"]})


def check_submission(status: str, period: PlanPeriod, today: date) -> None:
    if status != PLAN_DRAFT:
        raise Conflict("the plan was already submitted")
    check_period_open(period, today)


def check_period_open(period: PlanPeriod, today: date) -> None:
    """A plan is written and submitted before or during its period, never after it."""
    if today > period.last_day:
        raise Conflict(f"the period {period.label} ended on {period.last_day.isoformat()}: a plan is submitted "
                       "before or during its period", {"period": ["period already ended"]})


def check_item_done(status: str, period: PlanPeriod, done_on: date, today: date) -> None:
    if status == PLAN_DRAFT:
        raise Conflict("submit the plan first: items are marked done on a submitted plan",
                       {"done_on": ["plan not submitted"]})
    if status != PLAN_SUBMITTED:
        raise Conflict("the plan was already self-assessed: its items are closed", {"done_on": ["plan assessed"]})
    if done_on > today:
        raise InvalidInput("an item cannot be done on a future day", {"done_on": [f"must be {today} or earlier"]})
    if done_on < period.first_day:
        raise InvalidInput(f"the period {period.label} starts on {period.first_day.isoformat()}: work done "
                           "before it belongs to an earlier plan",
                           {"done_on": [f"must be {period.first_day} or later"]})


@dataclass(frozen=True)
class PlanCount:
    """What the self-assessment counts from the items: how many, how many done, how many done by the
    day they were planned for."""

    items: int
    done: int
    done_on_time: int


def count_items(items: Iterable[tuple[date, date | None]]) -> PlanCount:
    """(planned_on, done_on) pairs; an item done on its planned day is on time."""
    total = done = on_time = 0
    for planned_on, done_on in items:
        total += 1
        if done_on is not None:
            done += 1
            on_time += done_on <= planned_on
    return PlanCount(total, done, on_time)


def check_self_assessment(status: str, period: PlanPeriod, level: str, today: date,
                          is_working_day: Callable[[date], bool]) -> None:
    """Once, on a submitted plan, not before the last working day of its period."""
    if status == PLAN_DRAFT:
        raise Conflict("submit the plan before assessing it", {"level": ["plan not submitted"]})
    if status != PLAN_SUBMITTED:
        raise Conflict("the plan was already self-assessed", {"level": ["already assessed"]})
    if level not in LEVELS:
        raise InvalidInput("unknown evaluation level", {"level": [f"must be one of {', '.join(LEVELS)}"]})
    last = period.last_working_day(is_working_day)
    if today < last:
        raise Conflict(f"a self-assessment is made at the end of the period: not before {last.isoformat()}, "
                       f"the last working day of {period.label}", {"level": [f"too early: wait until {last}"]})


def check_review(status: str, agreed: bool, note: str | None) -> None:
    if status in (PLAN_DRAFT, PLAN_SUBMITTED):
        raise Conflict("the official has not assessed this plan yet; review it after the self-assessment",
                       {"agreed": ["no self-assessment yet"]})
    if status == PLAN_REVIEWED:
        raise Conflict("the plan was already reviewed", {"agreed": ["already reviewed"]})
    if not agreed and not (note or "").strip():
        raise InvalidInput("say what you do not agree with", {"note": ["required when you do not agree"]})
