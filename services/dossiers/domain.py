"""Pure rules about procedures and dossiers. No Flask, no database, no clock call: time is passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TypeVar

from shared.calendar import DeadlineExplanation, WorkingCalendar
from shared.errors import Conflict, InvalidInput

# A dossier's clock runs while it is `received` (the one value the overdue and warnings sweeps index);
# it stands still while `awaiting_supplement`. Steps (hand-overs) are tracked beside the status.
# `completed` is "result ready"; `returned` is the result handed to the citizen; the other ends close an
# open dossier.
RECEIVED = "received"
AWAITING_SUPPLEMENT = "awaiting_supplement"
COMPLETED = "completed"
RETURNED, REFUSED, WITHDRAWN, STOPPED = "returned", "refused", "withdrawn", "stopped"
OPEN_STATUSES = (RECEIVED, AWAITING_SUPPLEMENT)
ENDS = (RETURNED, REFUSED, WITHDRAWN, STOPPED)
STATUSES = (RECEIVED, AWAITING_SUPPLEMENT, COMPLETED, RETURNED, REFUSED, WITHDRAWN, STOPPED)
STATUS_LABELS_VI = {
    RECEIVED: "đang giải quyết",
    AWAITING_SUPPLEMENT: "chờ công dân bổ sung hồ sơ",
    COMPLETED: "đã có kết quả",
    RETURNED: "đã trả kết quả",
    REFUSED: "đã từ chối giải quyết",
    WITHDRAWN: "công dân đã rút hồ sơ",
    STOPPED: "đã dừng xử lý",
}

HTTP_CHANNELS = ("direct", "online", "post")
EXTERNAL_CHANNEL = "external"

EARLY, ON_TIME, LATE = "early", "on_time", "late"
WITHIN_DEADLINE, OVERDUE = "within_deadline", "overdue"

# Budgets are stored as NUMERIC(10, 4): a finer fraction would be rounded silently.
DAY_PLACES = 4
MAX_PROCESSING_DAYS = Decimal(1000)

# Codes appear in URLs and in other services' records; external one-stop systems use dots and dashes
# (e.g. 000.00.20.H26-261116-0001), never slashes or spaces.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CODE_RULE = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"

# Desks and external systems send instants from their own clocks; a few minutes ahead of ours is
# clock drift, more is a wrong date that would produce a deadline nobody can meet.
CLOCK_SKEW = timedelta(minutes=5)


def is_valid_code(code: str) -> bool:
    return bool(CODE_PATTERN.match(code))


def format_days(days: Decimal) -> str:
    """A budget as users read it: 1, 0.25, 15 (never 1.0000 or 1E+1)."""
    return format(days.normalize(), "f")


# Levels of government that handle a procedure (the portal's "cấp thực hiện"). The district level ended on
# 1 July 2025, but versions in force before that date and older catalogs still name it.
LEVELS = {"central": "Cấp trung ương", "province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
V = TypeVar("V")
# A procedure registered without a start date is in force on any date a dossier can carry.
IN_FORCE_SINCE_ALWAYS = date(1900, 1, 1)
MAX_NAME = 2000
MAX_FIELD = 500
MAX_LEGAL_BASIS = 2000
# Frozen into each dossier's own step plan, whose column holds 200 characters.
MAX_PERFORMER = 200


@dataclass(frozen=True)
class StepPlan:
    key: str
    name: str
    days: Decimal
    # The unit or role that does the step (e.g. "Bộ phận một cửa"); None when the plan does not say.
    performer: str | None = None


@dataclass(frozen=True)
class VersionTerms:
    """What one version of a procedure says. Equal terms from the same date are the same version, which
    is what makes a re-import change nothing."""

    effective_from: date
    processing_days: Decimal
    steps: tuple[StepPlan, ...]
    supplements_allowed: bool = True
    extensions_allowed: bool = True
    legal_basis: str | None = None


@dataclass(frozen=True)
class CatalogEntry:
    """One procedure of an imported catalog with its versions, oldest first. `where` and `version_where`
    say where each came from in the file (e.g. "line 12"), so an error names the place to fix."""

    code: str
    name: str
    level: str | None
    field: str | None
    versions: tuple[VersionTerms, ...]
    where: str
    version_where: tuple[str, ...]


def _day_budget_errors(days: Decimal) -> list[str]:
    errors = []
    if days <= 0:
        errors.append("must be greater than 0 working days")
    if days > MAX_PROCESSING_DAYS:
        errors.append(f"must be at most {MAX_PROCESSING_DAYS} working days")
    if days.as_tuple().exponent < -DAY_PLACES:
        errors.append(f"use at most {DAY_PLACES} decimal places (e.g. 0.25 for a quarter day)")
    return errors


def procedure_errors(code: str, processing_days: Decimal, steps: list[dict]) -> tuple[list[StepPlan],
                                                                                     dict[str, list[str]]]:
    """The plan in order and every problem with it, by field (empty when the procedure is valid).

    Each step has its own budget because the step that overruns is the one held responsible, so the
    budgets must add up to exactly the legal time: no more (the law would be broken by design), no
    less (some time would belong to no one).
    """
    errors: dict[str, list[str]] = {}
    if not is_valid_code(code):
        errors["code"] = [f"use {CODE_RULE}"]
    if budget_errors := _day_budget_errors(processing_days):
        errors["processing_days"] = budget_errors
    step_errors: list[str] = []
    plan: list[StepPlan] = []
    seen: set[str] = set()
    for position, step in enumerate(steps, start=1):
        key, days = step["key"], step["days"]
        name = (step.get("name") or "").strip()
        performer = (step.get("performer") or "").strip() or None
        if not is_valid_code(key):
            step_errors.append(f"step {position}: key {key!r} is not usable; use {CODE_RULE}")
        if key in seen:
            step_errors.append(f"step {position}: key {key!r} is used twice; each step needs its own key")
        seen.add(key)
        if not name:
            step_errors.append(f"step {position} ({key}): name is missing; write what the step does, e.g. Thẩm định")
        step_errors += [f"step {position} ({key}): days {message}" for message in _day_budget_errors(days)]
        if performer is not None and len(performer) > MAX_PERFORMER:
            step_errors.append(f"step {position} ({key}): performer is longer than {MAX_PERFORMER} characters")
        plan.append(StepPlan(key=key, name=name, days=days, performer=performer))
    if plan and not step_errors:
        total = sum((p.days for p in plan), Decimal(0))
        if total != processing_days:
            step_errors.append(
                f"the steps add up to {format_days(total)} working days but processing_days is "
                f"{format_days(processing_days)}; make the step budgets sum to the legal processing time"
            )
    if step_errors:
        errors["steps"] = step_errors
    return plan, errors


def check_procedure(code: str, processing_days: Decimal, steps: list[dict]) -> list[StepPlan]:
    """Validate a procedure's legal processing time and its step plan; returns the plan in order."""
    plan, errors = procedure_errors(code, processing_days, steps)
    if errors:
        raise InvalidInput("the procedure cannot be registered as given", errors)
    return plan


def description_errors(name: str, level: str | None, field: str | None) -> dict[str, list[str]]:
    """Problems with what a procedure is called and where it belongs."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["is missing; write the procedure's name as the national portal publishes it"]
    elif len(name) > MAX_NAME:
        errors["name"] = [f"is longer than {MAX_NAME} characters"]
    if level is not None and level not in LEVELS:
        errors["level"] = [f"{level!r} is not a level; use one of {', '.join(LEVELS)}"]
    if field is not None and len(field) > MAX_FIELD:
        errors["field"] = [f"is longer than {MAX_FIELD} characters"]
    return errors


def new_version_errors(effective_from: date, in_force_from: list[date],
                       last_received_on: date | None) -> list[str]:
    """Why a version from `effective_from` cannot be added, given the start dates of the versions already
    there and the local date of the last dossier received under the procedure (empty list: it can).

    Versions only ever add on at the end: a version slipped in before the last one, or starting on or
    before a day a dossier was received, would change the version in force on a day already judged, and
    the past never moves.
    """
    errors = []
    if in_force_from and effective_from <= max(in_force_from):
        latest = max(in_force_from)
        errors.append(f"must be after {latest.isoformat()}, the start of the latest version; a new version "
                      "can only take effect after the ones already registered")
    if last_received_on is not None and effective_from <= last_received_on:
        earliest = last_received_on + timedelta(days=1)
        errors.append(f"a dossier of this procedure was received on {last_received_on.isoformat()} under the "
                      f"version then in force; a new version can start on {earliest.isoformat()} at the earliest")
    return errors


def version_in_force(versions: list[V], on: date) -> V | None:
    """The version in force on a date: the one with the latest start on or before it (None before the first)."""
    candidates = [v for v in versions if v.effective_from <= on]
    return max(candidates, key=lambda v: v.effective_from) if candidates else None


def _require_offset(field: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{field} needs a timezone offset",
                           {field: [f"{moment.isoformat()} has no offset; write e.g. {moment.isoformat()}+07:00"]})


def check_received_at(received_at: datetime, now: datetime) -> None:
    _require_offset("received_at", received_at)
    if received_at > now + CLOCK_SKEW:
        raise InvalidInput(
            "a dossier cannot be received in the future",
            {"received_at": [f"{received_at.isoformat()} is later than now ({now.isoformat()}); "
                             "send the instant the desk actually received it"]},
        )


def check_completed_at(completed_at: datetime, received_at: datetime, now: datetime) -> None:
    _require_offset("completed_at", completed_at)
    if completed_at < received_at:
        raise InvalidInput(
            "a dossier cannot be finished before it was received",
            {"completed_at": [f"must be at or after received_at {received_at.isoformat()}"]},
        )
    if completed_at > now + CLOCK_SKEW:
        raise InvalidInput(
            "a dossier cannot be finished in the future",
            {"completed_at": [f"{completed_at.isoformat()} is later than now ({now.isoformat()})"]},
        )


def completion_timeliness(completed_at: datetime, due_at: datetime, tz: tzinfo) -> str:
    """early / on_time / late for a finished dossier.

    The rule (DOMAIN.md, "Timeliness") judges by the promised return *date*, in local time: before that
    date is early, on it is on time, after it is late. So a dossier due at 10:00 and
    finished at 16:00 the same day is on time, and one finished at 16:59 on a day due at 17:00 is on
    time, not early.
    """
    finished_on = completed_at.astimezone(tz).date()
    due_on = due_at.astimezone(tz).date()
    if finished_on < due_on:
        return EARLY
    if finished_on == due_on:
        return ON_TIME
    return LATE


def is_overdue(due_at: datetime, now: datetime) -> bool:
    """An open dossier is overdue from its due instant on (the same test the overdue sweep makes)."""
    return due_at <= now


@dataclass(frozen=True)
class Standing:
    """Where a dossier stands against its deadline, as users read it."""

    timeliness: str
    overdue_since: datetime | None


def standing(status: str, due_at: datetime, timeliness: str | None, now: datetime,
             paused_since: datetime | None = None) -> Standing:
    """Finished dossiers keep their judgement; open ones are within the deadline or overdue. While the
    clock stands still for the citizen's supplement, the dossier is judged at the instant it stopped."""
    if status not in OPEN_STATUSES:
        return Standing(timeliness=timeliness, overdue_since=None)
    reference = paused_since if status == AWAITING_SUPPLEMENT and paused_since is not None else now
    if is_overdue(due_at, reference):
        return Standing(timeliness=OVERDUE, overdue_since=due_at)
    return Standing(timeliness=WITHIN_DEADLINE, overdue_since=None)


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


def responsibility(timeliness: str, handler: str | None, unit: str, *, uses: tuple[StepUse, ...] = (),
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
        return Responsibility(step=second_request.step, official=second_request.official or handler,
                              unit=second_request.unit or unit)
    for use in uses:
        if use.on_time is False:
            holder = _longest_holder(use.key, segments)
            return Responsibility(step=use.key, official=holder.official if holder else handler,
                                  unit=(holder.unit if holder else None) or unit)
    if segments and due_at is not None:
        at_deadline = next((s for s in segments if s.start <= due_at and (s.end is None or due_at < s.end)),
                           segments[-1])
        return Responsibility(step=at_deadline.step, official=at_deadline.official or handler,
                              unit=at_deadline.unit or unit)
    return Responsibility(step=None, official=handler, unit=unit)


def _longest_holder(step: str, segments: tuple[Segment, ...]) -> Segment | None:
    mine = [s for s in segments if s.step == step]
    return mine[-1] if mine else None


AFTER_CUTOFF = "after_cutoff"


def skipped_days(calendar: WorkingCalendar, received_at: datetime,
                 explanation: DeadlineExplanation) -> list[dict]:
    """Every day from the day of receipt to the due date that did not count, with the reason.

    The calendar's explanation starts at the day counting starts, so a dossier received on Friday
    afternoon would not show why the weekend was skipped; this adds the days before it (and the day of
    receipt itself when the cut-off forfeited the rest of it).
    """
    received_on = received_at.astimezone(calendar.tz).date()
    due_on = explanation.due_at.date()
    skipped: list[dict] = []
    for ordinal in range(received_on.toordinal(), due_on.toordinal() + 1):
        day = date.fromordinal(ordinal)
        off = calendar.day_off_reason(day)
        if off is not None:
            code, label_vi, label_en = off
            skipped.append({"day": day.isoformat(), "reason": code, "label_vi": label_vi, "label_en": label_en})
        elif day == received_on and explanation.cutoff_applied:
            cutoff = calendar.rules.cutoff.strftime("%H:%M")
            skipped.append({
                "day": day.isoformat(),
                "reason": AFTER_CUTOFF,
                "label_vi": f"Tiếp nhận sau {cutoff}: bắt đầu tính từ ngày làm việc tiếp theo",
                "label_en": f"Received after {cutoff}: counting starts on the next working day",
            })
    return skipped


# -- the lifecycle ----------------------------------------------------------------------------------

LATE_OVERRAN, LATE_SECOND_SUPPLEMENT = "overran", "second_supplement"
# How many supplement requests the law allows; the next one counts the dossier late (766 method).
SUPPLEMENTS_ALLOWED = 1
REASON_MAX = 2000
# Ends that need a reason (the citizen must be told why).
ENDS_NEEDING_REASON = (REFUSED, STOPPED)


def conflict_state(code: str, status: str, action: str) -> Conflict:
    """The 409 of an action the dossier's state does not allow, naming that state."""
    return Conflict(f"dossier {code!r} is {STATUS_LABELS_VI.get(status, status)} ({status}); {action}",
                    {"status": [f"current state is {status}"]})


def ensure_open(code: str, status: str, action: str) -> None:
    if status not in OPEN_STATUSES:
        raise conflict_state(code, status, f"{action} needs an open dossier")


def require_offset(field: str, moment: datetime) -> None:
    """An instant from outside must say its offset: 16:00 where?"""
    _require_offset(field, moment)


def check_at(at: datetime, not_before: datetime, now: datetime, *, field: str = "at",
             not_before_what: str = "the dossier's last recorded event") -> None:
    """An instant reported for a lifecycle event: with an offset, not in the future, and not before what
    already happened (the control sheet reads forward)."""
    _require_offset(field, at)
    if at > now + CLOCK_SKEW:
        raise InvalidInput(f"{field} is in the future",
                           {field: [f"{at.isoformat()} is later than now ({now.isoformat()})"]})
    if at < not_before:
        raise InvalidInput(f"{field} is before {not_before_what}",
                           {field: [f"must be at or after {not_before.isoformat()} ({not_before_what})"]})


def check_reasons(reasons: list[str] | None) -> list[str]:
    cleaned = [r.strip() for r in (reasons or []) if isinstance(r, str) and r.strip()]
    if not cleaned:
        raise InvalidInput("a supplement request must say what to supplement and why",
                           {"reasons": ["give at least one reason (e.g. thiếu bản sao giấy khai sinh)"]})
    too_long = [i for i, r in enumerate(cleaned, start=1) if len(r) > REASON_MAX]
    if too_long:
        raise InvalidInput("a reason is too long", {"reasons": [f"reason {i} exceeds {REASON_MAX} characters"
                                                                for i in too_long]})
    return cleaned


def check_reason(reason: str | None, required: bool, why: str) -> str | None:
    reason = (reason or "").strip() or None
    if reason is None and required:
        raise InvalidInput(f"a reason is required: {why}", {"reason": ["required"]})
    if reason is not None and len(reason) > REASON_MAX:
        raise InvalidInput("the reason is too long", {"reason": [f"at most {REASON_MAX} characters"]})
    return reason


# -- working time ------------------------------------------------------------------------------------

def working_seconds(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    """Office seconds from start to end (0 when end is not after start)."""
    if end <= start:
        return 0
    return int((calendar.working_hours_between(start, end) * 3600).to_integral_value())


def seconds_as_hours(seconds: int) -> Decimal:
    return Decimal(seconds) / Decimal(3600)


def seconds_as_days(calendar: WorkingCalendar, seconds: int) -> Decimal:
    """Working seconds as working days, to the four places budgets are stored with."""
    day = calendar.hours_per_day() * 3600
    return (Decimal(seconds) / day).quantize(Decimal(1).scaleb(-DAY_PLACES))


@dataclass(frozen=True)
class PauseSpan:
    """The clock stood still from started_at (a supplement request) to ended_at (the citizen supplemented)."""

    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    base_due_at: datetime  # before any pause: from receipt (or the apology's new date)
    paused_seconds: int  # working time the pauses added
    counted_pauses: tuple[PauseSpan, ...]


def compute_deadline(calendar: WorkingCalendar, received_at: datetime, processing_days: Decimal,
                     pauses: tuple[PauseSpan, ...] = (), apology: tuple[datetime, datetime] | None = None) -> Deadline:
    """The due instant under this calendar: the legal time from receipt (cut-off included), or the new
    date an apology promised (issued_at, new_due_at), moved on by every finished pause that started
    before the deadline it would have moved. A pause still running moves nothing yet."""
    if apology is not None:
        issued_at, base = apology
        pauses = tuple(p for p in pauses if p.started_at >= issued_at)
    else:
        base = calendar.due_at(received_at, processing_days)
    due, total, counted = base, 0, []
    for pause in sorted(pauses, key=lambda p: p.started_at):
        if pause.ended_at is None or pause.started_at >= due:
            continue
        seconds = working_seconds(calendar, pause.started_at, pause.ended_at)
        if seconds:
            due = calendar.add_working_hours(due, seconds_as_hours(seconds))
        total += seconds
        counted.append(pause)
    return Deadline(due_at=due, base_due_at=base, paused_seconds=total, counted_pauses=tuple(counted))


def remaining_seconds(calendar: WorkingCalendar, due_at: datetime, now: datetime) -> int:
    """Working seconds left until the due instant; negative once it has passed."""
    if now <= due_at:
        return working_seconds(calendar, now, due_at)
    return -working_seconds(calendar, due_at, now)


# -- warning points ----------------------------------------------------------------------------------

DEFAULT_WARNING_POINTS = "75%,1d"
DEFAULT_APOLOGY_POINT = "1d"
APOLOGY_DUE = "apology_due"
DUE_SOON = "due_soon"
_POINT = re.compile(r"^(\d+(?:\.\d+)?)\s*(%|d|h)$")


@dataclass(frozen=True)
class WarningPoint:
    """A moment before the deadline: `75%` of the budget used, `1d` one working day before, `4h` four
    working hours before. `kind` says which alert it raises (due_soon or apology_due)."""

    label: str
    unit: str  # %, d or h
    value: Decimal
    kind: str = DUE_SOON

    @property
    def alert_kind(self) -> str:
        """The marker kind in dossier_alerts: one per point, so each fires once per due date."""
        return APOLOGY_DUE if self.kind == APOLOGY_DUE else f"{DUE_SOON}:{self.label}"

    def hours_before_due(self, processing_days: Decimal, hours_per_day: Decimal) -> Decimal:
        if self.unit == "%":
            return processing_days * hours_per_day * (Decimal(100) - self.value) / Decimal(100)
        if self.unit == "d":
            return self.value * hours_per_day
        return self.value


def parse_points(text: str, setting: str, kind: str = DUE_SOON) -> tuple[WarningPoint, ...]:
    """`75%,1d` → the points; a bad setting fails loudly with the setting's name (a typo must not switch
    warnings off silently)."""
    points = []
    for raw in (part.strip() for part in str(text).split(",")):
        if not raw:
            continue
        match = _POINT.match(raw)
        if not match:
            raise ValueError(f"{setting}: {raw!r} is not a warning point; write e.g. 75% (of the budget used), "
                             "1d (working days before the deadline) or 4h (working hours before)")
        value, unit = Decimal(match.group(1)), match.group(2)
        if unit == "%" and not 0 < value < 100:
            raise ValueError(f"{setting}: {raw!r} must be a share between 0% and 100% of the budget")
        label = f"{format(value.normalize(), 'f')}{unit}"
        points.append(WarningPoint(label=label, unit=unit, value=value, kind=kind))
    return tuple(points)


def point_instant(calendar: WorkingCalendar, due_at: datetime, processing_days: Decimal,
                  point: WarningPoint) -> datetime:
    """The first instant at which the point is reached: e.g. one working day before a deadline on Monday
    17:00 is Friday 17:00 (not Monday 08:00, the same working time but a weekend later)."""
    before = point.hours_before_due(processing_days, calendar.hours_per_day())
    if before <= 0:
        return due_at
    one_second = Decimal(1) / Decimal(3600)
    # Going back lands on an office opening; one second further back and forward again lands on the
    # earliest instant of the same working time.
    return calendar.add_working_hours(calendar.add_working_hours(due_at, -(before + one_second)), one_second)


def due_points(calendar: WorkingCalendar, due_at: datetime, processing_days: Decimal, counting_starts_at: datetime,
               points: tuple[WarningPoint, ...]) -> list[tuple[datetime, WarningPoint]]:
    """(instant, point) of every point of this due date, in time order. A point falling before the clock
    even started (a half-day procedure has no "one working day before") does not exist for the dossier."""
    found = []
    for point in points:
        try:
            instant = point_instant(calendar, due_at, processing_days, point)
        except ValueError:  # before the calendar's first year: no such point
            continue
        if instant >= counting_starts_at:
            found.append((instant, point))
    return sorted(found, key=lambda pair: pair[0])


@dataclass(frozen=True)
class DefaultApology:
    reason: str
    extra_days: Decimal


def default_apology(plan: tuple[PlannedStep, ...], current_step: str | None) -> DefaultApology:
    """The apology the platform sends itself when the unit has not by the legal latest point (one working
    day before the deadline): the citizen is told at which step the dossier stands, and the new return
    date leaves the budgets of that step and of the steps after it (at least one working day), the time
    the rest of the procedure legally needs."""
    keys = [step.key for step in plan]
    remaining = plan[keys.index(current_step):] if current_step in keys else plan
    extra = sum((step.days or Decimal(0) for step in remaining), Decimal(0))
    step = next((s for s in plan if s.key == current_step), None)
    if step is not None:
        reason = (f"Hồ sơ đang được giải quyết ở bước «{step.name}» và chưa thể hoàn thành đúng thời hạn "
                  "đã hẹn.")
    else:
        reason = "Hồ sơ chưa được giải quyết xong trong thời hạn đã hẹn."
    return DefaultApology(reason=reason, extra_days=max(extra, Decimal(1)))


# -- the control sheet -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlannedStep:
    key: str
    name: str
    days: Decimal | None
    performer: str | None = None


def segments_from(first_step: str | None, handler: str | None, counting_starts_at: datetime,
                  handovers: list[tuple[datetime, str | None, str | None, str | None]],
                  end: datetime | None) -> tuple[Segment, ...]:
    """The dossier's life cut at each hand-over (at, to_step, to_official, to_unit); the last stretch
    runs to `end` (completion) or is still in progress (None). Time before counting started is nobody's."""
    segments = []
    step, official, unit, start = first_step, handler, None, counting_starts_at
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


# -- working-time overrides --------------------------------------------------------------------------

DAY_OFF, WORKING_DAY = "day_off", "working_day"
OVERRIDE_KINDS = (DAY_OFF, WORKING_DAY)
LABEL_MAX = 200


def check_override(calendar: WorkingCalendar, day: date, kind: str, label: str) -> str:
    """An operator's announcement must change something: making a Sunday or a holiday "off", or an
    ordinary Tuesday "working", would be a no-op that hides a typo in the date."""
    label = (label or "").strip()
    if not label:
        raise InvalidInput("say why the day changes, in Vietnamese", {"label": ["required, e.g. Nghỉ bù Quốc khánh"]})
    if len(label) > LABEL_MAX:
        raise InvalidInput("the label is too long", {"label": [f"at most {LABEL_MAX} characters"]})
    if not calendar.rules.first_year <= day.year <= calendar.rules.last_year:
        raise InvalidInput(f"{day.isoformat()} is outside the calendar's years",
                           {"day": [f"must be within {calendar.rules.first_year}-{calendar.rules.last_year}"]})
    off = calendar.day_off_reason(day)
    if kind == DAY_OFF and off is not None:
        raise InvalidInput(f"{day.isoformat()} is already a day off ({off[1]})",
                           {"day": [f"already off: {off[1]}"]})
    if kind == WORKING_DAY and off is None:
        raise InvalidInput(f"{day.isoformat()} is already a working day", {"day": ["already a working day"]})
    return label


# -- external ingest (`kycuong.ingest` and POST /ingest/events) ----------------------------------------

INGEST_RECEIVED = "dossier.received"
INGEST_HANDED_OVER = "dossier.handed_over"
INGEST_SUPPLEMENT_REQUESTED = "dossier.supplement_requested"
INGEST_SUPPLEMENT_RECEIVED = "dossier.supplement_received"
INGEST_COMPLETED = "dossier.completed"
# The ends an external system reports; `stopped` is this platform's own decision, not reported from outside.
INGEST_ENDS = {"dossier.returned": RETURNED, "dossier.refused": REFUSED, "dossier.withdrawn": WITHDRAWN}
INGEST_TYPES = (INGEST_RECEIVED, INGEST_HANDED_OVER, INGEST_SUPPLEMENT_REQUESTED, INGEST_SUPPLEMENT_RECEIVED,
                INGEST_COMPLETED, *INGEST_ENDS)

# Why an external event was refused: the `reason` label of kycuong_ingest_rejected_total and of
# GET /ingest/rejections, and the first word of the dead letter's x-kycuong-reason.
NO_PUBLISHER = "no_publisher"  # the message names no publisher (AMQP user_id missing)
UNKNOWN_PUBLISHER = "unknown_publisher"  # not in KYCUONG_PUBLISHERS
UNIT_NOT_ALLOWED = "unit_not_allowed"  # the publisher may not publish for that unit or that dossier
UNIT_NOT_SERVED = "unit_not_served"  # no instance known to serve the unit
INVALID_EVENT = "invalid"  # not a CloudEvent, or data that does not meet the ingest contract
REFUSED_BY_STATE = "refused"  # the dossier's state does not allow it, or its procedure is unknown
FAILED = "failed"  # could not be applied (gave up after retries, a fault of ours)
REJECTION_LABELS_VI = {
    NO_PUBLISHER: "Thông điệp không ghi danh tính bên gửi (user_id)",
    UNKNOWN_PUBLISHER: "Bên gửi chưa được đăng ký",
    UNIT_NOT_ALLOWED: "Bên gửi không được gửi dữ liệu cho đơn vị này",
    UNIT_NOT_SERVED: "Không phiên bản nào phục vụ đơn vị này",
    INVALID_EVENT: "Sự kiện không hợp lệ",
    REFUSED_BY_STATE: "Trạng thái hồ sơ không cho phép",
    FAILED: "Không xử lý được",
}
# The error code a refusal travels with (DomainError.code) -> the rejection reason it counts as.
_REASON_BY_ERROR_CODE = {"invalid_input": INVALID_EVENT, "conflict": REFUSED_BY_STATE, "not_found": REFUSED_BY_STATE,
                         "forbidden": UNIT_NOT_ALLOWED}

ADMIT, IGNORE, REJECT = "admit", "ignore", "reject"


@dataclass(frozen=True)
class Admission:
    """Whether this instance applies an external event: admit, ignore (another instance's unit), or
    reject (with the reason and a message that says what to fix)."""

    verdict: str
    reason: str | None = None
    message: str = ""


def admit_external(publishers: dict[str, tuple[str, ...]], served: tuple[str, ...], publisher: str | None,
                   unit: str) -> Admission:
    """Decide on an event for `unit` sent by `publisher` (the AMQP user_id RabbitMQ vouched for, or the
    token's subject), given the publisher registry and the units this instance serves (empty: all).

    Every dossiers instance receives every external event. An event for a unit this instance does not
    serve but the registry knows is another instance's to judge: ignored here, so it is neither applied
    nor counted twice. Without a registry (development) any publisher is trusted.
    """
    serves = not served or unit in served
    if publishers:
        if not serves and any(unit in units for units in publishers.values()):
            return Admission(IGNORE, message=f"unit {unit!r} is served by another instance")
        if not publisher:
            return Admission(REJECT, NO_PUBLISHER, "the message names no publisher: publish with your own "
                             "credentials and set the user_id property to your user name")
        if publisher not in publishers:
            return Admission(REJECT, UNKNOWN_PUBLISHER, f"publisher {publisher!r} is not registered; ask the "
                             "platform's operators to add it to KYCUONG_PUBLISHERS with its units")
        if unit not in publishers[publisher]:
            return Admission(REJECT, UNIT_NOT_ALLOWED, f"publisher {publisher!r} may not publish for unit "
                             f"{unit!r}; its units are {', '.join(publishers[publisher])}")
    if not serves:
        return Admission(REJECT, UNIT_NOT_SERVED, f"this instance does not serve unit {unit!r} (it serves "
                         f"{', '.join(served)}); send the event to the instance of that unit")
    return Admission(ADMIT)


def ingest_prerequisite(event_type: str, status: str | None) -> str | None:
    """The event type an external event still waits for, given its dossier's status (None: the dossier
    is not known yet), or None when it can be applied now. Events that can never apply (a step on a
    finished dossier) are not waiting: applying them is refused."""
    if event_type == INGEST_RECEIVED:
        return None
    if status is None:
        return INGEST_RECEIVED
    if event_type == INGEST_SUPPLEMENT_RECEIVED and status == RECEIVED:
        return INGEST_SUPPLEMENT_REQUESTED
    if event_type == "dossier.returned" and status in OPEN_STATUSES:
        return INGEST_COMPLETED
    return None


def rejection_reason(dead_letter_reason: str) -> str:
    """The rejection reason of a refusal from its error code or its dead letter's reason text, which
    starts with that code (`<code>: <message> <errors>`); anything unrecognised is a failure."""
    code = dead_letter_reason.split(":", 1)[0].strip()
    if code in REJECTION_LABELS_VI:
        return code
    if code in _REASON_BY_ERROR_CODE:
        return _REASON_BY_ERROR_CODE[code]
    if code.startswith(("not a ", "data ", "attribute ", "invalid data")):  # the envelope could not be read
        return INVALID_EVENT
    return FAILED
