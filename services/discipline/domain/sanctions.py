"""Sanction proposals: which facts meet a rule, the form a person can receive, repeat escalation, the
limitation period, and the statement of facts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.discipline.domain.directory import KIND
from services.discipline.domain.procedure import add_months
from services.discipline.domain.rules import FORM_SEVERITY, RuleSet, SanctionRule
from shared.events.vocabulary import sanction_form_label


@dataclass(frozen=True)
class LateFact:
    """A late subject (dossier) and the local day it became late."""

    subject: str
    day: date


def evaluate_rule(rule: SanctionRule, fact_day: date, late: Iterable[LateFact]) -> list[str] | None:
    """The subjects that meet `rule` on `fact_day` (distinct, oldest first), or None below threshold.

    Only facts inside the window count: from window_days - 1 days before `fact_day` up to it. A subject
    late twice (a reset return date that passed again) counts once.
    """
    start = rule.window_start(fact_day)
    first_day: dict[str, date] = {}
    for fact in late:
        if start <= fact.day <= fact_day and (fact.subject not in first_day or fact.day < first_day[fact.subject]):
            first_day[fact.subject] = fact.day
    if len(first_day) < rule.threshold:
        return None
    return [s for s, _ in sorted(first_day.items(), key=lambda item: (item[1], item[0]))]


def proposal_exists_in_window(rule: SanctionRule, fact_day: date, proposal_days: Iterable[date]) -> bool:
    """Whether this person already has a proposal under the same rule less than a window away from
    `fact_day` (either side: facts may arrive out of order): one proposal per window, not one per late
    dossier once the threshold is crossed. A rule met by a single violation (threshold 1) judges each
    violation on its own: a second act of misconduct is a second case, not part of the first."""
    if rule.threshold == 1:
        return False
    return any(abs((day - fact_day).days) < rule.window_days for day in proposal_days)


def at_least_as_heavy(form: str | None, than: str) -> bool:
    return form in FORM_SEVERITY and than in FORM_SEVERITY and FORM_SEVERITY.index(form) >= FORM_SEVERITY.index(than)


def heaviest_rule(rules: Sequence[SanctionRule]) -> SanctionRule:
    """Of the rules one violation meets for one person at once, the one whose form is heaviest: one
    violation, one proposal (a second missed explanation is a khiển trách, not also a phê bình)."""
    def weight(rule: SanctionRule) -> int:
        return FORM_SEVERITY.index(rule.form) if rule.form in FORM_SEVERITY else -1
    return max(rules, key=lambda r: (weight(r), r.threshold))


def is_violation_kind(kind: object) -> bool:
    return isinstance(kind, str) and bool(KIND.match(kind))


# A dossier that passed the new return date its apology promised is late a second time: that second
# failure counts toward the late-dossier thresholds as a late fact of its own (Decree 61/2018/ND-CP art. 19
# lets the unit set a new date once; the apology excuses nothing).
COUNTED_AS = {"broken_promise": "late_dossier"}
PROMISE_SUFFIX = " (trễ hẹn lại)"


def counted_as(kind: str) -> str:
    """The violation kind whose rules count a violation of `kind`."""
    return COUNTED_AS.get(kind, kind)


def kinds_counted_by(kind: str) -> tuple[str, ...]:
    """The violation kinds a rule of `kind` counts: its own and those counted as it."""
    return (kind, *(k for k, v in COUNTED_AS.items() if v == kind))


def fact_label(subject: str, kind_or_type: str) -> str:
    """How a counted fact is named: a broken promise is the dossier's second fact, named apart from its
    first (a dossier late twice by its legal due time still counts once)."""
    return subject + PROMISE_SUFFIX if kind_or_type in ("broken_promise", "promise") else subject


def late_fact_text(subject_type: str, subject: str, unit_name: str, due_local: datetime, step: str | None = None,
                   title: str | None = None) -> str:
    """The facts of a late subject as a violation states them, in Vietnamese."""
    due = f"{due_local:%H:%M} ngày {due_local:%d/%m/%Y}"
    if subject_type == "promise":
        return (f"Hồ sơ {subject} đã quá hạn" + (f" (hạn theo quy định {title})" if title else "")
                + f", đơn vị đã xin lỗi và hẹn lại ngày trả kết quả {due} nhưng tiếp tục trễ hẹn"
                + (f" ở bước {step}" if step else "") + f" tại {unit_name}.")
    if subject_type == "apology":
        return (f"Hồ sơ {subject} quá hạn giải quyết (hạn {due}) mà {unit_name} không gửi phiếu xin lỗi và hẹn lại "
                "ngày trả kết quả (Nghị định 61/2018/NĐ-CP, Điều 19; Mẫu 04 Thông tư 01/2018/TT-VPCP); người "
                "đứng đầu là người ký phiếu xin lỗi.")
    if subject_type == "task":
        what = f"Nhiệm vụ {subject}" + (f" «{title}»" if title else "") + " chưa hoàn thành đúng hạn"
    elif subject_type == "feedback":
        what = f"Phản ánh, kiến nghị {subject} chưa được xử lý đúng hạn"
    else:
        what = f"Hồ sơ {subject} quá hạn giải quyết" + (f" ở bước {step}" if step else "")
    return f"{what} (hạn {due}) tại {unit_name}."


# --- proposals: the form, repeat escalation, limitation ------------------------------------------------

def form_for(rule_set: RuleSet, form: str, category: str, leader: bool) -> str:
    """The form a rule proposes, as this official can receive it: unchanged when it is on their ladder (or
    a local measure), else the heaviest form of their ladder not above it (a staff member cannot be
    removed from a post they do not hold), else the lightest of their ladder."""
    ladder = rule_set.ladder(category, leader)
    if not ladder or form in ladder or form in rule_set.local_measures:
        return form
    rank = FORM_SEVERITY.index(form) if form in FORM_SEVERITY else 0
    lighter = [f for f in ladder if FORM_SEVERITY.index(f) <= rank]
    return lighter[-1] if lighter else ladder[0]


@dataclass(frozen=True)
class PriorDecision:
    """A decision already taken against the official: what counts for a repeat and for eligibility."""

    code: str
    form: str
    kind: str | None
    decided_on: date
    in_force_until: date
    effective_on: date | None = None  # archived decisions have none: in force from the signing day

    @property
    def in_force_from(self) -> date:
        return self.effective_on or self.decided_on


def escalate(rule_set: RuleSet, form: str, category: str, leader: bool, kind: str, fact_day: date,
             prior: Iterable[PriorDecision]) -> tuple[str, PriorDecision | None]:
    """Repeat escalation: a violation of the same kind within `repeat_months` after a decision goes one
    level above that decision's form on the official's ladder (never off the ladder: the heaviest form
    stays the heaviest). Returns the form and the decision that raised it (None when nothing did).

    Local measures are below the ladder: a repeat after a phê bình starts at the ladder's first form."""
    ladder = rule_set.ladder(category, leader)
    repeats = [d for d in prior if d.kind == kind and d.in_force_from <= fact_day
               < add_months(d.in_force_from, rule_set.repeat_months)]
    if not ladder or not repeats:
        return form, None

    def level(f: str) -> int:
        if f in ladder:
            return ladder.index(f)
        # A form of an earlier law's ladder (hạ bậc lương under Decree 112, gone from Decree 172) stands at
        # the heaviest form of this ladder not above it; a local measure is below the ladder.
        rank = FORM_SEVERITY.index(f) if f in FORM_SEVERITY else 0
        return sum(1 for g in ladder if FORM_SEVERITY.index(g) <= rank) - 1

    worst = max(repeats, key=lambda d: (level(d.form), d.decided_on))
    raised = ladder[min(level(worst.form) + 1, len(ladder) - 1)]
    if level(raised) <= level(form):
        return form, None
    return raised, worst


def limitation_ends(rule_set: RuleSet, form: str, fact_day: date, handled_on: date) -> date:
    """The first day on which a violation of `fact_day` can no longer be handled (thời hiệu xử lý kỷ luật),
    for a case handled on `handled_on`: the period is the one in force when the case is handled (5 years
    for reprimand-level forms and 10 for the rest from 15/11/2022, Resolution 76/2022/QH15 and Decree
    71/2023/ND-CP; 2 and 5 before, Law 52/2019/QH14)."""
    return add_months(fact_day, 12 * rule_set.limitation.years_for(form, handled_on))


def limitation_reason(rule_set: RuleSet, form: str, fact_day: date, on: date) -> str | None:
    """Why a proposal made `on` is out of time, or None when it may go ahead."""
    ends = limitation_ends(rule_set, form, fact_day, on)
    if on < ends:
        return None
    period = rule_set.limitation.period_on(on)
    years = rule_set.limitation.years_for(form, on)
    source = f"{period.source}; " if period.source else ""
    return (f"Đã hết thời hiệu xử lý kỷ luật: vi phạm ngày {fact_day:%d/%m/%Y}, xử lý ngày {on:%d/%m/%Y}, thời hiệu "
            f"{years} năm đối với hình thức {sanction_form_label(form).lower()} ({source}bộ quy tắc "
            f"{rule_set.version}; hết ngày {ends - timedelta(days=1):%d/%m/%Y}).")


def proposal_statement(rule: SanctionRule, person_name: str, facts: Sequence[str], fact_day: date, form: str,
                       escalated_by: PriorDecision | None, rule_set: RuleSet) -> str:
    """The facts of a proposal in Vietnamese: who, what, when, which rule, which law, which form."""
    who = f"{person_name} (người đứng đầu đơn vị, trách nhiệm liên đới)" if rule.applies_to == "head" else person_name
    text = (f"{who}: {len(facts)} vi phạm «{rule.kind}» trong {rule.window_days} ngày tính đến ngày "
            f"{fact_day:%d/%m/%Y} ({', '.join(facts)}), đạt ngưỡng {rule.threshold} của quy tắc {rule.id}. "
            f"Đề xuất hình thức: {sanction_form_label(form).lower()}.")
    if escalated_by is not None:
        text += (f" Tái phạm trong {rule_set.repeat_months} tháng sau quyết định {escalated_by.code} "
                 f"({sanction_form_label(escalated_by.form).lower()}, ngày {escalated_by.decided_on:%d/%m/%Y}): "
                 "nâng một mức.")
    return text + (f" Ngưỡng: {rule.source}. Căn cứ: {rule_set.legal_basis} (bộ quy tắc {rule_set.version}, "
                   f"nguồn: {rule_set.cited_source}"
                   + ("" if rule_set.verified else ", CHƯA XÁC MINH") + ").")

