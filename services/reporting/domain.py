"""Pure rules of reporting: periods, the Decision 766 progress formula, dossier facts, task facts and
their figures, rankings.

No Flask, no database, no clock call: instants and time zones are passed in.

Two ways of counting a unit's dossiers in a period live here, on purpose:

- `standing_at` judges one dossier exactly at an as-of instant (the scorecard endpoint uses it);
- `month_changes` gives what one dossier adds to the stored per-(unit, month) rows that rankings are
  built from: its completion in the month it was completed, and the change of its open standing at
  the end of each month where that standing changed (at most three months per dossier, however long
  it stays open). A month's tally is then that month's completions plus what is open now minus what
  changed after the month (`month_tally`). The rows are kept up to date event by event, so they
  cannot depend on when they are read: an open dossier stays "within the deadline" until a
  `dossier.overdue` (or a late completion) says otherwise. The dossiers service's deadline sweep emits
  `dossier.overdue` as soon as a due time passes, so the two agree except in the minutes between a
  deadline and that sweep.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from shared.errors import InvalidInput
from shared.vietnamese import sort_key as vietnamese_sort_key

# --------------------------------------------------------------------------- periods

_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month in local time, written `YYYY-MM`."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD_RE.match(text or "")
        if not match:
            raise ValueError(f"{text!r} is not a month written YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, instant: datetime, tz: tzinfo) -> Period:
        local = instant.astimezone(tz)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def start(self, tz: tzinfo) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=tz)

    def end(self, tz: tzinfo) -> datetime:
        """The first instant after the period (exclusive end)."""
        return self.next().start(tz)

    def through(self, last: Period) -> list[Period]:
        """This period and every one after it up to `last` (empty if `last` is earlier)."""
        periods = []
        current = self
        while current <= last:
            periods.append(current)
            current = current.next()
        return periods


def requested_period(text: str | None, now: datetime, tz: tzinfo) -> Period:
    """The period a reader asked for: the current month when none is given, never a future one."""
    current = Period.of(now, tz)
    if text is None or text == "":
        return current
    try:
        period = Period.parse(text)
    except ValueError:
        raise InvalidInput(
            f"period {text!r} is not a month; write it as YYYY-MM, e.g. {current}",
            {"period": [f"expected YYYY-MM with a month 01-12, e.g. {current}; tháng viết dạng YYYY-MM"]},
        ) from None
    if period > current:
        raise InvalidInput(
            f"period {period} has not started yet; the latest period is {current}",
            {"period": [f"must not be after the current month {current}; kỳ báo cáo chưa bắt đầu"]},
        )
    return period


def as_of(period: Period, now: datetime, tz: tzinfo) -> datetime:
    """The instant a period is judged at: its end once over, now while it runs."""
    return min(period.end(tz), now.astimezone(tz))


# --------------------------------------------------------------------------- counts and the formula


@dataclass(frozen=True)
class Tally:
    """A unit's dossiers in scope for a period, split by where each stands: every dossier in scope is in
    exactly one bucket, so the sum is the number received.

    Also the increments of the stored rows (month_changes), where the open_* counters are changes of
    open standing over a month rather than counts.
    """

    completed_early: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    open_within: int = 0
    open_overdue: int = 0

    @classmethod
    def completed(cls, timeliness: str) -> Tally:
        if timeliness not in TIMELINESS:
            raise ValueError(f"unknown timeliness {timeliness!r}")
        return cls(**{f"completed_{timeliness}": 1})

    # Written out rather than looped over fields(): ranking a month adds up every unit's counters on each
    # event, so these run thousands of times a second.
    def __add__(self, other: Tally) -> Tally:
        return Tally(self.completed_early + other.completed_early, self.completed_on_time + other.completed_on_time,
                     self.completed_late + other.completed_late, self.open_within + other.open_within,
                     self.open_overdue + other.open_overdue)

    def __sub__(self, other: Tally) -> Tally:
        return Tally(self.completed_early - other.completed_early, self.completed_on_time - other.completed_on_time,
                     self.completed_late - other.completed_late, self.open_within - other.open_within,
                     self.open_overdue - other.open_overdue)

    def as_tuple(self) -> tuple[int, ...]:
        return (self.completed_early, self.completed_on_time, self.completed_late, self.open_within,
                self.open_overdue)

    def as_dict(self) -> dict[str, int]:
        return dict(zip(TALLY_FIELDS, self.as_tuple(), strict=True))

    def __bool__(self) -> bool:
        return any(self.as_tuple())

    @property
    def received(self) -> int:
        return (self.completed_early + self.completed_on_time + self.completed_late + self.open_within
                + self.open_overdue)

    @property
    def on_time(self) -> int:
        """The formula's numerator: finished early or on time, plus open within the deadline."""
        return self.completed_early + self.completed_on_time + self.open_within

    def open_part(self) -> Tally:
        return Tally(open_within=self.open_within, open_overdue=self.open_overdue)


TIMELINESS = ("early", "on_time", "late")
TALLY_FIELDS = ("completed_early", "completed_on_time", "completed_late", "open_within", "open_overdue")

_RATE_QUANTUM = Decimal("0.0001")
_SCORE_QUANTUM = Decimal("0.01")


@dataclass(frozen=True)
class Formula:
    """One version of a published scoring rule, chosen by the period it judges."""

    id: str
    version: str
    effective_from: date
    max_points: int
    expression: str
    vi: str
    en: str
    not_measured_vi: str
    not_measured_en: str

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "version": self.version,
            "effective_from": self.effective_from.isoformat(),
            "max_points": self.max_points,
            "expression": self.expression,
            "vi": self.vi,
            "en": self.en,
            "not_measured_vi": self.not_measured_vi,
            "not_measured_en": self.not_measured_en,
        }


# Newest last. A new way of computing the index is a new entry with its own date, so periods already
# published keep the formula that produced them.
PROGRESS_FORMULAS: tuple[Formula, ...] = (
    Formula(
        id="766-progress",
        version="Quyết định 766/QĐ-TTg ngày 23/6/2022, nhóm chỉ số Tiến độ giải quyết (cách tính của "
                "Cổng Dịch vụ công quốc gia năm 2026)",
        effective_from=date(2022, 6, 23),
        max_points=20,
        expression="score = 20 × on_time ÷ received",
        vi="Điểm tiến độ = 20 × (số hồ sơ giải quyết trước hạn, đúng hạn và hồ sơ đang giải quyết còn trong "
           "hạn) ÷ (tổng số hồ sơ tiếp nhận hoặc đang giải quyết trong kỳ). Hồ sơ trong kỳ là hồ sơ tiếp nhận "
           "trước khi kỳ kết thúc và chưa giải quyết xong trước khi kỳ bắt đầu; hồ sơ còn mở được xét tại thời "
           "điểm cuối kỳ (hoặc thời điểm hiện tại nếu kỳ chưa kết thúc).",
        en="Progress score = 20 × (dossiers finished early or on time, plus open dossiers still within their "
           "deadline) ÷ (all dossiers received or being handled in the period). A dossier is in the period if "
           "it was received before the period ended and not finished before it began; open dossiers are "
           "judged at the end of the period (or now, while the period runs).",
        not_measured_vi="Chưa đo: công khai, minh bạch (18); dịch vụ trực tuyến (12); thanh toán trực tuyến "
                        "(10); mức độ hài lòng (18); số hóa hồ sơ (22).",
        not_measured_en="Not measured: publicity and transparency (18); online services (12); online payment "
                        "(10); satisfaction (18); digitisation (22).",
    ),
)


def formula_for(period: Period) -> Formula:
    """The formula in force on the period's first day (the earliest one for older periods)."""
    first_day = date(period.year, period.month, 1)
    chosen = PROGRESS_FORMULAS[0]
    for formula in PROGRESS_FORMULAS:
        if formula.effective_from <= first_day:
            chosen = formula
    return chosen


@dataclass(frozen=True)
class Progress:
    """The 766 progress group of one unit in one period. Rate and score are None when nothing was
    received: such a unit has no rate and is not ranked."""

    received: int
    early: int
    on_time: int
    late: int
    open_within: int
    overdue_open: int
    on_time_rate: Decimal | None
    score: Decimal | None


def progress(tally: Tally, formula: Formula = PROGRESS_FORMULAS[-1]) -> Progress:
    received = tally.received
    rate = score = None
    if received:
        exact = Decimal(tally.on_time) / Decimal(received)
        rate = exact.quantize(_RATE_QUANTUM, ROUND_HALF_UP)
        score = (formula.max_points * exact).quantize(_SCORE_QUANTUM, ROUND_HALF_UP)
    return Progress(
        received=received,
        early=tally.completed_early,
        on_time=tally.on_time,
        late=tally.completed_late,
        open_within=tally.open_within,
        overdue_open=tally.open_overdue,
        on_time_rate=rate,
        score=score,
    )


# --------------------------------------------------------------------------- dossier facts


@dataclass(frozen=True)
class Receipt:
    """What `dossier.received` said."""

    event_at: datetime
    unit: str
    received_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class Completion:
    """What `dossier.completed` said."""

    event_at: datetime
    unit: str
    received_at: datetime
    due_at: datetime
    completed_at: datetime
    timeliness: str


@dataclass(frozen=True)
class OverdueNotice:
    """What `dossier.overdue` said."""

    event_at: datetime
    unit: str
    received_at: datetime
    due_at: datetime
    detected_at: datetime


Slot = Receipt | Completion | OverdueNotice
_SLOT_NAMES = {Receipt: "receipt", Completion: "completion", OverdueNotice: "overdue"}


def _instant(value: str | datetime, name: str) -> datetime:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} {value!r} is not an ISO 8601 instant", {name: ["not an instant"]}) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} {value!r} has no timezone offset", {name: ["needs a timezone offset"]})
    return moment


def slot_from_event(event_type: str, data: Mapping, event_at: datetime) -> Slot:
    """The part of a dossier fact one event tells (ISO strings in `data` parsed). Raises InvalidInput for
    an event that can never be applied."""
    due = data.get("due_at")
    common = dict(event_at=_instant(event_at, "time"), unit=data["unit"],
                  received_at=_instant(data["received_at"], "received_at"))
    if event_type == "dossier.received":
        return Receipt(**common, due_at=_instant(due, "due_at") if due else None)
    if event_type == "dossier.completed":
        return Completion(**common, due_at=_instant(due, "due_at"),
                          completed_at=_instant(data["completed_at"], "completed_at"), timeliness=data["timeliness"])
    if event_type == "dossier.overdue":
        return OverdueNotice(**common, due_at=_instant(due, "due_at"),
                             detected_at=_instant(data["detected_at"], "detected_at"))
    raise ValueError(f"{event_type} says nothing about a dossier's timeliness")


def _arrival_independent_key(slot: Slot | TaskSlot) -> tuple:
    # The newest event wins; two events stamped with the same instant are told apart by what they say,
    # so the outcome never depends on which one arrived first.
    said = (getattr(slot, f.name) for f in fields(slot))
    return slot.event_at, tuple(str(v.astimezone(UTC) if isinstance(v, datetime) else v) for v in said)


@dataclass(frozen=True)
class DossierFact:
    """Everything reporting knows about one dossier, merged from its events in whatever order they came.

    Each kind of event fills its own slot (the newest event of a kind wins), and the effective view is
    derived from the slots, so a late-arriving older event can never undo a newer state: a dossier once
    completed stays completed whatever `dossier.received` turns up afterwards.
    """

    code: str
    receipt: Receipt | None = None
    completion: Completion | None = None
    overdue: OverdueNotice | None = None

    def merged(self, slot: Slot) -> DossierFact:
        name = _SLOT_NAMES[type(slot)]
        current = getattr(self, name)
        if current is not None and _arrival_independent_key(current) >= _arrival_independent_key(slot):
            return self
        return replace(self, **{name: slot})

    @property
    def unit(self) -> str | None:
        # The handling unit (completion, then receipt); the unit at fault named by an overdue notice
        # only until the dossier's own events arrive.
        for slot in (self.completion, self.receipt, self.overdue):
            if slot is not None:
                return slot.unit
        return None

    @property
    def received_at(self) -> datetime | None:
        for slot in (self.receipt, self.completion, self.overdue):
            if slot is not None:
                return slot.received_at
        return None

    @property
    def due_at(self) -> datetime | None:
        if self.completion is not None:
            return self.completion.due_at
        told = [s for s in (self.receipt, self.overdue) if s is not None and s.due_at is not None]
        return max(told, key=_arrival_independent_key).due_at if told else None

    @property
    def completed_at(self) -> datetime | None:
        return self.completion.completed_at if self.completion else None

    @property
    def timeliness(self) -> str | None:
        return self.completion.timeliness if self.completion else None

    @property
    def overdue_detected_at(self) -> datetime | None:
        return self.overdue.detected_at if self.overdue else None

    @property
    def overdue_known(self) -> bool:
        """Known to have passed its due time: an overdue notice, or a late completion."""
        return self.overdue is not None or self.timeliness == "late"

    def slots(self) -> dict[str, Slot | None]:
        return {"receipt": self.receipt, "completion": self.completion, "overdue": self.overdue}

    def view(self) -> DossierView:
        return DossierView(self.received_at, self.due_at, self.completed_at, self.timeliness,
                           self.overdue_detected_at)


_WITHIN, _OVERDUE = Tally(open_within=1), Tally(open_overdue=1)


def month_changes(fact: DossierFact, tz: tzinfo) -> dict[tuple[str, Period], Tally]:
    """What one dossier adds to its unit's stored row of each month, per (unit, month).

    The completed_* counters are completions in the month. The open_* counters are changes of the
    dossier's standing at the end of the month: +1 within in the month it was received; within → overdue
    in the month its due time falls in, once it is known to have passed it (an overdue notice or a late
    completion); −1 in the month it was completed. Nothing for the months in between, so a dossier
    touches at most three months however long it stays open.
    """
    unit, received_at = fact.unit, fact.received_at
    if unit is None or received_at is None:
        return {}
    first = Period.of(received_at, tz)
    # A completion stamped before its receipt is bad data; count it in the month of receipt.
    last = max(first, Period.of(fact.completion.completed_at, tz)) if fact.completion else None
    due = fact.due_at if fact.overdue_known else None
    overdue_from = max(first, Period.of(due, tz)) if due is not None else None
    changes: dict[Period, Tally] = {}

    def add(period: Period, tally: Tally) -> None:
        changes[period] = changes.get(period, Tally()) + tally

    if last == first:
        add(first, Tally.completed(fact.completion.timeliness))
    else:
        standing = _OVERDUE if overdue_from == first else _WITHIN
        add(first, standing)
        if overdue_from is not None and standing is _WITHIN and (last is None or overdue_from < last):
            add(overdue_from, _OVERDUE - _WITHIN)
            standing = _OVERDUE
        if last is not None:
            add(last, Tally.completed(fact.completion.timeliness) - standing)
    return {(unit, period): tally for period, tally in changes.items() if tally}


def tally_changes(before: DossierFact, after: DossierFact, tz: tzinfo) -> dict[tuple[str, Period], Tally]:
    """The increments that move the stored rows from `before` to `after` (zero changes left out)."""
    old = month_changes(before, tz)
    new = month_changes(after, tz)
    changes = {}
    for key in old.keys() | new.keys():
        delta = new.get(key, Tally()) - old.get(key, Tally())
        if delta:
            changes[key] = delta
    return changes


def month_tally(in_month: Tally, open_now: Tally, changed_after: Tally) -> Tally:
    """A unit's tally for a month from its stored rows: the month's completions, and what was open at the
    month's end, which is what is open now less the changes of the months after it."""
    return Tally(in_month.completed_early, in_month.completed_on_time, in_month.completed_late,
                 open_now.open_within - changed_after.open_within, open_now.open_overdue - changed_after.open_overdue)


def months_to_rerank(changes: Iterable[tuple[tuple[str, Period], Tally]], current: Period) -> list[Period]:
    """Months whose ranking the changes can move, up to the current month: a completion moves its own
    month; a change of open standing moves its month and every later one (the dossier is open, or no
    longer open, at the end of each of them)."""
    months: set[Period] = set()
    for (_, period), tally in changes:
        if period > current:
            continue
        if tally.open_part():
            months.update(period.through(current))
        else:
            months.add(period)
    return sorted(months)


@dataclass(frozen=True)
class DossierView:
    """The effective timeline of one dossier, as the scorecard judges it."""

    received_at: datetime | None
    due_at: datetime | None
    completed_at: datetime | None
    timeliness: str | None
    overdue_detected_at: datetime | None


def standing_at(dossier: DossierView, start: datetime, end: datetime, at: datetime) -> Tally | None:
    """Where one dossier stands in the period [start, end) judged at the instant `at` (the exact rule
    of the scorecard); None when the dossier is not in the period's scope."""
    received_at, completed_at = dossier.received_at, dossier.completed_at
    if received_at is None or received_at >= end:
        return None
    if completed_at is not None and completed_at < start:
        return None
    if completed_at is not None and completed_at < at:
        return Tally.completed(dossier.timeliness)
    due, detected = dossier.due_at, dossier.overdue_detected_at
    if (due is not None and due < at) or (detected is not None and detected <= at):
        return Tally(open_overdue=1)
    return Tally(open_within=1)


# --------------------------------------------------------------------------- task facts and figures
#
# Tasks are counted for their lead unit only, exactly at request time from the per-task facts (a unit
# leads tens of tasks a month, not thousands of dossiers), and they do not enter the ranking's score.


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
    event_at = _instant(event_at, "time")
    due = data.get("due_at")
    lead_unit = data["lead_unit"]
    if event_type == "task.assigned":
        return TaskAssignment(event_at, lead_unit, _instant(due, "due_at") if due else None)
    if event_type == "task.completed":
        timeliness = data["timeliness"]
        if timeliness not in TASK_TIMELINESS:
            raise InvalidInput(f"timeliness {timeliness!r} is not one of {', '.join(TASK_TIMELINESS)}",
                               {"timeliness": [f"expected one of {', '.join(TASK_TIMELINESS)}"]})
        return TaskCompletion(event_at, lead_unit, _instant(due, "due_at") if due else None,
                              _instant(data["completed_at"], "completed_at"), timeliness)
    if event_type == "task.overdue":
        return TaskOverdueNotice(event_at, lead_unit, _instant(due, "due_at"),
                                 _instant(data["detected_at"], "detected_at"))
    if event_type == "task.extension_decided":
        if not data["approved"]:
            return None
        return TaskExtension(event_at, lead_unit, _instant(due, "due_at"))
    raise ValueError(f"{event_type} says nothing about a task's figures")


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
        if current is not None and _arrival_independent_key(current) >= _arrival_independent_key(slot):
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
        return max(told, key=_arrival_independent_key).due_at if told else None

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


def task_figures(tasks: Iterable[TaskView], start: datetime, end: datetime, at: datetime) -> TaskFigures:
    """The task figures of the period [start, end) judged at the instant `at` (see TASK_FIGURE_RULES).

    A task is in scope if it was assigned before the period ended and not completed before it began; a
    task whose `task.assigned` has not arrived yet is not counted anywhere.
    """
    assigned = on_time = late = overdue_open = 0
    for task in tasks:
        if task.assigned_at is None or task.assigned_at >= end:
            continue
        completed_at = task.completed_at
        if completed_at is not None and completed_at < start:
            continue
        assigned += 1
        if completed_at is not None and completed_at < at:
            if task.timeliness == "on_time":
                on_time += 1
            else:
                late += 1
            continue
        notice_in_force = (task.overdue_detected_at is not None and task.overdue_detected_at <= at
                           and (task.overdue_cleared_at is None or task.overdue_cleared_at > at))
        if notice_in_force or (task.due_at is not None and task.due_at < at):
            overdue_open += 1
    rate = (Decimal(on_time) / Decimal(assigned)).quantize(_RATE_QUANTUM, ROUND_HALF_UP) if assigned else None
    return TaskFigures(assigned, on_time, late, overdue_open, rate)


@dataclass(frozen=True)
class FigureRule:
    """One version of a published counting rule that gives figures but no points, chosen by period."""

    id: str
    version: str
    effective_from: date
    expression: str
    vi: str
    en: str

    def as_dict(self) -> dict:
        return {"id": self.id, "version": self.version, "effective_from": self.effective_from.isoformat(),
                "expression": self.expression, "vi": self.vi, "en": self.en}


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
           "không bị tính là trễ. Chỉ tiêu nhiệm vụ chưa được tính vào điểm xếp hạng.",
        en="Completion rate = (tasks completed on time in the period) ÷ (tasks in the period). Only tasks the "
           "unit leads count. A task is in the period if it was assigned before the period ended and not "
           "completed before it began; completions on time and late count in the month they happened. Overdue "
           "open: not completed at the end of the period (or now, while it runs) and reported overdue or past "
           "the deadline in force; an approved extension replaces the old deadline and is not late. Task "
           "figures do not enter the ranking's score yet.",
    ),
)


def task_rule_for(period: Period) -> FigureRule:
    """The rule in force on the period's first day (the earliest one for older periods)."""
    first_day = date(period.year, period.month, 1)
    chosen = TASK_FIGURE_RULES[0]
    for rule in TASK_FIGURE_RULES:
        if rule.effective_from <= first_day:
            chosen = rule
    return chosen


# --------------------------------------------------------------------------- ranking



@dataclass(frozen=True)
class UnitTally:
    unit: str
    name: str | None
    tally: Tally


@dataclass(frozen=True)
class RankedUnit:
    unit: str
    name: str | None
    rank: int
    progress: Progress

    @property
    def score(self) -> Decimal:
        return self.progress.score


@dataclass(frozen=True)
class Ranking:
    ranked: list[RankedUnit]
    not_ranked: list[str] = field(default_factory=list)  # units in the period with nothing received


def rank_units(entries: Iterable[UnitTally], formula: Formula = PROGRESS_FORMULAS[-1]) -> Ranking:
    """Units by score, best first. Equal scores share a rank (1, 2, 2, 4) and are listed by Vietnamese
    name; a unit that received nothing has no score and is left out."""
    scored = []
    not_ranked = []
    for entry in entries:
        result = progress(entry.tally, formula)
        if result.score is None:
            not_ranked.append(entry.unit)
            continue
        scored.append((entry, result))
    scored.sort(key=lambda pair: (-pair[1].score, vietnamese_sort_key(pair[0].name or pair[0].unit),
                                  pair[0].unit))
    ranked = []
    previous_score = None
    rank = 0
    for position, (entry, result) in enumerate(scored, start=1):
        if result.score != previous_score:
            rank, previous_score = position, result.score
        ranked.append(RankedUnit(unit=entry.unit, name=entry.name, rank=rank, progress=result))
    return Ranking(ranked=ranked, not_ranked=sorted(not_ranked))


@dataclass(frozen=True)
class RankingChange:
    """How a freshly computed ranking differs from the stored one."""

    changed: list[dict]  # RankingEntry of the event catalog: unit, rank, previous_rank, score
    dropped: list[str]  # units ranked before and no longer

    def __bool__(self) -> bool:
        return bool(self.changed or self.dropped)


def ranking_change(stored: Mapping[str, tuple[int, Decimal]], ranking: Ranking) -> RankingChange:
    """Units whose rank or score differ from `stored` ({unit: (rank, score)}), new units included."""
    changed = []
    for entry in ranking.ranked:
        before = stored.get(entry.unit)
        if before is None or before[0] != entry.rank or Decimal(before[1]) != entry.score:
            changed.append({"unit": entry.unit, "rank": entry.rank,
                            "previous_rank": before[0] if before else None, "score": float(entry.score)})
    ranked_now = {entry.unit for entry in ranking.ranked}
    return RankingChange(changed=changed, dropped=sorted(set(stored) - ranked_now))


# --------------------------------------------------------------------------- what users are told


@dataclass(frozen=True)
class Caveat:
    code: str
    vi: str
    en: str

    def as_dict(self) -> dict:
        return {"code": self.code, "vi": self.vi, "en": self.en}


_SUPPLEMENT_NOT_EXCLUDED = Caveat(
    "supplement_time_not_excluded",
    "Thời gian chờ công dân bổ sung hồ sơ chưa được trừ khỏi thời hạn giải quyết.",
    "Time waiting for the citizen's supplement is not yet excluded.")
_PROGRESS_GROUP_ONLY = Caveat(
    "progress_group_only",
    "Chỉ tính nhóm Tiến độ giải quyết (20/100 điểm) của Bộ chỉ số 766; các nhóm khác chưa đo.",
    "Only the progress group (20 of 100 points) of the 766 index is computed; the other groups are not measured.")
_OPEN_WITHIN_UNTIL_REPORTED = Caveat(
    "open_within_until_overdue_reported",
    "Hồ sơ đang giải quyết được tính là còn hạn cho đến khi hệ thống hồ sơ báo quá hạn (thường trong vài phút "
    "sau thời điểm hẹn trả).",
    "An open dossier counts as within its deadline until the dossiers service reports it overdue (usually "
    "within minutes of its due time).")


def ranking_caveats(not_ranked: int) -> list[Caveat]:
    return [
        _SUPPLEMENT_NOT_EXCLUDED,
        Caveat("units_without_dossiers_not_ranked",
               f"Đơn vị không có hồ sơ trong kỳ không được xếp hạng ({not_ranked} đơn vị).",
               f"Units with no dossiers in the period are not ranked ({not_ranked} units)."),
        _OPEN_WITHIN_UNTIL_REPORTED,
        _PROGRESS_GROUP_ONLY,
    ]


def scorecard_caveats() -> list[Caveat]:
    # The scorecard judges each dossier against its due time itself, so it needs no overdue report.
    return [_SUPPLEMENT_NOT_EXCLUDED, _PROGRESS_GROUP_ONLY]


# --------------------------------------------------------------------------- satisfaction

SATISFACTION_TEXT = {
    "vi": "Mức độ hài lòng: số lượt đánh giá trong tháng, điểm trung bình (1 rất không hài lòng … 5 rất hài lòng) "
          "và tỉ lệ đánh giá hài lòng hoặc rất hài lòng (4–5). Chưa tính vào điểm xếp hạng.",
    "en": "Satisfaction: ratings given in the month, their average (1 very dissatisfied … 5 very satisfied) and "
          "the share rated satisfied or very satisfied (4–5). Not yet part of the ranking score.",
}


def satisfaction(overall_scores: Sequence[int]) -> dict:
    """Figures of a unit's ratings in a period; average and share are None without ratings."""
    count = len(overall_scores)
    if not count:
        return {"ratings": 0, "average": None, "satisfied_share": None, "formula": SATISFACTION_TEXT}
    return {
        "ratings": count,
        "average": round(sum(overall_scores) / count, 2),
        "satisfied_share": round(sum(1 for s in overall_scores if s >= 4) / count, 4),
        "formula": SATISFACTION_TEXT,
    }
