"""The composite score: its components, the 766 dossier satisfaction, bands, versions of the scoring file,
and the ranking's fast path giving the scorecard's scores to the last digit.

Expected values are worked out by hand in the comments, not by calling the code under test.
"""

import json
import random
from decimal import Decimal
from importlib.resources import files

import pytest

from services.reporting.domain.composite import (
    UnitFigures,
    component_percents,
    component_values,
    composite,
    composite_score,
    dossier_satisfaction,
    scoring_for,
    scoring_rules_from_document,
    weighing,
)
from services.reporting.domain.periods import Period
from services.reporting.domain.progress import Tally, progress, progress_score
from services.reporting.domain.task_facts import TaskFigures
from services.reporting.domain.texts import composite_caveats

SCORING_FILE = files("services.reporting").joinpath("scoring.json")
RULES = scoring_rules_from_document(json.loads(SCORING_FILE.read_text(encoding="utf-8")))[-1]


def test_reporting_dossier_satisfaction_has_full_marks_from_ninety_percent():
    """Decision 766/QĐ-TTg: dossier-handling satisfaction is one indicator worth 6 of the satisfaction group's
    18 points (the rules in force from December 2026; version 1 wrongly gave it the whole group's 18)."""
    # 10 dossiers, 1 late, no complaint: 100% − 10% = 90% → full marks 6.00.
    result = dossier_satisfaction(Tally(completed_on_time=9, completed_late=1), 0, RULES)
    assert (result["rate"], result["score"], result["max_points"]) == (Decimal("0.9000"), Decimal("6.00"), 6)
    # 10 dossiers, 1 late, 2 complaints: 100% − 10% − 20% = 70% → 6 × 70 ÷ 90 = 4.67.
    result = dossier_satisfaction(Tally(completed_on_time=9, completed_late=1), 2, RULES)
    assert (result["rate"], result["complaint_share"], result["score"]) == (
        Decimal("0.7000"), Decimal("0.2000"), Decimal("4.67"))
    assert dossier_satisfaction(Tally(), 0, RULES) is None


BA_DINH = UnitFigures(
    # 6 dossiers: 1 early, 2 on time, 1 late, 2 overdue open.
    tally=Tally(completed_early=1, completed_on_time=2, completed_late=1, open_overdue=2),
    complaints=2, ratings=2, ratings_satisfied=1,
    tasks=TaskFigures(assigned=2, completed_on_time=1, completed_late=0, overdue_open=1),
    feedback_handled=1, feedback_on_time=0, feedback_overdue=1,
    explanations_requested=3, explanations_missed=1,
)


def test_reporting_composite_score_of_a_unit_computed_by_hand():
    # progress 3/6 = 50.00; dossier satisfaction 1 − 3/6 − 2/6 = 16.67% → 16.67/90 = 18.52;
    # ratings 1/2 = 50.00; tasks (2 − 0 late − 1 overdue)/2 = 50.00; feedback 0/(1 + 1) = 0.00;
    # discipline 1 − 1/3 = 66.67.
    # (35×50 + 15×18.52 + 10×50 + 20×50 + 10×0 + 10×66.67) ÷ 100 = 4194.5 ÷ 100 = 41.945 → 41.95.
    values = component_values(BA_DINH, RULES)
    assert values == {"progress": Decimal("50.00"), "dossier_satisfaction": Decimal("18.52"),
                      "citizen_satisfaction": Decimal("50.00"), "tasks": Decimal("50.00"),
                      "feedback": Decimal("0.00"), "discipline": Decimal("66.67")}
    result = composite(BA_DINH, RULES)
    assert result.score == Decimal("41.95")
    assert (result.band.code, result.band.vi) == ("fail", "Chưa đạt")
    assert result.not_measured == []


def test_reporting_components_without_data_are_left_out_and_the_others_weigh_more():
    # Only dossiers, all on time: progress 100 (35) and dossier satisfaction 100 (15); discipline without
    # requests has full marks (10); ratings, tasks, feedback not measured → 100, Xuất sắc.
    result = composite(UnitFigures(tally=Tally(completed_on_time=4)), RULES)
    assert (result.score, result.band.vi) == (Decimal("100.00"), "Xuất sắc")
    assert result.not_measured == ["citizen_satisfaction", "tasks", "feedback"]
    caveat = composite_caveats(result.not_measured, RULES)[-1]
    assert caveat.code == "components_not_measured" and "Nhiệm vụ được giao" in caveat.vi
    # Half the dossiers overdue: progress 50, satisfaction 50%/90% = 55.56, discipline 100:
    # (35×50 + 15×55.56 + 10×100) ÷ 60 = 3583.4 ÷ 60 = 59.72 → Đạt.
    result = composite(UnitFigures(tally=Tally(completed_on_time=2, open_overdue=2)), RULES)
    assert (result.score, result.band.vi) == (Decimal("59.72"), "Đạt")


def test_reporting_a_unit_with_nothing_measured_has_no_composite():
    result = composite(UnitFigures(tally=Tally()), RULES)
    assert (result.score, result.band) == (None, None)


def test_reporting_the_ranking_computes_the_same_composite_and_progress_scores_as_the_scorecard():
    # A ranking scores a thousand units from plain counts (component_percents, composite_score,
    # progress_score); the scorecard explains one (composite, progress). Thousands of random units, small
    # counts (ties, shares of a third, nothing measured) and large ones, must get the same scores exactly.

    rng = random.Random(766)
    weights_of = weighing(RULES)
    for case in range(4000):
        top = (3, 12, 200, 100_000)[case % 4]
        tally = Tally(*(rng.randint(0, top) for _ in range(5)))
        on_time, late, overdue = (rng.randint(0, top) for _ in range(3))
        tasks = TaskFigures(on_time + late + overdue + rng.randint(0, top), on_time, late, overdue)
        figures = UnitFigures(tally=tally, complaints=rng.randint(0, top), ratings=(ratings := rng.randint(0, top)),
                              ratings_satisfied=rng.randint(0, ratings), tasks=tasks,
                              feedback_handled=(handled := rng.randint(0, top)),
                              feedback_on_time=rng.randint(0, handled), feedback_overdue=rng.randint(0, top),
                              explanations_requested=rng.randint(0, top), explanations_missed=rng.randint(0, top))
        values = component_percents(
            tally.received, tally.on_time, tally.completed_late + tally.open_overdue, figures.complaints,
            figures.ratings, figures.ratings_satisfied, tasks.assigned, late + overdue,
            figures.feedback_handled + figures.feedback_overdue, figures.feedback_on_time,
            figures.explanations_requested, figures.explanations_missed, RULES.full_marks_at)
        assert composite_score(values, weights_of) == composite(figures, RULES).score, figures
        assert progress_score(tally) == progress(tally).score, tally
    # BA_DINH worked out by hand above.
    assert composite_score(tuple(component_values(BA_DINH, RULES).values()),
                           weights_of) == Decimal("41.95")


@pytest.mark.parametrize(("score", "band"), [("90", "Xuất sắc"), ("89.99", "Tốt"), ("75", "Tốt"),
                                             ("74.99", "Đạt"), ("50", "Đạt"), ("49.99", "Chưa đạt"), ("0", "Chưa đạt")])
def test_reporting_bands_start_at_their_minimum(score, band):
    assert RULES.band(Decimal(score)).vi == band


def test_reporting_the_scoring_version_is_the_one_in_force_on_the_first_day_of_the_period():
    later = {**json.loads(SCORING_FILE.read_text(encoding="utf-8"))}
    second = {**later["versions"][0], "version": "phiên bản 2", "effective_from": "2027-01-01"}
    versions = scoring_rules_from_document({"versions": [later["versions"][0], second]})
    assert scoring_for(Period.parse("2026-Q4"), versions).version == later["versions"][0]["version"]
    assert scoring_for(Period.parse("2027-01"), versions).version == "phiên bản 2"


@pytest.mark.parametrize(("change", "message"), [
    (lambda v: v["components"][0].update(key="speed"), "unknown components"),
    (lambda v: v["components"][0].update(weight=0), "weights must be positive"),
    (lambda v: v["bands"].reverse(), "bands must go"),
    (lambda v: v.pop("bands"), "missing or malformed"),
])
def test_reporting_a_mistake_in_the_scoring_file_is_refused_saying_where(change, message):
    document = json.loads(SCORING_FILE.read_text(encoding="utf-8"))
    change(document["versions"][0])
    with pytest.raises(ValueError, match=message) as caught:
        scoring_rules_from_document(document)
    assert "versions[0]" in str(caught.value)
