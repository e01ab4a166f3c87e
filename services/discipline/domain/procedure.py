"""The disciplinary procedure (Decree 112/2020/ND-CP, Art. 30-34, kept by Decree 172/2025): review
meeting, council, recommendation, decision, each within its working days, and the handling limit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from shared.events.vocabulary import sanction_form_label

if TYPE_CHECKING:
    from services.discipline.domain.rules import RuleSet

PROCEDURE_STEPS = ("review", "council", "recommendation", "decision")
STEP_LABELS = {"review": "Họp kiểm điểm", "council": "Thành lập Hội đồng kỷ luật",
               "recommendation": "Hội đồng kiến nghị hình thức kỷ luật", "decision": "Quyết định kỷ luật"}
# Law: review report within 3 working days of the proposal, council formed within 5, recommendation
# within 5, decision within 5 (each from the previous step).
DEFAULT_STEP_DAYS = {"review": 3, "council": 5, "recommendation": 5, "decision": 5}

@dataclass(frozen=True)
class StepDone:
    step: str
    at: datetime


def next_step(done: Sequence[StepDone]) -> str | None:
    """The step that comes next, in the order the law sets; None after the decision."""
    taken = {s.step for s in done}
    return next((s for s in PROCEDURE_STEPS if s not in taken), None)


def check_step(step: str, done: Sequence[StepDone], at: datetime, now: datetime, members: Sequence[str],
               form: str | None, official: str, rule_set: RuleSet, category: str, leader: bool,
               effective_on: date | None = None, signed_on: date | None = None) -> dict[str, list[str]]:
    """Field errors of a step as given ({} when it may be recorded)."""
    errors: dict[str, list[str]] = {}
    expected = next_step(done)
    if step not in PROCEDURE_STEPS:
        errors["step"] = [f"one of {', '.join(PROCEDURE_STEPS)}"]
    elif expected is None:
        errors["step"] = ["the proposal is already decided"]
    elif step != expected:
        errors["step"] = [f"the next step is {expected} ({STEP_LABELS[expected]}), not {step}"]
    if at > now:
        errors["at"] = ["a step is recorded once it has happened: not in the future"]
    if done and at < done[-1].at:
        errors["at"] = [f"before the previous step ({done[-1].step}, {done[-1].at.isoformat()})"]
    if step == "council":
        if len(members) != rule_set.council_size or len(set(members)) != len(members):
            errors["members"] = [f"a disciplinary council has {rule_set.council_size} different members"]
        elif official in members:
            errors["members"] = ["the official under discipline cannot sit on the council"]
    elif members:
        errors["members"] = ["only the council step names members"]
    if step in ("recommendation", "decision"):
        refusal = form_refusal(rule_set, form, category, leader) if form is not None else None
        if form is None:
            errors["form"] = ["the form recommended or decided is required"]
        elif refusal:
            errors["form"] = [refusal]
    elif form is not None:
        errors["form"] = ["only the recommendation and the decision name a form"]
    if effective_on is not None:
        if step != "decision":
            errors["effective_on"] = ["only the decision has an effective date"]
        elif signed_on is not None and effective_on < signed_on:
            errors["effective_on"] = [f"a decision cannot take effect before it is signed ({signed_on.isoformat()})"]
    return errors


CATEGORY_LABELS = {"can_bo": "cán bộ", "cong_chuc": "công chức", "vien_chuc": "viên chức"}


def form_refusal(rule_set: RuleSet, form: str, category: str, leader: bool) -> str | None:
    """Why `form` cannot be given to an official of `category` (and post) under `rule_set`, naming the set,
    the article that lists the category's forms and the forms allowed; None when it can. A cán bộ (elected
    or appointed to a term) cannot be dismissed (buộc thôi việc) under Decree 172/2025/ND-CP; removal from
    post (cách chức) is for those holding one."""
    ladder = rule_set.ladder(category, leader)
    if not ladder or form in ladder or form in rule_set.local_measures:
        return None
    who = CATEGORY_LABELS.get(category, category)
    if form in rule_set.ladder(category, True):
        why = f"{sanction_form_label(form)} ({form}) applies only to a {who} holding a leadership or management post"
    elif form == "buoc_thoi_viec" and category == "can_bo":
        why = f"a cán bộ cannot be dismissed ({sanction_form_label(form)}, {form})"
    else:
        why = f"{sanction_form_label(form)} ({form}) is not a form for a {who}"
    allowed = ", ".join(f"{sanction_form_label(f)} ({f})" for f in (*ladder, *rule_set.local_measures))
    return f"{why} under {rule_set.version} ({rule_set.forms_cited(category)}); allowed: {allowed}"


def handling_deadline(rule_set: RuleSet, discovered_on: date, extended: bool) -> date:
    """Last day the case may be handled: 90 days from the discovery of the violation, 150 with a recorded
    extension (Decree 112/2020/ND-CP art. 6, kept by Decree 172/2025/ND-CP: thời hạn xử lý kỷ luật runs
    from the discovery, not from the fact)."""
    days = rule_set.handling_days_extended if extended else rule_set.handling_days
    return discovered_on + timedelta(days=days)


def handling_limit_reason(rule_set: RuleSet, code: str, until: date, extended: bool) -> str:
    """Why a step after the handling limit is refused, in Vietnamese."""
    days = rule_set.handling_days_extended if extended else rule_set.handling_days
    more = "đã gia hạn" if extended else f"có thể gia hạn đến {rule_set.handling_days_extended} ngày"
    return (f"Đã quá thời hạn xử lý kỷ luật: đề xuất {code} phải được xử lý xong đến hết ngày {until:%d/%m/%Y} "
            f"({days} ngày kể từ khi phát hiện vi phạm; {more}).")


def in_force_until(rule_set: RuleSet, effective_on: date) -> date:
    """Last day a decision is in force: 12 months from its effective date, that day included."""
    return add_months(effective_on, rule_set.decision_in_force_months) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the last day of the month when it has no such day (31/1 → 28/2)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")
