"""The progress group of the Decision 766/QĐ-TTg index: tallies, the score, the formula in force.

Expected values are worked out by hand in the comments, not by calling the code under test.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.reporting.domain.periods import Month
from services.reporting.domain.progress import PROGRESS_FORMULAS, Tally, formula_for, progress

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=VN)


def at(month, day, hour=9, minute=0, year=2026, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=VN)


def test_reporting_progress_of_ten_dossiers_computed_by_hand():
    # 6 on time + 1 early = 7 of 10 → rate 0.7 → 20 × 0.7 = 14.00 points.
    tally = Tally(completed_early=1, completed_on_time=6, completed_late=2, open_overdue=1)
    result = progress(tally)
    assert (result.received, result.early, result.on_time, result.late, result.overdue_open) == (10, 1, 7, 2, 1)
    assert result.on_time_rate == Decimal("0.7000")
    assert result.score == Decimal("14.00")


def test_reporting_open_dossiers_within_their_deadline_count_as_on_time():
    # 1 early + 1 open within the deadline of 3 (the third overdue) → 2/3 → 13.333… → 13.33.
    result = progress(Tally(completed_early=1, open_within=1, open_overdue=1))
    assert (result.on_time, result.on_time_rate, result.score) == (2, Decimal("0.6667"), Decimal("13.33"))


def test_reporting_score_rounds_half_up_to_two_decimals():
    # 5/8 → 20 × 0.625 = 12.5 exactly; 1/6 → 3.3333…; 7/12 → 11.6666… → 11.67.
    assert progress(Tally(completed_on_time=5, completed_late=3)).score == Decimal("12.50")
    assert progress(Tally(completed_on_time=1, completed_late=5)).score == Decimal("3.33")
    assert progress(Tally(completed_on_time=7, completed_late=5)).score == Decimal("11.67")


def test_reporting_a_unit_that_received_nothing_has_no_rate_and_no_score():
    result = progress(Tally())
    assert (result.received, result.on_time_rate, result.score) == (0, None, None)


def test_reporting_all_late_scores_zero_and_all_on_time_scores_twenty():
    assert progress(Tally(completed_late=4)).score == Decimal("0.00")
    assert progress(Tally(completed_on_time=3, open_within=2)).score == Decimal("20.00")


def test_reporting_the_formula_shown_is_the_one_in_force_for_the_period():
    formula = formula_for(Month(2026, 11))
    assert formula.id == "766-progress" and formula.max_points == 20
    assert "766/QĐ-TTg" in formula.version and formula.as_dict()["effective_from"] == "2022-06-23"


def test_reporting_a_period_before_the_first_formula_is_judged_by_the_first():
    assert formula_for(Month(2020, 1)) == PROGRESS_FORMULAS[0]
