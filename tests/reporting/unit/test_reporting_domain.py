"""Pure rules of reporting: the Decision 766 progress formula, periods, dossier facts, rankings.

Expected values are worked out by hand in the comments, not by calling the code under test.
"""

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.reporting import domain
from services.reporting.domain import (
    DossierFact,
    DossierView,
    Month,
    Tally,
    UnitTally,
    progress,
    rank_units,
    ranking_change,
    standing_at,
    vietnamese_sort_key,
)
from shared.errors import InvalidInput

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=VN)


def at(month, day, hour=9, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=VN)


# --------------------------------------------------------------------------- the 766 progress formula


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
    formula = domain.formula_for(Month(2026, 11))
    assert formula.id == "766-progress" and formula.max_points == 20
    assert "766/QĐ-TTg" in formula.version and formula.as_dict()["effective_from"] == "2022-06-23"


# --------------------------------------------------------------------------- periods


def test_reporting_periods_are_local_months():
    november = Month.parse("2026-11")
    assert november.start(VN) == at(11, 1, 0)
    assert november.end(VN) == at(12, 1, 0)
    # 30/11 23:30 in Hà Nội is 16:30 UTC on the 30th: still November; 00:30 on 1/12 local is December
    # although it is still 30/11 in UTC.
    assert Month.of(at(11, 30, 23, 30).astimezone(UTC), VN) == november
    assert Month.of(at(12, 1, 0, 30).astimezone(UTC), VN) == Month(2026, 12)
    assert str(Month(2026, 12).next()) == "2027-01" and str(Month(2027, 1).previous()) == "2026-12"
    assert [str(p) for p in Month(2026, 11).through(Month(2027, 1))] == ["2026-11", "2026-12", "2027-01"]


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "11-2026", "2026/11", "tháng 11", " 2026-11"])
def test_reporting_a_malformed_period_is_refused_naming_the_field(text):
    with pytest.raises(InvalidInput) as caught:
        domain.requested_period(text, NOW, VN)
    assert "period" in caught.value.errors


def test_reporting_the_requested_period_defaults_to_the_current_month_and_is_never_in_the_future():
    assert domain.requested_period(None, NOW, VN) == Month(2026, 11).as_period()
    assert domain.requested_period("2025-02", NOW, VN) == Month(2025, 2).as_period()
    with pytest.raises(InvalidInput):
        domain.requested_period("2026-12", NOW, VN)


def test_reporting_as_of_is_the_end_of_a_past_period_and_now_for_the_current_one():
    assert domain.as_of(Month(2026, 10), NOW, VN) == at(11, 1, 0)
    assert domain.as_of(Month(2026, 11), NOW, VN) == NOW


# --------------------------------------------------------------------------- scope of a period (exact rule)

OCTOBER, NOVEMBER, DECEMBER = Month(2026, 10), Month(2026, 11), Month(2026, 12)


def judged(view, period, now):
    return standing_at(view, period.start(VN), period.end(VN), domain.as_of(period, now, VN))


def test_reporting_a_dossier_received_in_october_and_finished_in_november_counts_in_november_not_december():
    view = DossierView(received_at=at(10, 28), due_at=at(11, 4, 17), completed_at=at(11, 3),
                       timeliness="early", overdue_detected_at=None)
    later = at(12, 15)
    assert judged(view, OCTOBER, later) == Tally(open_within=1)  # open at the end of October, not yet due
    assert judged(view, NOVEMBER, later) == Tally(completed_early=1)
    assert judged(view, DECEMBER, later) is None


def test_reporting_an_open_dossier_is_overdue_once_its_due_time_is_before_as_of():
    view = DossierView(received_at=at(11, 2), due_at=at(11, 10, 17), completed_at=None, timeliness=None,
                       overdue_detected_at=None)
    assert judged(view, NOVEMBER, at(11, 10, 16)) == Tally(open_within=1)
    assert judged(view, NOVEMBER, at(11, 10, 18)) == Tally(open_overdue=1)


def test_reporting_a_dossier_received_after_the_period_is_out_of_it():
    view = DossierView(received_at=at(11, 1, 0), due_at=None, completed_at=None, timeliness=None,
                       overdue_detected_at=None)
    assert judged(view, OCTOBER, NOW) is None


def test_reporting_a_late_completion_after_the_period_leaves_it_overdue_in_the_period():
    # Due 28/10, finished late on 5/11: at the end of October it was open and overdue.
    view = DossierView(received_at=at(10, 20), due_at=at(10, 28, 17), completed_at=at(11, 5),
                       timeliness="late", overdue_detected_at=at(10, 28, 17, 5))
    assert judged(view, OCTOBER, NOW) == Tally(open_overdue=1)
    assert judged(view, NOVEMBER, NOW) == Tally(completed_late=1)


# --------------------------------------------------------------------------- dossier facts and stored counters


def event(kind, code="D1", unit="PBD", received_at=None, due_at=None, **extra):
    received_at = received_at or at(11, 2)
    due_at = due_at or at(11, 9, 17)
    data = {"code": code, "procedure_code": "1.001", "unit": unit, "received_at": received_at.isoformat(),
            "due_at": due_at.isoformat()}
    when = {"dossier.received": received_at, "dossier.completed": extra.get("completed_at"),
            "dossier.overdue": extra.get("detected_at")}[kind]
    data.update({k: v.isoformat() if isinstance(v, datetime) else v for k, v in extra.items()})
    return domain.slot_from_event(kind, data, when)


def merged(slots, code="D1"):
    fact = DossierFact(code)
    for slot in slots:
        fact = fact.merged(slot)
    return fact


LATE_STORY = [
    event("dossier.received"),
    event("dossier.overdue", detected_at=at(11, 9, 17, 5)),
    event("dossier.completed", completed_at=at(11, 12), timeliness="late"),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_reporting_a_dossier_fact_does_not_depend_on_the_order_of_its_events(order):
    fact = merged([LATE_STORY[i] for i in order])
    assert fact == merged(LATE_STORY)
    assert (fact.unit, fact.completed_at, fact.timeliness, fact.overdue_known) == ("PBD", at(11, 12), "late", True)


def test_reporting_a_receipt_arriving_after_the_completion_does_not_reopen_the_dossier():
    done = merged([event("dossier.completed", completed_at=at(11, 5), timeliness="early")])
    assert done.merged(event("dossier.received")).completed_at == at(11, 5)
    assert domain.month_changes(done.merged(event("dossier.received")), VN) == {
        ("PBD", NOVEMBER): Tally(completed_early=1)}


def test_reporting_the_same_event_merged_twice_changes_nothing():
    once = merged([LATE_STORY[0]])
    assert once.merged(LATE_STORY[0]) is once


def test_reporting_an_overdue_notice_counts_for_the_unit_at_fault_until_the_dossier_names_its_unit():
    notice = event("dossier.overdue", unit="SXD", detected_at=at(11, 9, 17, 5))
    only_notice = merged([notice])
    assert only_notice.unit == "SXD"
    with_receipt = only_notice.merged(event("dossier.received", unit="PBD"))
    assert with_receipt.unit == "PBD"
    changes = domain.tally_changes(only_notice, with_receipt, VN)
    assert changes == {("SXD", NOVEMBER): Tally(open_overdue=-1), ("PBD", NOVEMBER): Tally(open_overdue=1)}


def rows_of(facts):
    """The stored rows the facts leave: per (unit, month) changes, and each unit's open dossiers now."""
    months, open_now = {}, {}
    for fact in facts:
        for (unit, period), tally in domain.month_changes(fact, VN).items():
            months[(unit, period)] = months.get((unit, period), Tally()) + tally
            open_now[unit] = open_now.get(unit, Tally()) + tally.open_part()
    return months, open_now


def stored_tally(rows, unit, period):
    months, open_now = rows
    changed_after = Tally()
    for (u, p), tally in months.items():
        if u == unit and p > period:
            changed_after += tally
    return domain.month_tally(months.get((unit, period), Tally()), open_now.get(unit, Tally()), changed_after)


def test_reporting_a_dossier_open_for_months_touches_only_the_months_its_standing_changed():
    # Received 20/10, due 28/10, reported overdue 28/10, finished late 3/1/2027: October it becomes
    # overdue, January it is finished. November and December have no row, yet their tally shows it open
    # and overdue at the month's end.
    fact = merged([
        event("dossier.received", received_at=at(10, 20), due_at=at(10, 28, 17)),
        event("dossier.overdue", received_at=at(10, 20), due_at=at(10, 28, 17), detected_at=at(10, 28, 17, 5)),
        event("dossier.completed", received_at=at(10, 20), due_at=at(10, 28, 17), completed_at=at(1, 3, year=2027),
              timeliness="late"),
    ])
    january = Month(2027, 1)
    assert domain.month_changes(fact, VN) == {
        ("PBD", OCTOBER): Tally(open_overdue=1),
        ("PBD", january): Tally(completed_late=1, open_overdue=-1),
    }
    rows = rows_of([fact])
    assert [stored_tally(rows, "PBD", p) for p in (OCTOBER, NOVEMBER, DECEMBER, january, Month(2027, 2))] == [
        Tally(open_overdue=1), Tally(open_overdue=1), Tally(open_overdue=1), Tally(completed_late=1), Tally()]


def test_reporting_an_open_dossier_counts_as_within_until_reported_overdue():
    # Stored rows do not look at the clock: past its due time but not yet reported, still within.
    receipt = merged([event("dossier.received", due_at=at(11, 9, 17))])
    assert domain.month_changes(receipt, VN) == {("PBD", NOVEMBER): Tally(open_within=1)}
    reported = receipt.merged(event("dossier.overdue", detected_at=at(11, 9, 17, 5)))
    assert domain.tally_changes(receipt, reported, VN) == {("PBD", NOVEMBER): Tally(open_within=-1, open_overdue=1)}


def test_reporting_a_dossier_becomes_overdue_in_the_month_its_due_time_falls_in():
    # Received 25/10, due 3/11, reported overdue: within at the end of October, overdue from November.
    fact = merged([event("dossier.received", received_at=at(10, 25), due_at=at(11, 3, 17)),
                   event("dossier.overdue", received_at=at(10, 25), due_at=at(11, 3, 17),
                         detected_at=at(11, 3, 17, 5))])
    assert domain.month_changes(fact, VN) == {("PBD", OCTOBER): Tally(open_within=1),
                                              ("PBD", NOVEMBER): Tally(open_within=-1, open_overdue=1)}


def synthetic_dossiers(seed, count=300):
    """Dossiers of three units received from August to December 2026, as the dossiers service would
    report them: each one past its due time (finished late or still open) has its overdue notice."""
    import random

    rng = random.Random(seed)
    now = at(1, 20, year=2027)
    facts = []
    for i in range(count):
        received_at = at(8, 1, 8) + timedelta(hours=rng.randrange(0, 150 * 24))
        due_at = received_at + timedelta(hours=rng.randrange(4, 40 * 24))
        unit = rng.choice(["PBD", "PDD", "PHK"])
        slots = [event("dossier.received", code=f"D{i}", unit=unit, received_at=received_at, due_at=due_at)]
        completed_at = received_at + timedelta(hours=rng.randrange(1, 60 * 24)) if rng.random() < 0.7 else None
        if completed_at is not None and completed_at > now:
            completed_at = None
        if completed_at is not None:
            timeliness = "late" if completed_at > due_at else rng.choice(["early", "on_time"])
            slots.append(event("dossier.completed", code=f"D{i}", unit=unit, received_at=received_at,
                               due_at=due_at, completed_at=completed_at, timeliness=timeliness))
        if due_at < (completed_at or now):
            slots.append(event("dossier.overdue", code=f"D{i}", unit=unit, received_at=received_at, due_at=due_at,
                               detected_at=due_at + timedelta(minutes=5)))
        facts.append(merged(slots, code=f"D{i}"))
    return facts, now


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reporting_stored_rows_give_the_exact_tally_of_every_past_month(seed):
    # For months that are over, and overdue notices that came, the incremental rows the rankings use
    # must agree with judging every dossier one by one at the end of the month.
    facts, now = synthetic_dossiers(seed)
    rows = rows_of(facts)
    for period in Month(2026, 8).through(DECEMBER):
        for unit in ("PBD", "PDD", "PHK"):
            exact = Tally()
            for fact in facts:
                if fact.unit == unit:
                    exact += judged(fact.view(), period, now) or Tally()
            assert stored_tally(rows, unit, period) == exact, (unit, str(period))


def test_reporting_a_change_of_open_standing_reranks_every_month_since():
    changes = {("PBD", OCTOBER): Tally(open_within=-1, open_overdue=1),
               ("PDD", NOVEMBER): Tally(completed_early=1)}
    assert domain.months_to_rerank(changes.items(), DECEMBER) == [OCTOBER, NOVEMBER, DECEMBER]
    completion_only = {("PDD", NOVEMBER): Tally(completed_early=1)}
    assert domain.months_to_rerank(completion_only.items(), DECEMBER) == [NOVEMBER]
    future_only = {("PDD", Month(2027, 2)): Tally(open_within=1)}
    assert domain.months_to_rerank(future_only.items(), DECEMBER) == []


# --------------------------------------------------------------------------- ranking


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


def test_reporting_caveats_say_what_the_ranking_does_not_account_for():
    caveats = {c.code: c for c in domain.ranking_caveats(not_ranked=3)}
    assert "supplement" in caveats["supplement_time_excluded_as_reported"].en
    assert "(3 đơn vị)" in caveats["units_without_dossiers_not_ranked"].vi


def test_reporting_an_event_instant_without_an_offset_can_never_be_applied():
    with pytest.raises(InvalidInput) as caught:
        domain.slot_from_event("dossier.received", {"unit": "U", "received_at": "2026-11-02T09:00:00"}, NOW)
    assert "received_at" in caught.value.errors
