"""What a procedure is and what each of its versions says: the legal time, the step plan, the flags.
Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from services.dossiers.domain.dossier import DAY_PLACES, MAX_PROCESSING_DAYS, format_days, is_valid_code
from shared.codes import CODE_RULE

# Levels of government that handle a procedure (the portal's "cấp thực hiện"). The district level ended on
# 1 July 2025, but versions in force before that date and older procedure lists still name it.
LEVELS = {"central": "Cấp trung ương", "province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
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
    # Whether the legal basis and the processing time were checked against the current text of the law
    # (None: not stated; False: to be checked before relying on it).
    legal_basis_verified: bool | None = None


@dataclass(frozen=True)
class ProcedureRow:
    """One procedure of an imported procedure list with its versions, oldest first. `where` and `version_where`
    say where each came from in the file (e.g. "line 12"), so an error names the place to fix."""

    code: str
    name: str
    level: str | None
    field: str | None
    versions: tuple[VersionTerms, ...]
    where: str
    version_where: tuple[str, ...]


def _day_budget_errors(days: Decimal, zero_allowed: bool = False) -> list[str]:
    """A budget's problems. 0 days is a same-day procedure (civil status: Law on Civil Status 2014 art. 16,
    18, "ngay trong ngày"): due by the end of office hours of the day counting starts, the next working day
    when received after the cut-off; its steps then share that day (0 each)."""
    errors = []
    if days < 0 or (days == 0 and not zero_allowed):
        errors.append("must be greater than 0 working days" if not zero_allowed
                      else "must be 0 (same day) or more working days")
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
    if budget_errors := _day_budget_errors(processing_days, zero_allowed=True):
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
        step_errors += [f"step {position} ({key}): days {message}"
                        for message in _day_budget_errors(days, zero_allowed=processing_days == 0)]
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

