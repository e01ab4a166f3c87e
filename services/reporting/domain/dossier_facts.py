"""Dossier facts: what each `dossier.*` event tells, merged per dossier in whatever order the events came,
and the two ways of counting a unit's dossiers in a period, kept side by side on purpose:

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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from services.reporting.domain.event_data import arrival_independent_key, parse_instant, text_or_none
from services.reporting.domain.periods import Month
from services.reporting.domain.progress import Tally

# --------------------------------------------------------------------------- what each event says


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
    """The newest due instant told by `dossier.deadline_changed` or `dossier.supplement_received` (the due
    instant after the pause). An apology never moves it (Circular 01/2018/TT-VPCP, Form 04: the new
    return date is a promise to the citizen; the dossier stays judged against its legal due date)."""

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


@dataclass(frozen=True)
class Apology:
    """What `dossier.apology_issued` said: the legal due instant, which stays the measure of lateness, and
    the new return instant the apology promised. Archived events from before the correction (`automatic`,
    or completions judged against the promised instant) are re-judged against `legal_due_at`."""

    event_at: datetime
    unit: str
    legal_due_at: datetime
    promised_at: datetime
    automatic: bool = False


@dataclass(frozen=True)
class Ending:
    """What `dossier.refused`, `dossier.withdrawn` or `dossier.stopped` said: the dossier left the process
    without a result, and counts as finished in the 766 progress group (Decision 766/QĐ-TTg)."""

    event_at: datetime
    unit: str
    ended_at: datetime
    end: str


Slot = (Receipt | Completion | OverdueNotice | MarkedLate | DeadlineMove | SupplementPause | SupplementResume
        | Apology | Ending)
DOSSIER_SLOTS: dict[str, type] = {"receipt": Receipt, "completion": Completion, "overdue": OverdueNotice,
                                  "marked_late": MarkedLate, "deadline": DeadlineMove, "pause": SupplementPause,
                                  "resume": SupplementResume, "apology": Apology, "ending": Ending}
# Ends other than a result, counted as finished by the 766 progress group (returned follows a result).
DOSSIER_ENDS = ("dossier.refused", "dossier.withdrawn", "dossier.stopped")
# Due dates are local dates (ngày hẹn trả): Vietnam keeps one offset all year, the dossiers' calendar's.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_SLOT_NAMES = {slot_type: name for name, slot_type in DOSSIER_SLOTS.items()}
# Events that change where a dossier stands (the others only add facts for the drill-down).
DOSSIER_STANDING_EVENTS = ("dossier.received", "dossier.completed", "dossier.overdue", "dossier.marked_late",
                           "dossier.deadline_changed", "dossier.apology_issued", "dossier.supplement_requested",
                           "dossier.supplement_received", *DOSSIER_ENDS)


def slot_from_event(event_type: str, data: Mapping, event_at: datetime) -> Slot:
    """The part of a dossier fact one event tells (ISO strings in `data` parsed). Raises InvalidInput for
    an event that can never be applied."""
    event_at = parse_instant(event_at, "time")
    unit = data["unit"]
    if event_type == "dossier.marked_late":
        return MarkedLate(event_at, unit, parse_instant(data["at"], "at"), data["reason"])
    if event_type == "dossier.deadline_changed":
        return DeadlineMove(event_at, unit, parse_instant(data["due_at"], "due_at"))
    if event_type == "dossier.apology_issued":
        return Apology(event_at, unit, parse_instant(data["previous_due_at"], "previous_due_at"),
                       parse_instant(data["due_at"], "due_at"), bool(data.get("automatic")))
    if event_type in DOSSIER_ENDS:
        return Ending(event_at, unit, parse_instant(data["at"], "at"), event_type.removeprefix("dossier."))
    if event_type == "dossier.supplement_requested":
        return SupplementPause(event_at, unit, parse_instant(data["at"], "at"), int(data["request_number"]))
    due = data.get("due_at")
    common = dict(event_at=event_at, unit=unit, received_at=parse_instant(data["received_at"], "received_at"))
    if event_type == "dossier.received":
        return Receipt(**common, due_at=parse_instant(due, "due_at") if due else None, handler=data.get("handler"))
    if event_type == "dossier.completed":
        return Completion(**common, due_at=parse_instant(due, "due_at"),
                          completed_at=parse_instant(data["completed_at"], "completed_at"),
                          timeliness=data["timeliness"],
                          late_reason=data.get("late_reason"), supplements=int(data.get("supplements") or 0),
                          paused_days=text_or_none(data.get("paused_days")),
                          returned_for_fault=int(data.get("returned_for_fault") or 0),
                          responsible_step=data.get("responsible_step"),
                          responsible_official=data.get("responsible_official"),
                          responsible_unit=data.get("responsible_unit"))
    if event_type == "dossier.overdue":
        return OverdueNotice(**common, due_at=parse_instant(due, "due_at"),
                             detected_at=parse_instant(data["detected_at"], "detected_at"), step=data.get("step"),
                             official=data.get("official"))
    raise ValueError(f"{event_type} says nothing about a dossier's timeliness")


def slots_from_event(event_type: str, data: Mapping, event_at: datetime) -> list[Slot]:
    """Every slot one event fills: `dossier.supplement_received` both resumes the clock and moves the due
    instant; the others fill one."""
    if event_type == "dossier.supplement_received":
        event_at = parse_instant(event_at, "time")
        return [SupplementResume(event_at, data["unit"], parse_instant(data["at"], "at")),
                DeadlineMove(event_at, data["unit"], parse_instant(data["due_at"], "due_at"))]
    return [slot_from_event(event_type, data, event_at)]


def judge_by_date(finished_at: datetime, due_at: datetime) -> str:
    """early / on_time / late by the local date (ngày hẹn trả), as the dossiers service judges a result:
    before the due date early, on it on time, after it late."""
    finished_on, due_on = finished_at.astimezone(LOCAL_TZ).date(), due_at.astimezone(LOCAL_TZ).date()
    if finished_on < due_on:
        return "early"
    return "on_time" if finished_on == due_on else "late"


# --------------------------------------------------------------------------- the fact of one dossier


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
    apology: Apology | None = None
    ending: Ending | None = None

    def merged(self, slot: Slot) -> DossierFact:
        name = _SLOT_NAMES[type(slot)]
        current = getattr(self, name)
        if current is not None and arrival_independent_key(current) >= arrival_independent_key(slot):
            return self
        return replace(self, **{name: slot})

    @property
    def unit(self) -> str | None:
        # The handling unit (completion, then receipt); the unit at fault named by an overdue notice
        # only until the dossier's own events arrive; the others name the handling unit too.
        for slot in (self.completion, self.receipt, self.overdue, self.marked_late, self.deadline, self.pause,
                     self.resume, self.ending, self.apology):
            if slot is not None:
                return slot.unit
        return None

    @property
    def received_at(self) -> datetime | None:
        for slot in (self.receipt, self.completion, self.overdue):
            if slot is not None:
                return slot.received_at
        return None

    def legal(self, due: datetime | None) -> datetime | None:
        """The legal due instant for a due instant an event told: before the correction an apology moved
        the due instant to the date it promised, and later events told that one; the law judges the
        dossier against the date before the apology (Decree 61/2018/ND-CP art. 19; Circular
        01/2018/TT-VPCP, Form 04)."""
        apology = self.apology
        if apology is not None and due is not None and due == apology.promised_at:
            return apology.legal_due_at
        return due

    @property
    def due_at(self) -> datetime | None:
        """The legal due instant (an apology's promised date never replaces it)."""
        if self.completion is not None:
            return self.legal(self.completion.due_at)
        told = [s for s in (self.receipt, self.overdue, self.deadline) if s is not None and s.due_at is not None]
        if len(told) == 1:  # most dossiers: no need to compare (a rebuild asks this of every dossier)
            return self.legal(told[0].due_at)
        if told:
            return self.legal(max(told, key=arrival_independent_key).due_at)
        return self.apology.legal_due_at if self.apology is not None else None

    @property
    def completed_at(self) -> datetime | None:
        """When it was finished: its result, or its end without one (refused, withdrawn, stopped)."""
        if self.completion is not None:
            return self.completion.completed_at
        return self.ending.ended_at if self.ending is not None else None

    @property
    def timeliness(self) -> str | None:
        """Judged against the legal due date. A completion judged against an apology's promised date
        (archived events from before the correction) is judged again; a dossier refused, withdrawn or
        stopped is on time when it ended by the legal due date, late after it (Decision 766/QĐ-TTg)."""
        completion = self.completion
        if completion is not None:
            legal = self.legal(completion.due_at)
            if legal == completion.due_at or completion.timeliness == "late":
                return completion.timeliness
            return judge_by_date(completion.completed_at, legal)
        if self.ending is None:
            return None
        if self.marked_late is not None:
            return "late"  # a second supplement request is late whatever the dates (Decision 766/QĐ-TTg)
        due = self.due_at
        if due is None or judge_by_date(self.ending.ended_at, due) != "late":
            return "on_time"
        return "late"

    @property
    def apologised(self) -> bool:
        return self.apology is not None

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
        if self.completed_at is not None and (self.timeliness == "late" or self.overdue is not None):
            known.append(self.due_at)
        elif self.overdue is not None:
            # The deadline the notice was about, not a later one an apology set.
            known.append(self.legal(self.overdue.due_at))
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


# --------------------------------------------------------------------------- stored per-(unit, month) rows

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
    completed_at, timeliness = fact.completed_at, fact.timeliness
    last = max(first, Month.of(completed_at, tz)) if completed_at is not None else None
    since = fact.overdue_since
    overdue_from = max(first, Month.of(since, tz)) if since is not None else None
    changes: dict[Month, Tally] = {}

    def add(period: Month, tally: Tally) -> None:
        changes[period] = changes.get(period, Tally()) + tally

    if last == first:
        add(first, Tally.completed(timeliness))
    else:
        standing = _OVERDUE if overdue_from == first else _WITHIN
        add(first, standing)
        if overdue_from is not None and standing is _WITHIN and (last is None or overdue_from < last):
            add(overdue_from, _OVERDUE - _WITHIN)
            standing = _OVERDUE
        if last is not None:
            add(last, Tally.completed(timeliness) - standing)
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


# --------------------------------------------------------------------------- the exact rule at an instant


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
