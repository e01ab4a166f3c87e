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
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from shared.errors import InvalidInput
from shared.vietnamese import sort_key as vietnamese_sort_key

# --------------------------------------------------------------------------- periods

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")
_RANGE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
PERIOD_FORMATS = "YYYY-MM (tháng), YYYY-Qn (quý), YYYY (năm) or YYYY-MM-DD..YYYY-MM-DD (khoảng ngày)"


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in local time, written `YYYY-MM`: the grain of the stored counters."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH_RE.match(text or "")
        if not match:
            raise ValueError(f"{text!r} is not a month written YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, instant: datetime, tz: tzinfo) -> Month:
        local = instant.astimezone(tz)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def start(self, tz: tzinfo) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=tz)

    def end(self, tz: tzinfo) -> datetime:
        """The first instant after the period (exclusive end)."""
        return self.next().start(tz)

    def through(self, last: Month) -> list[Month]:
        """This month and every one after it up to `last` (empty if `last` is earlier)."""
        months = []
        current = self
        while current <= last:
            months.append(current)
            current = current.next()
        return months

    def as_period(self) -> Period:
        return Period("month", self.first, self.next().first - timedelta(days=1))

    def enclosing(self) -> list[Period]:
        """The month, its quarter and its year: the periods whose rankings a change in the month moves."""
        quarter = (self.month - 1) // 3
        return [self.as_period(),
                Period("quarter", date(self.year, 3 * quarter + 1, 1),
                       Month(self.year, 3 * quarter + 3).next().first - timedelta(days=1)),
                Period("year", date(self.year, 1, 1), date(self.year, 12, 31))]


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period of whole local days, `first` to `last` inclusive: a month (`2026-11`), a
    quarter (`2026-Q4`), a year (`2026`) or any range of days (`2026-11-01..2026-11-20`)."""

    kind: str  # month | quarter | year | range
    first: date
    last: date

    @classmethod
    def parse(cls, text: str) -> Period:
        text = text or ""
        if match := _MONTH_RE.match(text):
            return Month(int(match.group(1)), int(match.group(2))).as_period()
        if match := _QUARTER_RE.match(text):
            return Month(int(match.group(1)), 3 * int(match.group(2))).enclosing()[1]
        if match := _YEAR_RE.match(text):
            return Month(int(match.group(1)), 1).enclosing()[2]
        if match := _RANGE_RE.match(text):
            try:
                first, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
            except ValueError:
                raise ValueError(f"{text!r} names a day that does not exist") from None
            if last < first:
                raise ValueError(f"{text!r} ends before it starts")
            return cls("range", first, last)
        raise ValueError(f"{text!r} is not a period written {PERIOD_FORMATS}")

    @classmethod
    def of(cls, instant: datetime, tz: tzinfo) -> Period:
        """The month an instant falls in, in local time."""
        return Month.of(instant, tz).as_period()

    def __str__(self) -> str:
        if self.kind == "month":
            return f"{self.first.year:04d}-{self.first.month:02d}"
        if self.kind == "quarter":
            return f"{self.first.year:04d}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "year":
            return f"{self.first.year:04d}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def month_aligned(self) -> bool:
        """Whole months: the stored per-month counters give its tally without reading dossiers."""
        return self.first.day == 1 and (self.last + timedelta(days=1)).day == 1

    def months(self) -> list[Month]:
        return Month(self.first.year, self.first.month).through(Month(self.last.year, self.last.month))

    def start(self, tz: tzinfo) -> datetime:
        return datetime(self.first.year, self.first.month, self.first.day, tzinfo=tz)

    def end(self, tz: tzinfo) -> datetime:
        """The first instant after the period (exclusive end): midnight after its last day."""
        after = self.last + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=tz)

    def previous(self) -> Period:
        """The period of the same kind just before (a range: as many days just before)."""
        if self.kind == "range":
            days = (self.last - self.first).days + 1
            return Period("range", self.first - timedelta(days=days), self.first - timedelta(days=1))
        before = self.first - timedelta(days=1)
        month = Month(before.year, before.month)
        return {"month": month.as_period(), "quarter": month.enclosing()[1], "year": month.enclosing()[2]}[self.kind]


def requested_period(text: str | None, now: datetime, tz: tzinfo) -> Period:
    """The period a reader asked for: the current month when none is given, never one that has not started."""
    current = Period.of(now, tz)
    if text is None or text == "":
        return current
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise InvalidInput(
            f"period {text!r} is not a month (write it as YYYY-MM, e.g. {current}), a quarter (2026-Q4), "
            f"a year (2026) or a range of days (2026-11-01..2026-11-20)",
            {"period": [f"{exc}; expected {PERIOD_FORMATS}; kỳ báo cáo không hợp lệ"]},
        ) from None
    if period.first > now.astimezone(tz).date():
        raise InvalidInput(
            f"period {period} has not started yet; the latest month is {current}",
            {"period": [f"must not start after today ({now.astimezone(tz).date().isoformat()}); "
                        "kỳ báo cáo chưa bắt đầu"]},
        )
    return period


def as_of(period: Period | Month, now: datetime, tz: tzinfo) -> datetime:
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


def formula_for(period: Period | Month) -> Formula:
    """The formula in force on the period's first day (the earliest one for older periods)."""
    first_day = period.first
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


def progress_score(tally: Tally, formula: Formula = PROGRESS_FORMULAS[-1]) -> Decimal | None:
    """`progress(tally, formula).score` alone, by the same operations: what ranking the previous period needs."""
    received = tally.received
    if not received:
        return None
    return (formula.max_points * (Decimal(tally.on_time) / Decimal(received))).quantize(_SCORE_QUANTUM, ROUND_HALF_UP)


# --------------------------------------------------------------------------- dossier facts


@dataclass(frozen=True)
class Receipt:
    """What `dossier.received` said."""

    event_at: datetime
    unit: str
    received_at: datetime
    due_at: datetime | None
    handler: str | None = None


@dataclass(frozen=True)
class Completion:
    """What `dossier.completed` said, with who is answerable when it is late."""

    event_at: datetime
    unit: str
    received_at: datetime
    due_at: datetime
    completed_at: datetime
    timeliness: str
    late_reason: str | None = None
    supplements: int = 0
    paused_days: str | None = None
    returned_for_fault: int = 0
    responsible_step: str | None = None
    responsible_official: str | None = None
    responsible_unit: str | None = None


@dataclass(frozen=True)
class OverdueNotice:
    """What `dossier.overdue` said: the step and official holding the dossier at its deadline."""

    event_at: datetime
    unit: str
    received_at: datetime
    due_at: datetime
    detected_at: datetime
    step: str | None = None
    official: str | None = None


@dataclass(frozen=True)
class MarkedLate:
    """What `dossier.marked_late` said: late whatever the dates (a second supplement request)."""

    event_at: datetime
    unit: str
    marked_at: datetime
    reason: str


@dataclass(frozen=True)
class DeadlineMove:
    """The newest due instant told by `dossier.deadline_changed`, `dossier.apology_issued` or
    `dossier.supplement_received` (the due instant after the pause)."""

    event_at: datetime
    unit: str
    due_at: datetime


@dataclass(frozen=True)
class SupplementPause:
    """The newest `dossier.supplement_requested`: the clock stands still from `paused_at`."""

    event_at: datetime
    unit: str
    paused_at: datetime
    request_number: int


@dataclass(frozen=True)
class SupplementResume:
    """The newest `dossier.supplement_received`: the clock runs again from `resumed_at`."""

    event_at: datetime
    unit: str
    resumed_at: datetime


Slot = Receipt | Completion | OverdueNotice | MarkedLate | DeadlineMove | SupplementPause | SupplementResume
DOSSIER_SLOTS: dict[str, type] = {"receipt": Receipt, "completion": Completion, "overdue": OverdueNotice,
                                  "marked_late": MarkedLate, "deadline": DeadlineMove, "pause": SupplementPause,
                                  "resume": SupplementResume}
_SLOT_NAMES = {slot_type: name for name, slot_type in DOSSIER_SLOTS.items()}
# Events that change where a dossier stands (the others only add facts for the drill-down).
DOSSIER_STANDING_EVENTS = ("dossier.received", "dossier.completed", "dossier.overdue", "dossier.marked_late",
                           "dossier.deadline_changed", "dossier.apology_issued", "dossier.supplement_requested",
                           "dossier.supplement_received")


def _instant(value: str | datetime, name: str) -> datetime:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} {value!r} is not an ISO 8601 instant", {name: ["not an instant"]}) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} {value!r} has no timezone offset", {name: ["needs a timezone offset"]})
    return moment


def _text(value) -> str | None:
    return None if value is None else str(value)


def slot_from_event(event_type: str, data: Mapping, event_at: datetime) -> Slot:
    """The part of a dossier fact one event tells (ISO strings in `data` parsed). Raises InvalidInput for
    an event that can never be applied."""
    event_at = _instant(event_at, "time")
    unit = data["unit"]
    if event_type == "dossier.marked_late":
        return MarkedLate(event_at, unit, _instant(data["at"], "at"), data["reason"])
    if event_type in ("dossier.deadline_changed", "dossier.apology_issued"):
        return DeadlineMove(event_at, unit, _instant(data["due_at"], "due_at"))
    if event_type == "dossier.supplement_requested":
        return SupplementPause(event_at, unit, _instant(data["at"], "at"), int(data["request_number"]))
    due = data.get("due_at")
    common = dict(event_at=event_at, unit=unit, received_at=_instant(data["received_at"], "received_at"))
    if event_type == "dossier.received":
        return Receipt(**common, due_at=_instant(due, "due_at") if due else None, handler=data.get("handler"))
    if event_type == "dossier.completed":
        return Completion(**common, due_at=_instant(due, "due_at"),
                          completed_at=_instant(data["completed_at"], "completed_at"), timeliness=data["timeliness"],
                          late_reason=data.get("late_reason"), supplements=int(data.get("supplements") or 0),
                          paused_days=_text(data.get("paused_days")),
                          returned_for_fault=int(data.get("returned_for_fault") or 0),
                          responsible_step=data.get("responsible_step"),
                          responsible_official=data.get("responsible_official"),
                          responsible_unit=data.get("responsible_unit"))
    if event_type == "dossier.overdue":
        return OverdueNotice(**common, due_at=_instant(due, "due_at"),
                             detected_at=_instant(data["detected_at"], "detected_at"), step=data.get("step"),
                             official=data.get("official"))
    raise ValueError(f"{event_type} says nothing about a dossier's timeliness")


def slots_from_event(event_type: str, data: Mapping, event_at: datetime) -> list[Slot]:
    """Every slot one event fills: `dossier.supplement_received` both resumes the clock and moves the due
    instant; the others fill one."""
    if event_type == "dossier.supplement_received":
        event_at = _instant(event_at, "time")
        return [SupplementResume(event_at, data["unit"], _instant(data["at"], "at")),
                DeadlineMove(event_at, data["unit"], _instant(data["due_at"], "due_at"))]
    return [slot_from_event(event_type, data, event_at)]


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
    marked_late: MarkedLate | None = None
    deadline: DeadlineMove | None = None
    pause: SupplementPause | None = None
    resume: SupplementResume | None = None

    def merged(self, slot: Slot) -> DossierFact:
        name = _SLOT_NAMES[type(slot)]
        current = getattr(self, name)
        if current is not None and _arrival_independent_key(current) >= _arrival_independent_key(slot):
            return self
        return replace(self, **{name: slot})

    @property
    def unit(self) -> str | None:
        # The handling unit (completion, then receipt); the unit at fault named by an overdue notice
        # only until the dossier's own events arrive; the others name the handling unit too.
        for slot in (self.completion, self.receipt, self.overdue, self.marked_late, self.deadline, self.pause,
                     self.resume):
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
        told = [s for s in (self.receipt, self.overdue, self.deadline) if s is not None and s.due_at is not None]
        if len(told) == 1:  # most dossiers: no need to compare (a rebuild asks this of every dossier)
            return told[0].due_at
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
    def paused_since(self) -> datetime | None:
        """When the clock stopped for the citizen's supplement, while it still stands."""
        if self.pause is None or (self.resume is not None and self.resume.resumed_at >= self.pause.paused_at):
            return None
        return self.pause.paused_at

    @property
    def overdue_known(self) -> bool:
        """Known to be late: an overdue notice, a late completion, or marked late (second supplement)."""
        return self.overdue is not None or self.timeliness == "late" or self.marked_late is not None

    @property
    def overdue_since(self) -> datetime | None:
        """Since when it is known to be late: the deadline it passed, or when it was marked late."""
        known = []
        if self.completion is not None and (self.timeliness == "late" or self.overdue is not None):
            known.append(self.completion.due_at)
        elif self.overdue is not None:
            # The deadline the notice was about, not a later one an apology set.
            known.append(self.overdue.due_at)
        if self.marked_late is not None:
            known.append(self.marked_late.marked_at)
        known = [moment for moment in known if moment is not None]
        return min(known) if known else None

    def slots(self) -> dict[str, Slot | None]:
        return {name: getattr(self, name) for name in DOSSIER_SLOTS}

    def view(self) -> DossierView:
        return DossierView(self.received_at, self.due_at, self.completed_at, self.timeliness,
                           self.overdue_detected_at, self.paused_since,
                           self.marked_late.marked_at if self.marked_late else None)


_WITHIN, _OVERDUE = Tally(open_within=1), Tally(open_overdue=1)


def month_changes(fact: DossierFact, tz: tzinfo) -> dict[tuple[str, Month], Tally]:
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
    first = Month.of(received_at, tz)
    # A completion stamped before its receipt is bad data; count it in the month of receipt.
    last = max(first, Month.of(fact.completion.completed_at, tz)) if fact.completion else None
    since = fact.overdue_since
    overdue_from = max(first, Month.of(since, tz)) if since is not None else None
    changes: dict[Month, Tally] = {}

    def add(period: Month, tally: Tally) -> None:
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


def tally_changes(before: DossierFact, after: DossierFact, tz: tzinfo) -> dict[tuple[str, Month], Tally]:
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


def months_to_rerank(changes: Iterable[tuple[tuple[str, Month], Tally]], current: Month) -> list[Month]:
    """Months whose ranking the changes can move, up to the current month: a completion moves its own
    month; a change of open standing moves its month and every later one (the dossier is open, or no
    longer open, at the end of each of them)."""
    months: set[Month] = set()
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
    paused_since: datetime | None = None  # waiting for the citizen's supplement since then
    marked_late_at: datetime | None = None  # counted late whatever the dates (second supplement)


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
    due, detected, marked = dossier.due_at, dossier.overdue_detected_at, dossier.marked_late_at
    if (detected is not None and detected <= at) or (marked is not None and marked <= at):
        return Tally(open_overdue=1)
    if dossier.paused_since is not None and dossier.paused_since <= at:
        # Time waiting for the citizen is not the unit's: the deadline stands still until the supplement.
        return Tally(open_within=1)
    if due is not None and due < at:
        return Tally(open_overdue=1)
    return Tally(open_within=1)


# --------------------------------------------------------------------------- task facts and figures
#
# Tasks are counted for their lead unit only. A scorecard judges them exactly at request time from the
# per-task facts; the composite ranking reads per-month counters (task_month_changes), which give the same
# figures. They are a component of the composite score, not of the 766 progress score.


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
    rate = (Decimal(on_time) / Decimal(assigned)).quantize(_RATE_QUANTUM, ROUND_HALF_UP) if assigned else None
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
    first_day = period.first
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
    sort_key: str | None = None  # the stored Vietnamese key of the name (unit_sort_key), if known
    kind: str | None = None


def unit_sort_key(unit: str, name: str | None) -> str:
    """The order of units with equal scores: Vietnamese dictionary order of the name (the code if none)."""
    return vietnamese_sort_key(name or unit)


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
    scored.sort(key=lambda pair: (-pair[1].score, pair[0].sort_key or unit_sort_key(pair[0].unit, pair[0].name),
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
    "supplement_time_excluded_as_reported",
    "Thời gian chờ công dân bổ sung hồ sơ được trừ khi hệ thống hồ sơ báo yêu cầu và nhận bổ sung; hồ sơ từ hệ "
    "thống ngoài không báo việc bổ sung thì chưa được trừ. Yêu cầu bổ sung lần thứ hai tính là trễ hạn.",
    "Time waiting for the citizen's supplement is excluded when the dossiers service reports the request and "
    "the supplement; dossiers from external systems that do not report it are not adjusted. A second "
    "supplement request counts as late.")
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
          "và tỉ lệ đánh giá hài lòng hoặc rất hài lòng (4–5). Là một thành phần của điểm tổng hợp, không tính vào "
          "điểm tiến độ theo Bộ chỉ số 766.",
    "en": "Satisfaction: ratings given in the month, their average (1 very dissatisfied … 5 very satisfied) and "
          "the share rated satisfied or very satisfied (4–5). A component of the composite score, not of the 766 "
          "progress score.",
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


# --------------------------------------------------------------------------- composite score and bands
#
# The weights, the bands and the texts live in scoring.json (date-effective versions); the service reads
# the file and hands the parsed rules in, so these functions stay pure.

COMPONENT_KEYS = ("progress", "dossier_satisfaction", "citizen_satisfaction", "tasks", "feedback", "discipline")
_PERCENT_QUANTUM = Decimal("0.01")
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Component:
    key: str
    weight: Decimal
    when_no_data: str  # not_measured: left out and the other weights count more | full_marks: 100
    vi: str
    en: str


@dataclass(frozen=True)
class Band:
    code: str
    min: Decimal
    vi: str
    en: str

    def as_dict(self) -> dict:
        return {"code": self.code, "min": float(self.min), "vi": self.vi, "en": self.en}


@dataclass(frozen=True)
class ScoringRules:
    """One version of the composite score: weights of its components, the bands, the 766 dossier
    satisfaction rule (points and the share that earns full marks)."""

    id: str
    version: str
    effective_from: date
    components: tuple[Component, ...]
    bands: tuple[Band, ...]  # highest minimum first
    satisfaction_points: int
    full_marks_at: Decimal
    satisfaction_vi: str
    satisfaction_en: str

    def as_dict(self) -> dict:
        total = sum(c.weight for c in self.components)
        return {
            "id": self.id, "version": self.version, "effective_from": self.effective_from.isoformat(),
            "expression": "composite = Σ weight × component ÷ Σ weight, over the components measured (0–100)",
            "vi": "Điểm tổng hợp (thang 100) = trung bình có trọng số của các thành phần đo được: "
                  + "; ".join(f"{c.vi} (trọng số {c.weight})" for c in self.components)
                  + ". Thành phần không có dữ liệu trong kỳ không được tính và trọng số còn lại được chia lại.",
            "en": "Composite score (out of 100) = weighted mean of the components measured: "
                  + "; ".join(f"{c.en} (weight {c.weight})" for c in self.components)
                  + ". A component without data in the period is left out and the other weights count more.",
            "weights": {c.key: float(c.weight / total) for c in self.components},
            "bands": [b.as_dict() for b in self.bands],
        }

    def band(self, score: Decimal) -> Band:
        for band in self.bands:
            if score >= band.min:
                return band
        return self.bands[-1]


def scoring_rules_from_document(document: Mapping) -> tuple[ScoringRules, ...]:
    """The versions of scoring.json, checked: a mistake in the file is refused with where and why."""
    versions = []
    for index, raw in enumerate(document.get("versions") or []):
        where = f"versions[{index}]"
        try:
            components = tuple(Component(c["key"], Decimal(str(c["weight"])), c.get("when_no_data", "not_measured"),
                                         c["vi"], c["en"]) for c in raw["components"])
            bands = tuple(Band(b["code"], Decimal(str(b["min"])), b["vi"], b["en"]) for b in raw["bands"])
            satisfaction = raw["dossier_satisfaction"]
            rules = ScoringRules(raw["id"], raw["version"], date.fromisoformat(raw["effective_from"]), components,
                                 bands, int(satisfaction["max_points"]), Decimal(str(satisfaction["full_marks_at"])),
                                 satisfaction["vi"], satisfaction["en"])
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise ValueError(f"scoring rules {where}: missing or malformed {exc}") from None
        unknown = [c.key for c in components if c.key not in COMPONENT_KEYS]
        if unknown:
            raise ValueError(f"scoring rules {where}: unknown components {unknown}; known: {COMPONENT_KEYS}")
        if any(c.weight <= 0 for c in components) or any(c.when_no_data not in ("not_measured", "full_marks")
                                                          for c in components):
            raise ValueError(f"scoring rules {where}: weights must be positive and when_no_data "
                             "not_measured or full_marks")
        if not bands or [b.min for b in bands] != sorted((b.min for b in bands), reverse=True) or bands[-1].min != 0:
            raise ValueError(f"scoring rules {where}: bands must go from the highest minimum down to 0")
        if not Decimal(0) < rules.full_marks_at <= 1:
            raise ValueError(f"scoring rules {where}: full_marks_at must be a share in (0, 1]")
        if versions and rules.effective_from <= versions[-1].effective_from:
            raise ValueError(f"scoring rules {where}: versions must be listed oldest first")
        versions.append(rules)
    if not versions:
        raise ValueError("scoring rules: no version")
    return tuple(versions)


def scoring_for(period: Period | Month, versions: Sequence[ScoringRules]) -> ScoringRules:
    """The version in force on the period's first day (the earliest one for older periods)."""
    chosen = versions[0]
    for rules in versions:
        if rules.effective_from <= period.first:
            chosen = rules
    return chosen


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)) if whole else None


def _percent(value: Decimal) -> Decimal:
    return (value * _HUNDRED).quantize(_PERCENT_QUANTUM, ROUND_HALF_UP)


@dataclass(frozen=True)
class UnitFigures:
    """Everything a unit's composite score is computed from, for one period."""

    tally: Tally
    complaints: int = 0  # dossiers in the period with a complaint or a dissatisfied rating (1–2)
    ratings: int = 0
    ratings_satisfied: int = 0  # rated 4 or 5
    tasks: TaskFigures = TaskFigures()
    feedback_handled: int = 0
    feedback_on_time: int = 0
    feedback_overdue: int = 0
    explanations_requested: int = 0
    explanations_missed: int = 0


def _dossier_satisfaction_shares(tally: Tally, complaints: int,
                                 rules: ScoringRules) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(overdue share, complaint share, rate, share of the points earned) for a tally with dossiers."""
    received = tally.received
    overdue_share = Decimal(tally.completed_late + tally.open_overdue) / received
    complaint_share = Decimal(min(complaints, received)) / received
    rate = max(Decimal(0), 1 - overdue_share - complaint_share)
    return overdue_share, complaint_share, rate, min(Decimal(1), rate / rules.full_marks_at)


def dossier_satisfaction(tally: Tally, complaints: int, rules: ScoringRules) -> dict | None:
    """The 766 dossier-satisfaction indicator: 100% − share overdue − share with complaints; full marks
    from `full_marks_at`. None when nothing was received."""
    received = tally.received
    if not received:
        return None
    overdue_share, complaint_share, rate, earned = _dossier_satisfaction_shares(tally, complaints, rules)
    return {
        "rate": rate.quantize(_RATE_QUANTUM, ROUND_HALF_UP),
        "overdue_share": overdue_share.quantize(_RATE_QUANTUM, ROUND_HALF_UP),
        "complaint_share": complaint_share.quantize(_RATE_QUANTUM, ROUND_HALF_UP),
        "complaints": complaints,
        "score": (rules.satisfaction_points * earned).quantize(_SCORE_QUANTUM, ROUND_HALF_UP),
        "max_points": rules.satisfaction_points,
        "earned_share": earned,
        "formula": {"expression": f"rate = 1 − overdue_share − complaint_share; score = {rules.satisfaction_points}"
                                  f" × min(1, rate ÷ {rules.full_marks_at})",
                    "vi": rules.satisfaction_vi, "en": rules.satisfaction_en},
    }


def component_values(figures: UnitFigures, rules: ScoringRules) -> dict[str, Decimal | None]:
    """Each component on a scale of 0–100; None when the unit has no data for it in the period."""
    tally, tasks = figures.tally, figures.tasks
    return dict(zip(COMPONENT_KEYS, component_percents(
        tally.received, tally.on_time, tally.completed_late + tally.open_overdue, figures.complaints,
        figures.ratings, figures.ratings_satisfied, tasks.assigned, tasks.completed_late + tasks.overdue_open,
        figures.feedback_handled + figures.feedback_overdue, figures.feedback_on_time,
        figures.explanations_requested, figures.explanations_missed, rules.full_marks_at), strict=True))


def component_percents(received: int, on_time: int, behind: int, complaints: int, ratings: int, satisfied: int,
                       tasks: int, tasks_behind: int, feedback_due: int, feedback_on_time: int,
                       explanations_requested: int, explanations_missed: int,
                       full_marks_at: Decimal) -> tuple[Decimal | None, ...]:
    """The components in COMPONENT_KEYS order (0–100, None without data), from plain counts: `behind`
    dossiers finished late or open past the deadline, `tasks_behind` likewise, `feedback_due` the feedback
    steps handled or overdue. Written out without intermediate objects: a composite ranking computes it
    for every unit of two periods on each request."""
    hundred, quantum = _HUNDRED, _PERCENT_QUANTUM
    progress_value = earned = rated = on_track = handled = explained = None
    if received:
        progress_value = (Decimal(on_time) / Decimal(received) * hundred).quantize(quantum, ROUND_HALF_UP)
        # The dossier satisfaction's share of points earned (_dossier_satisfaction_shares), operation by operation.
        rate = max(Decimal(0), 1 - Decimal(behind) / received - Decimal(min(complaints, received)) / received)
        earned = (min(Decimal(1), rate / full_marks_at) * hundred).quantize(quantum, ROUND_HALF_UP)
    if ratings:
        rated = (Decimal(satisfied) / Decimal(ratings) * hundred).quantize(quantum, ROUND_HALF_UP)
    if tasks:
        on_track = (Decimal(tasks - tasks_behind) / Decimal(tasks) * hundred).quantize(quantum, ROUND_HALF_UP)
    if feedback_due:
        handled = (Decimal(feedback_on_time) / Decimal(feedback_due) * hundred).quantize(quantum, ROUND_HALF_UP)
    if explanations_requested:
        explained = ((1 - Decimal(min(explanations_missed, explanations_requested)) / explanations_requested)
                     * hundred).quantize(quantum, ROUND_HALF_UP)
    return progress_value, earned, rated, on_track, handled, explained


@dataclass(frozen=True)
class Composite:
    score: Decimal | None  # None: no component with data of its own (nothing to judge the unit on)
    band: Band | None
    components: list[dict]
    not_measured: list[str]


def composite(figures: UnitFigures, rules: ScoringRules, explain: bool = True) -> Composite:
    """The composite score and band; with `explain` also every component's value, weight and texts (a
    ranking, which shows only the score, leaves them out)."""
    values = component_values(figures, rules)
    weighted = weights = Decimal(0)
    measured_any = False
    parts, not_measured = [], []
    for component in rules.components:
        value = values[component.key]
        if value is not None:
            measured_any = True
        elif component.when_no_data == "full_marks":
            value = _HUNDRED
        if explain:
            parts.append({"key": component.key, "value": value, "weight": component.weight,
                          "measured": values[component.key] is not None, "vi": component.vi, "en": component.en})
        if value is None:
            not_measured.append(component.key)
            continue
        weighted += component.weight * value
        weights += component.weight
    if not measured_any:
        return Composite(None, None, parts, not_measured)
    score = (weighted / weights).quantize(_SCORE_QUANTUM, ROUND_HALF_UP)
    return Composite(score, rules.band(score), parts, not_measured)


def weighing(rules: ScoringRules) -> tuple[tuple[int, Decimal, bool], ...]:
    """(place in COMPONENT_KEYS, weight, full marks without data) of each component, in the rules' order:
    what `composite_score` needs of the rules, worked out once per ranking."""
    return tuple((COMPONENT_KEYS.index(c.key), c.weight, c.when_no_data == "full_marks") for c in rules.components)


def composite_score(values: Sequence[Decimal | None],
                    weights_of: Sequence[tuple[int, Decimal, bool]]) -> Decimal | None:
    """`composite(...).score` from `component_percents` and `weighing(rules)`, without explaining it: what a
    ranking shows. The same operations in the same order as `composite`, so the same score to the last digit."""
    weighted = weights = Decimal(0)
    measured_any = False
    for place, weight, full_marks in weights_of:
        value = values[place]
        if value is not None:
            measured_any = True
        elif full_marks:
            value = _HUNDRED
        else:
            continue
        weighted += weight * value
        weights += weight
    if not measured_any:
        return None
    return (weighted / weights).quantize(_SCORE_QUANTUM, ROUND_HALF_UP)


def composite_caveats(not_measured: Sequence[str], rules: ScoringRules) -> list[Caveat]:
    """What the composite does not account for: the components without data, and the 766 groups."""
    names = {c.key: (c.vi, c.en) for c in rules.components}
    caveats = [_PROGRESS_GROUP_ONLY]
    if not_measured:
        caveats.append(Caveat(
            "components_not_measured",
            "Thành phần chưa có dữ liệu trong kỳ, không tính vào điểm tổng hợp: "
            + "; ".join(names[key][0] for key in not_measured),
            "Components without data in the period, left out of the composite: "
            + "; ".join(names[key][1] for key in not_measured)))
    return caveats


def rank_by(entries: Iterable[tuple[str, str | None, Decimal | None]],
            sort_keys: Mapping[str, str | None] | None = None) -> tuple[list[tuple[str, int]], list[str]]:
    """Rank (unit, name, score) by score, best first: equal scores share a rank and are listed by
    Vietnamese name (`sort_keys`: the stored keys by unit, computed for units without one); a unit
    without a score is left out. Returns [(unit, rank)] and the units left out."""
    sort_keys = sort_keys or {}
    scored = [(unit, name, score) for unit, name, score in entries if score is not None]
    left_out = sorted(unit for unit, _, score in entries if score is None) if isinstance(entries, list) else []
    scored.sort(key=lambda e: (-e[2], sort_keys.get(e[0]) or unit_sort_key(e[0], e[1]), e[0]))
    ranks, previous, rank = [], None, 0
    for position, (unit, _, score) in enumerate(scored, start=1):
        if score != previous:
            rank, previous = position, score
        ranks.append((unit, rank))
    return ranks, left_out


# --------------------------------------------------------------------------- occurrences
#
# Every other event reporting counts or shows in a drill-down becomes one occurrence: something that
# happened to a dossier, a piece of feedback, an explanation or a sanction, for a unit, at an instant.
# Its natural key (kind, subject, key) makes a producer's retry with a new event id count once.


@dataclass(frozen=True)
class Occurrence:
    kind: str  # the event type
    subject: str  # dossier code, feedback tracking code, explanation code, proposal code …
    key: str  # tells apart several occurrences of one kind for one subject ('' when there is one)
    unit: str | None
    at: datetime
    official: str | None = None
    step: str | None = None
    on_time: bool | None = None
    related: str | None = None  # the dossier (or task, feedback) an explanation or a complaint is about
    detail: dict = field(default_factory=dict)


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def occurrence_from_event(event_type: str, data: Mapping, event_at: datetime) -> Occurrence:
    """The occurrence an event is counted as (ISO strings in `data` parsed); ValueError for a type that is
    not one. Raises InvalidInput for an instant that can never be read."""
    get = data.get
    if event_type == "dossier.handed_over":
        moment = _instant(data["at"], "at")
        return Occurrence(event_type, data["code"], f"{_iso(moment.astimezone(UTC))}|{get('from_step') or ''}",
                          get("to_unit") or data["unit"], moment, official=get("from_official"),
                          step=get("from_step"), on_time=get("step_on_time"),
                          detail={k: _text(get(k)) for k in ("to_step", "to_official", "to_unit", "step_budget_days",
                                                             "step_used_days")})
    if event_type == "dossier.supplement_requested":
        return Occurrence(event_type, data["code"], str(data["request_number"]), data["unit"],
                          _instant(data["at"], "at"), official=get("official"),
                          detail={"request_number": data["request_number"],
                                  "counts_as_late": bool(data["counts_as_late"]), "reasons": list(data["reasons"])})
    if event_type == "dossier.supplement_received":
        moment = _instant(data["at"], "at")
        return Occurrence(event_type, data["code"], _iso(moment.astimezone(UTC)), data["unit"], moment,
                          detail={"paused_days": _text(data["paused_days"]), "due_at": _text(data["due_at"])})
    if event_type == "dossier.marked_late":
        return Occurrence(event_type, data["code"], data["reason"], data["unit"], _instant(data["at"], "at"),
                          official=get("official"), detail={"reason": data["reason"]})
    if event_type == "dossier.deadline_changed":
        due = _instant(data["due_at"], "due_at")
        return Occurrence(event_type, data["code"], _iso(due.astimezone(UTC)), data["unit"], event_at,
                          detail={"reason": data["reason"], "previous_due_at": _text(data["previous_due_at"]),
                                  "due_at": _text(data["due_at"])})
    if event_type == "dossier.apology_issued":
        return Occurrence(event_type, data["code"], "", data["unit"], _instant(data["issued_at"], "issued_at"),
                          official=get("official"), step=get("step"),
                          detail={"reason": data["reason"], "previous_due_at": _text(data["previous_due_at"]),
                                  "due_at": _text(data["due_at"])})
    if event_type in ("dossier.returned", "dossier.refused", "dossier.withdrawn", "dossier.stopped"):
        return Occurrence(event_type, data["code"], "", data["unit"], _instant(data["at"], "at"),
                          official=get("official"), detail={"reason": get("reason")})
    if event_type == "dossier.sent_back":
        moment = _instant(data["at"], "at")
        return Occurrence(event_type, data["code"], _iso(moment.astimezone(UTC)), data["unit"], moment,
                          official=get("official"), on_time=not data["officials_fault"],
                          detail={"reason": data["reason"], "officials_fault": bool(data["officials_fault"]),
                                  "times_for_fault": data["times_for_fault"]})
    if event_type == "explanation.requested":
        return Occurrence(event_type, data["code"], "", data["unit"], event_at, official=data["official"],
                          related=data["subject"],
                          detail={"subject_type": data["subject_type"], "role": data["role"],
                                  "due_at": _text(data["due_at"]), "reason": data["reason"]})
    if event_type == "explanation.submitted":
        submitted, due = _instant(data["submitted_at"], "submitted_at"), _instant(data["due_at"], "due_at")
        return Occurrence(event_type, data["code"], "", data["unit"], submitted, official=data["official"],
                          on_time=submitted <= due, related=data["subject"],
                          detail={"subject_type": data["subject_type"]})
    if event_type == "explanation.missed":
        return Occurrence(event_type, data["code"], "", data["unit"], _instant(data["detected_at"], "detected_at"),
                          official=data["official"], on_time=False, related=data["subject"],
                          detail={"subject_type": data["subject_type"], "due_at": _text(data["due_at"])})
    if event_type in ("explanation.accepted", "explanation.rejected"):
        return Occurrence(event_type, data["code"], "", data["unit"], _instant(data["judged_at"], "judged_at"),
                          official=data["official"], detail={"reason": data["reason"], "judged_by": data["judged_by"]})
    if event_type == "violation.recorded":
        return Occurrence(event_type, data["code"], "", data["unit"], _instant(data["recorded_at"], "recorded_at"),
                          official=data["official"], related=data["source"],
                          detail={"kind": data["kind"], "responsibility": data["responsibility"],
                                  "source_type": data["source_type"], "fact_date": _text(data["fact_date"])})
    if event_type == "sanction.proposed":
        return Occurrence(event_type, data["code"], "", data["unit"], event_at, official=data["official"],
                          detail={"rule": data["rule"], "rule_set": data["rule_set"], "form": data["form"]})
    if event_type == "sanction.decided":
        return Occurrence(event_type, data["code"], "", data["unit"], _instant(data["decided_at"], "decided_at"),
                          official=data["official"], related=data["proposal"],
                          detail={"form": data["form"], "rule_set": data["rule_set"],
                                  "in_force_until": _text(data["in_force_until"])})
    if event_type == "sanction.dropped":
        return Occurrence(event_type, data["proposal"], "", data["unit"], _instant(data["at"], "at"),
                          official=data["official"], detail={"reason": data["reason"]})
    if event_type == "feedback.received":
        return Occurrence(event_type, data["code"], "", get("unit"), _instant(data["received_at"], "received_at"),
                          official=get("official"), related=get("dossier_code"),
                          detail={"channel": data["channel"], "category": data["category"]})
    if event_type in ("feedback.forwarded", "feedback.refused", "feedback.answered", "feedback.published"):
        moment = _instant(data["at"], "at")
        # A forward is counted for the unit that forwarded it; the other steps for the unit handling it.
        unit = get("from_unit") if event_type == "feedback.forwarded" and get("from_unit") else get("unit")
        return Occurrence(event_type, data["code"], _iso(moment.astimezone(UTC)), unit, moment,
                          on_time=bool(data["on_time"]), detail={"reason": get("reason"), "to_unit": get("unit")})
    if event_type == "feedback.overdue":
        due = _instant(data["due_at"], "due_at")
        return Occurrence(event_type, data["code"], f"{data['stage']}|{_iso(due.astimezone(UTC))}", get("unit"),
                          _instant(data["detected_at"], "detected_at"), official=get("official"), step=data["stage"],
                          on_time=False, detail={"due_at": _text(data["due_at"])})
    if event_type == "task.progress_reported":
        # Counted for the task's lead unit (the Monday list is by lead unit); a co-operating unit may report.
        moment = _instant(data["reported_at"], "reported_at")
        return Occurrence(event_type, data["code"], f"{data['unit']}|{_iso(moment.astimezone(UTC))}",
                          data["lead_unit"], moment, detail={"percent": data["percent"], "reported_by": data["unit"]})
    raise ValueError(f"{event_type} is not counted as an occurrence")


OCCURRENCE_EVENTS = (
    "dossier.handed_over", "dossier.supplement_requested", "dossier.supplement_received", "dossier.marked_late",
    "dossier.deadline_changed", "dossier.apology_issued", "dossier.returned", "dossier.refused",
    "dossier.withdrawn", "dossier.stopped", "dossier.sent_back",
    "explanation.requested", "explanation.submitted", "explanation.missed", "explanation.accepted",
    "explanation.rejected", "violation.recorded", "sanction.proposed", "sanction.decided", "sanction.dropped",
    "feedback.received", "feedback.forwarded", "feedback.refused", "feedback.answered", "feedback.published",
    "feedback.overdue", "task.progress_reported",
)
FEEDBACK_STEPS = ("feedback.forwarded", "feedback.refused", "feedback.answered", "feedback.published")


# --------------------------------------------------------------------------- figures and their drill-downs

FIGURE_TEXTS: dict[str, dict[str, str]] = {
    "received": {"vi": "Hồ sơ trong kỳ: tiếp nhận trước khi kỳ kết thúc và chưa giải quyết xong trước khi kỳ bắt đầu.",
                 "en": "Dossiers in the period: received before it ended and not finished before it began."},
    "early": {"vi": "Hồ sơ giải quyết trước hạn trong kỳ.", "en": "Dossiers finished early in the period."},
    "finished_on_time": {"vi": "Hồ sơ giải quyết đúng hạn (đúng ngày hẹn trả) trong kỳ.",
                         "en": "Dossiers finished on the due date in the period."},
    "on_time": {"vi": "Tử số của chỉ số tiến độ 766: trước hạn, đúng hạn và đang giải quyết còn hạn.",
                "en": "Numerator of the 766 progress score: early, on time, and open within the deadline."},
    "late": {"vi": "Hồ sơ giải quyết trễ hạn trong kỳ (kể cả hồ sơ yêu cầu bổ sung lần thứ hai), với bước, người "
                   "và đơn vị chịu trách nhiệm.",
             "en": "Dossiers finished late in the period (a second supplement request included), with the step, "
                   "official and unit answerable."},
    "open_within": {"vi": "Hồ sơ đang giải quyết còn hạn tại thời điểm cuối kỳ (thời gian chờ bổ sung không tính).",
                    "en": "Open dossiers within the deadline at the end of the period (time waiting for the "
                          "citizen's supplement not counted)."},
    "overdue_open": {"vi": "Hồ sơ đang giải quyết đã quá hạn tại thời điểm cuối kỳ, với bước và người đang giữ "
                           "hồ sơ khi quá hạn.",
                     "en": "Open dossiers past the deadline at the end of the period, with the step and official "
                           "holding them at the deadline."},
    "supplements": {"vi": "Số lần yêu cầu công dân bổ sung hồ sơ trong kỳ (lần thứ hai trở đi tính trễ hạn).",
                    "en": "Supplement requests made in the period (a second one counts as late)."},
    "returned_for_fault": {"vi": "Số lần trả lại hồ sơ cho công dân do lỗi của cán bộ, công chức trong kỳ.",
                           "en": "Times dossiers were sent back to the citizen through officials' own fault."},
    "tasks_late": {"vi": "Nhiệm vụ (đơn vị chủ trì) hoàn thành trễ hạn trong kỳ.",
                   "en": "Tasks the unit leads completed late in the period."},
    "tasks_overdue": {"vi": "Nhiệm vụ (đơn vị chủ trì) quá hạn chưa hoàn thành tại thời điểm cuối kỳ.",
                      "en": "Tasks the unit leads overdue and not completed at the end of the period."},
    "feedback_late": {"vi": "Phản ánh, kiến nghị xử lý trễ hạn hoặc quá hạn chưa xử lý trong kỳ.",
                      "en": "Feedback steps handled late or deadlines missed in the period."},
    "explanations": {"vi": "Yêu cầu giải trình trong kỳ: ai phải giải trình, về việc gì, đã giải trình chưa.",
                     "en": "Explanation requests in the period: who must explain, about what, and whether they did."},
    "explanations_missed": {"vi": "Yêu cầu giải trình quá hạn không nộp trong kỳ (là một vi phạm).",
                            "en": "Explanations not submitted by their deadline in the period (itself a violation)."},
    "proposals": {"vi": "Đề xuất xử lý kỷ luật trong kỳ.", "en": "Sanction proposals made in the period."},
    "decisions": {"vi": "Quyết định kỷ luật trong kỳ.", "en": "Disciplinary decisions taken in the period."},
}

# Dossier figures: the Tally attribute a dossier's standing must have (None: every dossier in scope).
DOSSIER_FIGURES: dict[str, str | None] = {"received": None, "early": "completed_early",
                                          "finished_on_time": "completed_on_time", "on_time": "on_time",
                                          "late": "completed_late", "open_within": "open_within",
                                          "overdue_open": "open_overdue"}
# Occurrence figures: the kinds counted, and which of them ('late': not on time; 'fault': officials' fault).
OCCURRENCE_FIGURES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "supplements": (("dossier.supplement_requested",), None),
    "returned_for_fault": (("dossier.sent_back",), "fault"),
    "feedback_late": ((*FEEDBACK_STEPS, "feedback.overdue"), "late"),
    "explanations": (("explanation.requested",), None),
    "explanations_missed": (("explanation.missed",), None),
    "proposals": (("sanction.proposed",), None),
    "decisions": (("sanction.decided",), None),
}


# --------------------------------------------------------------------------- stored counters of the other figures
#
# The composite ranking of a thousand units reads, besides the dossier tallies and the task counters, a
# few counts of occurrences and ratings per unit. Like the dossiers' `scorecards`, each unit keeps a row
# per month of those counts (`figure_months`), added to when an occurrence or a rating is stored for the
# first time (its natural key makes a copy add nothing); the counts of whole months are the sum of their
# rows. An occurrence and a rating never change unit or instant once stored, so a row is only ever added to.

FIGURE_COUNTERS = ("explanations_requested", "explanations_missed", "feedback_handled", "feedback_on_time",
                   "feedback_overdue", "ratings", "ratings_satisfied")
_NO_COUNTS = (0,) * len(FIGURE_COUNTERS)
_EXPLANATION_REQUESTED = (1, 0, 0, 0, 0, 0, 0)
_EXPLANATION_MISSED = (0, 1, 0, 0, 0, 0, 0)
_FEEDBACK_LATE = (0, 0, 1, 0, 0, 0, 0)
_FEEDBACK_ON_TIME = (0, 0, 1, 1, 0, 0, 0)
_FEEDBACK_OVERDUE = (0, 0, 0, 0, 1, 0, 0)


def occurrence_figure_counts(kind: str, on_time: bool | None) -> tuple[int, ...] | None:
    """What one occurrence adds to its unit's month row of FIGURE_COUNTERS; None when it counts in none.
    The same rules as the scorecard's counts: every feedback step is handled, on time when it says so."""
    if kind == "explanation.requested":
        return _EXPLANATION_REQUESTED
    if kind == "explanation.missed":
        return _EXPLANATION_MISSED
    if kind in FEEDBACK_STEPS:
        return _FEEDBACK_ON_TIME if on_time else _FEEDBACK_LATE
    if kind == "feedback.overdue":
        return _FEEDBACK_OVERDUE
    return None


def rating_figure_counts(overall: int) -> tuple[int, ...]:
    """What one rating adds to its unit's month row: a rating, satisfied when rated 4 or 5."""
    return (0, 0, 0, 0, 0, 1, 1 if overall >= 4 else 0)


def add_counts(first: Sequence[int], second: Sequence[int]) -> tuple[int, ...]:
    return tuple(a + b for a, b in zip(first, second, strict=True))
