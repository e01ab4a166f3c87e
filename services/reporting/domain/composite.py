"""The composite score of a unit (0–100) and its band: a weighted mean of the components measured in the
period (766 progress, 766 dossier satisfaction, citizens' ratings, tasks, feedback, discipline), by the
date-effective versions of services/reporting/scoring.json. The service reads the file and hands the
parsed rules in, so these functions stay pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from services.reporting.domain.periods import Month, Period
from services.reporting.domain.progress import RATE_QUANTUM, SCORE_QUANTUM, Tally
from services.reporting.domain.task_facts import TaskFigures
from services.reporting.domain.texts import SATISFACTION_TEXT
from shared.versions import in_force_or_first

# --------------------------------------------------------------------------- citizens' ratings


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


# --------------------------------------------------------------------------- rules, components, bands

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
    source: str | None = None  # where the weights and bands come from (a law, or local policy)

    def as_dict(self) -> dict:
        total = sum(c.weight for c in self.components)
        return {
            "id": self.id, "version": self.version, "effective_from": self.effective_from.isoformat(),
            "source": self.source,
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
                                 satisfaction["vi"], satisfaction["en"], raw.get("source"))
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
    return in_force_or_first(versions, period.first)


# --------------------------------------------------------------------------- the score of a unit


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
        "rate": rate.quantize(RATE_QUANTUM, ROUND_HALF_UP),
        "overdue_share": overdue_share.quantize(RATE_QUANTUM, ROUND_HALF_UP),
        "complaint_share": complaint_share.quantize(RATE_QUANTUM, ROUND_HALF_UP),
        "complaints": complaints,
        "score": (rules.satisfaction_points * earned).quantize(SCORE_QUANTUM, ROUND_HALF_UP),
        "max_points": rules.satisfaction_points,
        "earned_share": earned,
        "formula": {"expression": f"rate = 1 − overdue_share − complaint_share; score = {rules.satisfaction_points}"
                                  f" × min(1, rate ÷ {rules.full_marks_at})",
                    "vi": rules.satisfaction_vi, "en": rules.satisfaction_en, "version": rules.version,
                    "source": "Quyết định 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ"},
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
    score = (weighted / weights).quantize(SCORE_QUANTUM, ROUND_HALF_UP)
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
    return (weighted / weights).quantize(SCORE_QUANTUM, ROUND_HALF_UP)
