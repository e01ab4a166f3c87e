"""The monthly classification of units (seed 004, item 2.b) and the rankings over months, without a database."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from importlib.resources import files

import pytest

from services.reporting.domain.classification import (
    CLASS_CODES,
    SentBack,
    SentBackCounts,
    UnitMonth,
    class_counts,
    classification_rules_from_document,
    classify,
    rules_for,
    sent_back_counts,
    worst_first,
)
from services.reporting.domain.rank_history import (
    ChartBox,
    chart_points,
    followed_units,
    histories,
    rank_range,
    segments,
)

HANOI = timezone(timedelta(hours=7))
DOCUMENT = json.loads(files("services.reporting").joinpath("scoring.json").read_text(encoding="utf-8"))
RULES = classification_rules_from_document(DOCUMENT)[-1]
START, END = datetime(2026, 11, 1, tzinfo=HANOI), datetime(2026, 12, 1, tzinfo=HANOI)


def at(month, day):
    return datetime(2026, month, day, 9, tzinfo=HANOI)


def test_the_shipped_rules_name_the_directive_and_keep_the_thresholds_as_local_policy():
    assert (RULES.late_from, RULES.repeated_from) == (1, 2)
    assert "2.b" in RULES.source and "chính sách của địa phương" in RULES.source.lower()
    assert [c.code for c in RULES.classes] == list(CLASS_CODES)
    assert rules_for(date(2025, 5, 1), classification_rules_from_document(DOCUMENT)) == RULES  # older: the first


def test_rules_with_a_wrong_threshold_or_a_missing_class_are_refused():
    raw = DOCUMENT["classification"]["versions"][0]
    once = {"classification": {"versions": [{**raw, "sent_back_times_from": 1}]}}
    with pytest.raises(ValueError, match="once is not several"):
        classification_rules_from_document(once)
    missing = {"classification": {"versions": [{**raw, "classes": raw["classes"][:3]}]}}
    with pytest.raises(ValueError, match="classes must be"):
        classification_rules_from_document(missing)
    with pytest.raises(ValueError, match="late_dossiers_from"):
        classification_rules_from_document({"classification": {"versions": [
            {k: v for k, v in raw.items() if k != "late_dossiers_from"}]}})


def test_a_rule_version_takes_effect_on_its_date():
    raw = DOCUMENT["classification"]["versions"][0]
    stricter = {**raw, "effective_from": "2027-01-01", "late_dossiers_from": 3, "version": "v2"}
    versions = classification_rules_from_document({"classification": {"versions": [raw, stricter]}})
    assert rules_for(date(2026, 12, 1), versions).late_from == 1
    assert rules_for(date(2027, 1, 1), versions).late_from == 3


def test_a_dossier_sent_back_in_an_earlier_month_and_again_in_this_one_counts_as_several_times():
    rows = [SentBack("PBD", "D1", at(10, 20), 1), SentBack("PBD", "D1", at(11, 5), 2),  # twice, once in Nov
            SentBack("PBD", "D2", at(11, 6), 1),  # once
            SentBack("PBD", "D3", at(11, 7), 1), SentBack("PBD", "D3", at(11, 9), 2),  # twice in November
            SentBack("SXD", "S1", at(10, 2), 1),  # only before the month: not counted
            SentBack("SXD", "S2", at(12, 2), 1)]  # after the month: not counted
    counts = sent_back_counts(rows, START, END, 2)
    assert counts == {"PBD": SentBackCounts(dossiers=3, times=4, repeated=2)}


def test_the_producers_count_knows_sendings_from_before_reporting_started():
    counts = sent_back_counts([SentBack("PBD", "D9", at(11, 5), 3)], START, END, 2)
    assert counts["PBD"] == SentBackCounts(1, 1, 1)
    # An external system without its own count: only what was seen.
    assert sent_back_counts([SentBack("PBD", "D9", at(11, 5), None)], START, END, 2)["PBD"].repeated == 0


def unit(code, late=0, overdue=0, sent_back=(0, 0, 0), name=None):
    return UnitMonth(code, name or code, 10, late, overdue, SentBackCounts(*sent_back))


def test_units_fall_in_the_directives_groups_by_late_dossiers_and_repeated_sendings_back():
    assert classify(unit("A", late=1), RULES) == "late"
    assert classify(unit("B", overdue=2), RULES) == "late"  # open past the deadline at the month's end
    assert classify(unit("C", sent_back=(1, 2, 1)), RULES) == "sent_back"
    assert classify(unit("D", late=1, sent_back=(2, 3, 1)), RULES) == "late_and_sent_back"
    # Sent back once only: counted and shown, but not "nhiều lần".
    assert classify(unit("E", sent_back=(1, 1, 0)), RULES) == "clear"
    assert classify(unit("F"), RULES) == "clear"


def test_the_table_lists_the_worst_first_and_equal_units_by_vietnamese_name():
    units = [unit("F"), unit("A", late=1), unit("B", late=4), unit("C", sent_back=(1, 2, 1)),
             unit("D", late=1, sent_back=(2, 3, 1)), unit("Y", late=1, name="Phường Yên Hòa"),
             unit("X", late=1, name="Phường Ba Đình")]
    ordered = worst_first(units, RULES)
    assert [(u.unit, code) for u, code in ordered] == [
        ("D", "late_and_sent_back"), ("B", "late"), ("A", "late"), ("X", "late"), ("Y", "late"),
        ("C", "sent_back"), ("F", "clear")]
    assert class_counts(ordered) == {"late_and_sent_back": 1, "late": 4, "sent_back": 1, "clear": 1}


# --------------------------------------------------------------------------- rankings over months

MONTHS = ["2026-09", "2026-10", "2026-11", "2026-12"]
RANKINGS = {
    "2026-09": {"A": (2, Decimal("18")), "B": (1, Decimal("19")), "C": (3, Decimal("10"))},
    "2026-11": {"A": (1, Decimal("20")), "B": (3, Decimal("12")), "C": (2, Decimal("15")), "D": (4, Decimal("5"))},
    "2026-12": {},  # a month without a published ranking yet
}


def test_the_followed_units_are_the_first_and_last_of_the_latest_month_ranked():
    assert followed_units(MONTHS, RANKINGS, "both", 2) == [("A", "top"), ("C", "top"), ("B", "bottom"),
                                                           ("D", "bottom")]
    assert followed_units(MONTHS, RANKINGS, "bottom", 1) == [("D", "bottom")]
    assert followed_units(MONTHS, {}, "both", 5) == []
    # A ranking shorter than both ends together: a unit is followed once, at the top.
    assert followed_units(MONTHS, RANKINGS, "both", 3) == [("A", "top"), ("C", "top"), ("B", "top"),
                                                           ("D", "bottom")]


def test_each_followed_unit_has_its_rank_every_month_and_none_where_it_was_not_ranked():
    (a, d) = histories(MONTHS, RANKINGS, {"2026-09": 3, "2026-11": 4}, [("A", "top"), ("D", "bottom")])
    assert [(p.month, p.rank, p.of) for p in a.points] == [("2026-09", 2, 3), ("2026-10", None, None),
                                                           ("2026-11", 1, 4), ("2026-12", None, None)]
    assert a.latest.month == "2026-11" and a.first_ranked.month == "2026-09"
    assert [p.rank for p in d.points] == [None, None, 4, None]


def test_a_better_rank_is_drawn_higher_and_a_month_without_rank_breaks_the_line():
    box = ChartBox(width=120, height=60, left=10, right=10, top=10, bottom=10)
    history = histories(["m1", "m2", "m3", "m4", "m5", "m6"],
                        {"m1": {"A": (1, 1)}, "m2": {"A": (3, 1)}, "m4": {"A": (2, 1)}, "m5": {"A": (1, 1)}},
                        {}, [("A", "top")])[0]
    low, high = rank_range([history])
    assert (low, high) == (1, 3)
    points = chart_points(history, low, high, box)
    assert [(p["x"], p["y"]) for p in points] == [(10, 10), (30, 50), (70, 30), (90, 10)]
    assert segments(points) == ["10,10 30,50", "70,30 90,10"]
