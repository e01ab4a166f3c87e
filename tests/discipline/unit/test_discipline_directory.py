"""Directory rules: unit codes, the unit tree, headship terms."""

from datetime import date

import pytest

from services.discipline.domain import directory
from shared.errors import InvalidInput

Term = directory.Term


def test_unit_codes_are_stable_and_readable():
    assert directory.province_unit_code(1) == "P01"
    assert directory.ward_unit_code(70) == "W00070"
    assert directory.kind_of_division("phường") == "ward"
    assert directory.kind_of_division("xã") == "commune"
    assert directory.kind_of_division("thành phố trung ương") == "province"


def test_a_unit_cannot_be_moved_below_itself():
    parents = {"P01": None, "HN-SNV": "P01", "HN-SNV-P1": "HN-SNV"}
    directory.check_no_cycle("HN-SNV", "P01", parents.get)
    with pytest.raises(InvalidInput) as error:
        directory.check_no_cycle("HN-SNV", "HN-SNV-P1", parents.get)
    assert "parent" in error.value.errors


def test_a_new_head_closes_the_previous_term_the_day_before():
    terms = [Term(1, "CB-A", "head", date(2024, 1, 1))]
    plan = directory.plan_assignment(terms, "CB-B", date(2026, 3, 1))
    assert plan.closed == {1: date(2026, 2, 28)}
    assert plan.new_term == Term(None, "CB-B", "head", date(2026, 3, 1), None)


def test_a_head_entered_late_for_an_earlier_date_ends_before_the_next_head():
    terms = [Term(1, "CB-A", "head", date(2024, 1, 1), date(2026, 2, 28)),
             Term(2, "CB-C", "head", date(2026, 3, 1))]
    plan = directory.plan_assignment(terms, "CB-B", date(2025, 6, 1))
    assert plan.closed == {1: date(2025, 5, 31)}
    assert plan.new_term.until == date(2026, 2, 28)


def test_assigning_the_head_already_in_office_changes_nothing():
    terms = [Term(1, "CB-A", "head", date(2024, 1, 1))]
    plan = directory.plan_assignment(terms, "CB-A", date(2025, 1, 1))
    assert plan.new_term is None and plan.existing == terms[0]


def test_two_heads_from_the_same_day_is_refused():
    terms = [Term(1, "CB-A", "head", date(2026, 3, 1))]
    with pytest.raises(InvalidInput, match="already recorded as head from 2026-03-01"):
        directory.plan_assignment(terms, "CB-B", date(2026, 3, 1))


def test_deputies_serve_together_and_a_promoted_deputy_stops_being_deputy():
    terms = [Term(1, "CB-A", "head", date(2024, 1, 1)), Term(2, "CB-B", "deputy", date(2024, 1, 1))]
    deputy = directory.plan_assignment(terms, "CB-C", date(2025, 1, 1), role="deputy")
    assert deputy.closed == {} and deputy.new_term.role == "deputy"
    promoted = directory.plan_assignment(terms, "CB-B", date(2026, 1, 1))
    assert promoted.closed == {1: date(2025, 12, 31), 2: date(2025, 12, 31)}


def test_the_head_in_office_on_a_day():
    terms = [Term(1, "CB-A", "head", date(2024, 1, 1), date(2026, 2, 28)),
             Term(2, "CB-B", "head", date(2026, 3, 1))]
    assert directory.term_in_office(terms, date(2026, 2, 28)).official == "CB-A"
    assert directory.term_in_office(terms, date(2026, 3, 1)).official == "CB-B"
    assert directory.term_in_office(terms, date(2023, 12, 31)) is None
