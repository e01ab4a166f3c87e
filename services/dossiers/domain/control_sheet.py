"""The process control sheet: the dossier's life cut at each hand-over, each step's use of its own budget,
and who answers for a late dossier (cá thể hóa trách nhiệm). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from services.dossiers.domain.dossier import LATE, LATE_SECOND_SUPPLEMENT
from services.dossiers.domain.working_time import PauseSpan, working_seconds
from shared.calendar import WorkingCalendar


@dataclass(frozen=True)
class Responsibility:
    step: str | None
    official: str | None
    unit: str | None


@dataclass(frozen=True)
class Segment:
    """A stretch of the dossier's life in one step with one official: from a hand-over to the next."""

    step: str | None
    official: str | None
    unit: str | None
    start: datetime
    end: datetime | None  # None: still in progress


@dataclass(frozen=True)
class StepUse:
    """One step of the control sheet: its budget, the working time it took, and whether that fitted."""

    key: str
    name: str
    budget_days: Decimal | None
    used_seconds: int
    budget_seconds: int | None
    started_at: datetime | None
    finished_at: datetime | None
    officials: tuple[str, ...]
    in_progress: bool

    @property
    def on_time(self) -> bool | None:
        if self.budget_seconds is None or self.started_at is None:
            return None
        return self.used_seconds <= self.budget_seconds


def responsibility(timeliness: str, assignee: str | None, unit: str, *, uses: tuple[StepUse, ...] = (),
                   segments: tuple[Segment, ...] = (), due_at: datetime | None = None,
                   late_reason: str | None = None, second_request: Segment | None = None) -> Responsibility:
    """Who answers for a late dossier (cá thể hóa trách nhiệm).

    - a second supplement request makes the dossier late whatever the dates: the step and official who
      made it answer;
    - otherwise the first step (in plan order) whose working time exceeded its own budget, with the
      official who held it last (who let it overrun);
    - if no step overran its budget yet the dossier is late, the step in progress at the deadline;
    - without any recorded step, the receiving official and the unit, who held it throughout.
    """
    if timeliness != LATE:
        return Responsibility(step=None, official=None, unit=None)
    if late_reason == LATE_SECOND_SUPPLEMENT and second_request is not None:
        return Responsibility(step=second_request.step, official=second_request.official or assignee,
                              unit=second_request.unit or unit)
    for use in uses:
        if use.on_time is False:
            holder = _longest_holder(use.key, segments)
            return Responsibility(step=use.key, official=holder.official if holder else assignee,
                                  unit=(holder.unit if holder else None) or unit)
    if segments and due_at is not None:
        at_deadline = next((s for s in segments if s.start <= due_at and (s.end is None or due_at < s.end)),
                           segments[-1])
        return Responsibility(step=at_deadline.step, official=at_deadline.official or assignee,
                              unit=at_deadline.unit or unit)
    return Responsibility(step=None, official=assignee, unit=unit)


def _longest_holder(step: str, segments: tuple[Segment, ...]) -> Segment | None:
    mine = [s for s in segments if s.step == step]
    return mine[-1] if mine else None


@dataclass(frozen=True)
class PlannedStep:
    key: str
    name: str
    days: Decimal | None
    performer: str | None = None


def segments_from(first_step: str | None, assignee: str | None, counting_starts_at: datetime,
                  handovers: list[tuple[datetime, str | None, str | None, str | None]],
                  end: datetime | None) -> tuple[Segment, ...]:
    """The dossier's life cut at each hand-over (at, to_step, to_official, to_unit); the last stretch
    runs to `end` (completion) or is still in progress (None). Time before counting started is nobody's."""
    segments = []
    step, official, unit, start = first_step, assignee, None, counting_starts_at
    for at, to_step, to_official, to_unit in handovers:
        segments.append(Segment(step=step, official=official, unit=unit, start=start, end=max(at, start)))
        step, official, unit, start = to_step, to_official, to_unit, max(at, counting_starts_at)
    if step is not None or end is None:
        segments.append(Segment(step=step, official=official, unit=unit, start=start,
                                end=None if end is None else max(end, start)))
    return tuple(segments)


def step_uses(calendar: WorkingCalendar, plan: tuple[PlannedStep, ...], segments: tuple[Segment, ...],
              pauses: tuple[PauseSpan, ...], now: datetime) -> tuple[StepUse, ...]:
    """Each planned step's working time used (pauses excluded) against its own budget, in plan order;
    steps used but not in the plan follow, without a budget."""
    day_seconds = int(calendar.hours_per_day() * 3600)
    used: dict[str | None, int] = {}
    first: dict[str | None, datetime] = {}
    last: dict[str | None, datetime | None] = {}
    holders: dict[str | None, list[str]] = {}
    for seg in segments:
        end = seg.end or now
        seconds = working_seconds(calendar, seg.start, end)
        for pause in pauses:
            overlap_start = max(seg.start, pause.started_at)
            overlap_end = min(end, pause.ended_at or now)
            seconds -= working_seconds(calendar, overlap_start, overlap_end)
        used[seg.step] = used.get(seg.step, 0) + max(seconds, 0)
        first.setdefault(seg.step, seg.start)
        last[seg.step] = seg.end
        if seg.official and seg.official not in holders.setdefault(seg.step, []):
            holders[seg.step].append(seg.official)
    current = segments[-1].step if segments and segments[-1].end is None else object()
    result = []
    for step in plan:
        budget = None if step.days is None else int((step.days * day_seconds).to_integral_value())
        result.append(StepUse(key=step.key, name=step.name, budget_days=step.days, used_seconds=used.get(step.key, 0),
                              budget_seconds=budget, started_at=first.get(step.key),
                              finished_at=last.get(step.key), officials=tuple(holders.get(step.key, ())),
                              in_progress=current == step.key))
    planned = {step.key for step in plan}
    for key in used:
        if key is not None and key not in planned:
            result.append(StepUse(key=key, name=key, budget_days=None, used_seconds=used[key], budget_seconds=None,
                                  started_at=first.get(key), finished_at=last.get(key),
                                  officials=tuple(holders.get(key, ())), in_progress=current == key))
    return tuple(result)

