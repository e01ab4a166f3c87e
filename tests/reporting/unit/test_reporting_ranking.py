"""Rankings: shared ranks, units not ranked, Vietnamese order of ties, what changed since the published one.
"""

from decimal import Decimal

from services.reporting.domain.progress import Tally
from services.reporting.domain.ranking import UnitTally, rank_units, ranking_change
from shared.vietnamese import sort_key as vietnamese_sort_key


def unit(code, name, **counts):
    return UnitTally(code, name, Tally(**counts))


def test_reporting_equal_scores_share_a_rank_and_the_next_rank_skips():
    ranking = rank_units([
        unit("A", "Phường A", completed_on_time=1),  # 20.00
        unit("B", "Phường B", completed_on_time=1, completed_late=1),  # 10.00
        unit("C", "Phường C", completed_on_time=2, completed_late=2),  # 10.00
        unit("D", "Phường D", completed_late=1),  # 0.00
    ])
    assert [(e.unit, e.rank, e.score) for e in ranking.ranked] == [
        ("A", 1, Decimal("20.00")), ("B", 2, Decimal("10.00")), ("C", 2, Decimal("10.00")), ("D", 4, Decimal("0.00"))]


def test_reporting_units_that_received_nothing_are_not_ranked():
    ranking = rank_units([unit("A", "Phường A", open_within=1), unit("Z", "Phường Z")])
    assert [e.unit for e in ranking.ranked] == ["A"] and ranking.not_ranked == ["Z"]


def test_reporting_ties_are_listed_in_vietnamese_alphabetical_order():
    tied = [unit(code, name, completed_on_time=1) for code, name in [
        ("GV", "Phường Giảng Võ"), ("DD", "Phường Đống Đa"), ("DA", "Phường Dịch Vọng"), ("OC", "Phường Ô Chợ Dừa"),
        ("OA", "Phường Ông Ích Khiêm"), ("BD", "Phường Ba Đình"), ("SXD", "Sở Xây dựng")]]
    # D before Đ before G (code point order would put Đ and Ô after every plain letter);
    # O before Ô, and "Ô Chợ" before "Ông" because a space sorts before a letter.
    assert [e.name for e in rank_units(tied).ranked] == [
        "Phường Ba Đình", "Phường Dịch Vọng", "Phường Đống Đa", "Phường Giảng Võ", "Phường Ô Chợ Dừa",
        "Phường Ông Ích Khiêm", "Sở Xây dựng"]
    assert {e.rank for e in rank_units(tied).ranked} == {1}


def test_reporting_vietnamese_order_of_letters_tones_and_numbers():
    words = ["ạ", "á", "ã", "ả", "à", "a", "ă", "â", "b", "đ", "d", "ơ", "ô", "o", "ư", "u"]
    assert sorted(words, key=vietnamese_sort_key) == [
        "a", "à", "ả", "ã", "á", "ạ", "ă", "â", "b", "d", "đ", "o", "ô", "ơ", "u", "ư"]
    assert sorted(["Phường 10", "Phường 2", "phường 1"], key=vietnamese_sort_key) == [
        "phường 1", "Phường 2", "Phường 10"]
    # The same name typed precomposed or decomposed sorts the same.
    assert vietnamese_sort_key("Đống Đa")[:3] == vietnamese_sort_key("Đo\u0302\u0301ng Đa")[:3]


def test_reporting_ranking_change_names_units_whose_rank_or_score_moved():
    ranking = rank_units([unit("A", "A", completed_on_time=1), unit("B", "B", completed_on_time=1, completed_late=1),
                          unit("C", "C", completed_late=1)])
    stored = {"A": (1, Decimal("20.00")), "B": (2, Decimal("12.00")), "C": (3, Decimal("0.00")),
              "X": (4, Decimal("0.00"))}
    change = ranking_change(stored, ranking)
    assert change.changed == [{"unit": "B", "rank": 2, "previous_rank": 2, "score": 10.0}]
    assert change.dropped == ["X"]
    unchanged = {e.unit: (e.rank, e.score) for e in ranking.ranked}
    assert not ranking_change(unchanged, ranking)


def test_reporting_a_new_unit_in_the_ranking_has_no_previous_rank():
    change = ranking_change({}, rank_units([unit("A", "A", open_within=1)]))
    assert change.changed == [{"unit": "A", "rank": 1, "previous_rank": None, "score": 20.0}]
