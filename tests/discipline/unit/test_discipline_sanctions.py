"""Sanction rules: the set in force on a fact's date, thresholds in a window, and readable errors for a
broken rules file. Expected values are worked out by hand from the rules written here."""

import json
from datetime import date, timedelta

import pytest

from services.discipline.domain import rules, sanctions
from services.discipline.use_cases.rule_book import SHIPPED_RULES


def rule_set(version, effective_from, **rule_overrides):
    rule = {"id": "official-late-dossiers", "applies_to": "official", "threshold": 3, "window_days": 30,
            "form": "khien_trach", **rule_overrides}
    return {"version": version, "effective_from": effective_from, "legal_basis": f"basis of {version}",
            "rules": [rule]}


BOOK = rules.parse_rule_book([
    rule_set("ND172-2025/local-1", "2025-07-01"),
    rule_set("ND112-2020/local-0", "2020-09-18", threshold=4),
])
RULE = BOOK.in_force(date(2026, 11, 16)).rules[0]


def late(*days_and_codes):
    return [sanctions.LateFact(code, day) for code, day in days_and_codes]


def test_a_fact_of_30_june_2025_is_judged_by_decree_112_and_one_of_1_july_by_decree_172():
    assert BOOK.in_force(date(2025, 6, 30)).version == "ND112-2020/local-0"
    assert BOOK.in_force(date(2025, 6, 30)).rules[0].threshold == 4
    assert BOOK.in_force(date(2025, 7, 1)).version == "ND172-2025/local-1"
    assert BOOK.in_force(date(2025, 7, 1)).legal_basis == "basis of ND172-2025/local-1"


def test_no_rule_set_is_in_force_before_the_oldest_one():
    assert BOOK.in_force(date(2020, 9, 17)) is None


def test_two_late_dossiers_in_the_window_propose_nothing():
    day = date(2026, 11, 16)
    assert sanctions.evaluate_rule(RULE, day, late(("HS-1", day - timedelta(days=5)), ("HS-2", day))) is None


def test_the_third_late_dossier_in_the_window_meets_the_threshold_and_cites_all_three():
    day = date(2026, 11, 16)
    facts = late(("HS-3", day), ("HS-1", day - timedelta(days=29)), ("HS-2", day - timedelta(days=3)))
    assert sanctions.evaluate_rule(RULE, day, facts) == ["HS-1", "HS-2", "HS-3"]


def test_late_dossiers_older_than_the_window_do_not_count():
    day = date(2026, 11, 16)
    facts = late(("HS-1", day - timedelta(days=30)), ("HS-2", day - timedelta(days=3)), ("HS-3", day))
    assert sanctions.evaluate_rule(RULE, day, facts) is None


def test_a_dossier_late_twice_counts_once():
    day = date(2026, 11, 16)
    facts = late(("HS-1", day - timedelta(days=9)), ("HS-1", day - timedelta(days=2)), ("HS-2", day))
    assert sanctions.evaluate_rule(RULE, day, facts) is None


def test_a_second_proposal_waits_until_the_window_has_passed():
    day = date(2026, 11, 16)
    assert sanctions.proposal_exists_in_window(RULE, day, [day - timedelta(days=29)])
    assert not sanctions.proposal_exists_in_window(RULE, day, [day - timedelta(days=30)])


def test_the_shipped_rules_file_is_valid_and_judges_today_by_decree_172():
    book = rules.parse_rule_book(json.loads(SHIPPED_RULES.read_text(encoding="utf-8")))
    today = book.in_force(date(2026, 11, 21))
    assert today.version == "ND172-2025/local-1"
    assert "172/2025" in today.legal_basis
    assert today.explanation_days == 3
    assert {r.id for r in today.rules} >= {"official-late-dossiers", "head-joint-liability"}
    assert book.in_force(date(2025, 6, 30)).version == "ND112-2020/local-0"


@pytest.mark.parametrize("mutate, expected", [
    (lambda sets: sets[0]["rules"][0].update(treshold=3), "unknown key(s) 'treshold'"),
    (lambda sets: sets[0]["rules"][0].update(threshold=0), "'threshold' must be a whole number of at least 1"),
    (lambda sets: sets[0]["rules"][0].update(form="phat_tien"), "'form' must be one of"),
    (lambda sets: sets[0]["rules"][0].update(applies_to="unit"), "'applies_to' must be one of official, head"),
    (lambda sets: sets[0]["rules"][0].pop("window_days"), "'window_days' is required"),
    (lambda sets: sets[0].update(effective_from="01/07/2025"), "'effective_from' must be a date YYYY-MM-DD"),
    (lambda sets: sets[0].update(explanation_days=0), "'explanation_days' must be a positive number"),
    (lambda sets: sets[1].update(version="A"), "two rule sets share the version A"),
])
def test_a_broken_rules_file_is_refused_with_the_key_and_where_it_is(mutate, expected):
    sets = [rule_set("A", "2025-07-01"), rule_set("B", "2020-09-18")]
    mutate(sets)
    with pytest.raises(rules.RulesError) as error:
        rules.parse_rule_book(sets)
    assert expected in str(error.value)


def test_an_error_in_a_rule_names_its_rule_set_and_rule():
    sets = [rule_set("ND172-2025/local-1", "2025-07-01", threshold="three")]
    with pytest.raises(rules.RulesError, match=r"rule_sets\[0\] \(ND172-2025/local-1\)\.rules\[0\] "
                                                r"\(official-late-dossiers\): 'threshold'"):
        rules.parse_rule_book(sets)


def test_an_empty_rules_file_is_refused():
    with pytest.raises(rules.RulesError, match="non-empty JSON list"):
        rules.parse_rule_book({})
