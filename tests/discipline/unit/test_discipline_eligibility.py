"""Eligibility of an official on a day: barred from awards, appointment and planning while a decision is in
force (12 months, its day included), and that year's evaluation capped by any discipline in the year."""

from datetime import date, timedelta

from services.discipline.domain import eligibility, procedure, rules, sanctions


def decision(code, decided_on, form="khien_trach"):
    return sanctions.PriorDecision(code, form, "late_dossier", decided_on,
                                procedure.add_months(decided_on, 12) - timedelta(days=1))


def test_an_official_without_decisions_may_receive_everything():
    result = eligibility.eligibility([], date(2026, 11, 16))
    assert (result.may_receive_award, result.may_be_appointed, result.may_be_planned) == (True, True, True)
    assert result.evaluation_cap is None and result.reasons == []


def test_during_the_12_months_the_official_is_barred_and_the_decision_is_named():
    decided = decision("QDKL-1", date(2026, 3, 10))
    for day in (date(2026, 3, 10), date(2026, 11, 16), date(2027, 3, 9)):
        result = eligibility.eligibility([decided], day)
        assert not (result.may_receive_award or result.may_be_appointed or result.may_be_planned), day
        assert [d.code for d in result.in_force] == ["QDKL-1"]
        assert "QDKL-1" in result.reasons[0] and "09/03/2027" in result.reasons[0]


def test_the_day_after_the_12_months_the_official_is_free_again():
    result = eligibility.eligibility([decision("QDKL-1", date(2026, 3, 10))], date(2027, 3, 10))
    assert (result.may_receive_award, result.may_be_appointed, result.may_be_planned) == (True, True, True)


def test_the_day_before_the_decision_nothing_is_barred():
    result = eligibility.eligibility([decision("QDKL-1", date(2026, 3, 10))], date(2026, 3, 9))
    assert result.may_be_appointed and not result.in_force


def test_a_decision_caps_the_evaluation_of_its_year_only():
    decided = [decision("QDKL-1", date(2026, 3, 10))]
    in_year = eligibility.eligibility(decided, date(2026, 12, 31))
    assert in_year.evaluation_cap == "khong_hoan_thanh_nhiem_vu"
    assert any("Nghị định 48/2023" in line and "QDKL-1" in line for line in in_year.reasons)
    # Still in force in January 2027 (no award), but 2027's evaluation is not capped by a 2026 decision.
    next_year = eligibility.eligibility(decided, date(2027, 1, 15))
    assert not next_year.may_receive_award and next_year.evaluation_cap is None


def test_a_decision_is_in_force_twelve_months_including_its_day():
    rule_set = rules.parse_rule_book([{"version": "X", "effective_from": "2025-07-01", "legal_basis": "L",
                                        "rules": []}]).rule_sets[0]
    assert procedure.in_force_until(rule_set, date(2026, 3, 10)) == date(2027, 3, 9)
    assert procedure.in_force_until(rule_set, date(2024, 2, 29)) == date(2025, 2, 27)


def test_adding_months_keeps_the_day_or_takes_the_last_of_a_short_month():
    assert procedure.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert procedure.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert procedure.add_months(date(2025, 7, 1), 60) == date(2030, 7, 1)
    assert procedure.add_months(date(2026, 11, 16), 2) == date(2027, 1, 16)
