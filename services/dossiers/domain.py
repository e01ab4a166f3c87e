"""Pure rules about procedures and dossiers. No Flask, no database, no clock call: time is passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from shared.calendar import DeadlineExplanation, WorkingCalendar
from shared.errors import InvalidInput

# A dossier is open while it is `received`; step progress (hand-overs, supplements) will be tracked
# beside the status rather than in it, so "open" stays one value the overdue sweep can index.
RECEIVED = "received"
COMPLETED = "completed"
STATUSES = (RECEIVED, COMPLETED)

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


@dataclass(frozen=True)
class StepPlan:
    key: str
    name: str
    days: Decimal


def _day_budget_errors(days: Decimal) -> list[str]:
    errors = []
    if days <= 0:
        errors.append("must be greater than 0 working days")
    if days > MAX_PROCESSING_DAYS:
        errors.append(f"must be at most {MAX_PROCESSING_DAYS} working days")
    if days.as_tuple().exponent < -DAY_PLACES:
        errors.append(f"use at most {DAY_PLACES} decimal places (e.g. 0.25 for a quarter day)")
    return errors


def check_procedure(code: str, processing_days: Decimal, steps: list[dict]) -> list[StepPlan]:
    """Validate a procedure's legal processing time and its step plan; returns the plan in order.

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
        if key in seen:
            step_errors.append(f"step {position}: key {key!r} is used twice; each step needs its own key")
        seen.add(key)
        step_errors += [f"step {position} ({key}): days {message}" for message in _day_budget_errors(days)]
        plan.append(StepPlan(key=key, name=step["name"], days=days))
    if plan and not step_errors:
        total = sum((p.days for p in plan), Decimal(0))
        if total != processing_days:
            step_errors.append(
                f"the steps add up to {format_days(total)} working days but processing_days is "
                f"{format_days(processing_days)}; make the step budgets sum to the legal processing time"
            )
    if step_errors:
        errors["steps"] = step_errors
    if errors:
        raise InvalidInput("the procedure cannot be registered as given", errors)
    return plan


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


def standing(status: str, due_at: datetime, timeliness: str | None, now: datetime) -> Standing:
    if status == COMPLETED:
        return Standing(timeliness=timeliness, overdue_since=None)
    if is_overdue(due_at, now):
        return Standing(timeliness=OVERDUE, overdue_since=due_at)
    return Standing(timeliness=WITHIN_DEADLINE, overdue_since=None)


@dataclass(frozen=True)
class Responsibility:
    step: str | None
    official: str | None
    unit: str | None


def responsibility(timeliness: str, handler: str | None, unit: str) -> Responsibility:
    """Who answers for a late dossier (cá thể hóa trách nhiệm).

    Until hand-overs between steps are recorded, the receiving official and the unit hold the dossier
    for its whole life, so they answer for the delay; no step can be named yet.
    """
    if timeliness != LATE:
        return Responsibility(step=None, official=None, unit=None)
    return Responsibility(step=None, official=handler, unit=unit)


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
