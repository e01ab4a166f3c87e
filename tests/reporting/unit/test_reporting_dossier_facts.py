"""Dossier facts: events merged in any order, the exact rule at an instant, the stored per-(unit, month)
rows and what they give back, supplement time and the second supplement.

Expected values are worked out by hand in the comments, not by calling the code under test.
"""

import itertools
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.reporting.domain.dossier_facts import (
    DossierFact,
    DossierView,
    month_changes,
    month_tally,
    months_to_rerank,
    slot_from_event,
    slots_from_event,
    standing_at,
    tally_changes,
)
from services.reporting.domain.periods import Month, Period, as_of
from services.reporting.domain.progress import Tally
from shared.errors import InvalidInput

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=VN)


def at(month, day, hour=9, minute=0, year=2026, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=VN)


# --------------------------------------------------------------------------- scope of a period (exact rule)

OCTOBER, NOVEMBER, DECEMBER = Month(2026, 10), Month(2026, 11), Month(2026, 12)


def judged(view, period, now):
    return standing_at(view, period.start(VN), period.end(VN), as_of(period, now, VN))


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


def test_reporting_a_dossier_finished_at_2359_on_the_last_day_counts_in_that_month_and_at_0000_in_the_next():
    november, december = Period.parse("2026-11"), Period.parse("2026-12")
    later = at(12, 20)

    def judged(completed_at, period):
        view = DossierView(received_at=at(11, 20), due_at=at(12, 4, 17), completed_at=completed_at,
                           timeliness="early", overdue_detected_at=None)
        return standing_at(view, period.start(VN), period.end(VN), as_of(period, later, VN))

    last_minute = at(11, 30, 23, 59, second=59)
    midnight = at(12, 1, 0, 0)
    assert judged(last_minute, november) == Tally(completed_early=1)
    assert judged(last_minute, december) is None
    assert judged(midnight, november) == Tally(open_within=1)  # still open when November ended
    assert judged(midnight, december) == Tally(completed_early=1)
    # The stored rows put them in the same months (local time, not UTC: 23:59 in Hà Nội is 16:59 UTC).
    assert Month.of(last_minute, VN) == Month(2026, 11) and Month.of(midnight, VN) == Month(2026, 12)


# --------------------------------------------------------------------------- dossier facts and stored counters


def event(kind, code="D1", unit="PBD", received_at=None, due_at=None, **extra):
    received_at = received_at or at(11, 2)
    due_at = due_at or at(11, 9, 17)
    data = {"code": code, "procedure_code": "1.001", "unit": unit, "received_at": received_at.isoformat(),
            "due_at": due_at.isoformat()}
    when = {"dossier.received": received_at, "dossier.completed": extra.get("completed_at"),
            "dossier.overdue": extra.get("detected_at")}[kind]
    data.update({k: v.isoformat() if isinstance(v, datetime) else v for k, v in extra.items()})
    return slot_from_event(kind, data, when)


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
    assert month_changes(done.merged(event("dossier.received")), VN) == {
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
    changes = tally_changes(only_notice, with_receipt, VN)
    assert changes == {("SXD", NOVEMBER): Tally(open_overdue=-1), ("PBD", NOVEMBER): Tally(open_overdue=1)}


def rows_of(facts):
    """The stored rows the facts leave: per (unit, month) changes, and each unit's open dossiers now."""
    months, open_now = {}, {}
    for fact in facts:
        for (unit, period), tally in month_changes(fact, VN).items():
            months[(unit, period)] = months.get((unit, period), Tally()) + tally
            open_now[unit] = open_now.get(unit, Tally()) + tally.open_part()
    return months, open_now


def stored_tally(rows, unit, period):
    months, open_now = rows
    changed_after = Tally()
    for (u, p), tally in months.items():
        if u == unit and p > period:
            changed_after += tally
    return month_tally(months.get((unit, period), Tally()), open_now.get(unit, Tally()), changed_after)


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
    assert month_changes(fact, VN) == {
        ("PBD", OCTOBER): Tally(open_overdue=1),
        ("PBD", january): Tally(completed_late=1, open_overdue=-1),
    }
    rows = rows_of([fact])
    assert [stored_tally(rows, "PBD", p) for p in (OCTOBER, NOVEMBER, DECEMBER, january, Month(2027, 2))] == [
        Tally(open_overdue=1), Tally(open_overdue=1), Tally(open_overdue=1), Tally(completed_late=1), Tally()]


def test_reporting_an_open_dossier_counts_as_within_until_reported_overdue():
    # Stored rows do not look at the clock: past its due time but not yet reported, still within.
    receipt = merged([event("dossier.received", due_at=at(11, 9, 17))])
    assert month_changes(receipt, VN) == {("PBD", NOVEMBER): Tally(open_within=1)}
    reported = receipt.merged(event("dossier.overdue", detected_at=at(11, 9, 17, 5)))
    assert tally_changes(receipt, reported, VN) == {("PBD", NOVEMBER): Tally(open_within=-1, open_overdue=1)}


def test_reporting_a_dossier_becomes_overdue_in_the_month_its_due_time_falls_in():
    # Received 25/10, due 3/11, reported overdue: within at the end of October, overdue from November.
    fact = merged([event("dossier.received", received_at=at(10, 25), due_at=at(11, 3, 17)),
                   event("dossier.overdue", received_at=at(10, 25), due_at=at(11, 3, 17),
                         detected_at=at(11, 3, 17, 5))])
    assert month_changes(fact, VN) == {("PBD", OCTOBER): Tally(open_within=1),
                                              ("PBD", NOVEMBER): Tally(open_within=-1, open_overdue=1)}


def synthetic_dossiers(seed, count=300):
    """Dossiers of three units received from August to December 2026, as the dossiers service would
    report them: each one past its due time (finished late or still open) has its overdue notice."""

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
    assert months_to_rerank(changes.items(), DECEMBER) == [OCTOBER, NOVEMBER, DECEMBER]
    completion_only = {("PDD", NOVEMBER): Tally(completed_early=1)}
    assert months_to_rerank(completion_only.items(), DECEMBER) == [NOVEMBER]
    future_only = {("PDD", Month(2027, 2)): Tally(open_within=1)}
    assert months_to_rerank(future_only.items(), DECEMBER) == []


def test_reporting_an_event_instant_without_an_offset_can_never_be_applied():
    with pytest.raises(InvalidInput) as caught:
        slot_from_event("dossier.received", {"unit": "U", "received_at": "2026-11-02T09:00:00"}, NOW)
    assert "received_at" in caught.value.errors


# --------------------------------------------------------------------------- supplements


def slots_told(kind, data, when, code="D1", unit="PBD"):
    base = {"code": code, "unit": unit, "procedure_code": "1.001", "received_at": at(11, 2).isoformat()}
    return slots_from_event(kind, {**base, **data}, when)


def fact_of(*slot_lists):
    fact = DossierFact("D1")
    for slots in slot_lists:
        for slot in slots:
            fact = fact.merged(slot)
    return fact


RECEIVED = slots_told("dossier.received", {"due_at": at(11, 12, 17).isoformat()}, at(11, 2))
PAUSED = slots_told("dossier.supplement_requested", {"at": at(11, 10, 10).isoformat(), "request_number": 1,
                                                     "reasons": ["Thiếu bản sao"], "counts_as_late": False},
                    at(11, 10, 10))


def standing_now(fact, now=NOW):
    november = Period.parse("2026-11")
    return standing_at(fact.view(), november.start(VN), november.end(VN), as_of(november, now, VN))


def test_reporting_time_waiting_for_the_supplement_is_not_counted_against_the_unit():
    # Due 12/11 17:00, paused on 10/11 and still waiting on 16/11: past the old due time, yet within.
    waiting = fact_of(RECEIVED, PAUSED)
    assert waiting.paused_since == at(11, 10, 10)
    assert standing_now(waiting) == Tally(open_within=1)
    # Supplemented on 13/11: the dossiers service moved the due instant by the paused working time, to
    # 18/11 17:00, so on 16/11 it is within and on 19/11 overdue.
    resumed = fact_of(RECEIVED, PAUSED, slots_told("dossier.supplement_received", {
        "at": at(11, 13, 9).isoformat(), "paused_days": "3", "due_at": at(11, 18, 17).isoformat()}, at(11, 13, 9)))
    assert resumed.paused_since is None and resumed.due_at == at(11, 18, 17)
    assert standing_now(resumed) == Tally(open_within=1)
    assert standing_now(resumed, at(11, 19, 9)) == Tally(open_overdue=1)
    # Without the pause the same dossier is overdue on 16/11.
    assert standing_now(fact_of(RECEIVED)) == Tally(open_overdue=1)


def test_reporting_a_second_supplement_request_counts_the_dossier_late_whatever_its_dates():
    second = slots_told("dossier.supplement_requested", {"at": at(11, 14, 9).isoformat(), "request_number": 2,
                                                         "reasons": ["Thiếu chữ ký"], "counts_as_late": True},
                        at(11, 14, 9))
    marked = slots_told("dossier.marked_late", {"at": at(11, 14, 9).isoformat(), "reason": "second_supplement"},
                        at(11, 14, 9))
    fact = fact_of(RECEIVED, PAUSED, second, marked)
    # Still waiting for the citizen, but marked late: overdue in the scorecard and in the stored rows.
    assert standing_now(fact) == Tally(open_overdue=1)
    assert month_changes(fact, VN) == {("PBD", Month(2026, 11)): Tally(open_overdue=1)}
    # In any order the fact is the same.
    assert fact_of(marked, second, PAUSED, RECEIVED) == fact


def test_reporting_a_second_supplement_before_the_period_began_leaves_it_late_at_the_end():
    marked = slots_told("dossier.marked_late", {"at": at(10, 30).isoformat(), "reason": "second_supplement"},
                        at(10, 30))
    fact = fact_of(slots_told("dossier.received", {"due_at": at(12, 12, 17).isoformat(),
                                                   "received_at": at(10, 20).isoformat()}, at(10, 20)), marked)
    # October: received within, then marked late the same month → overdue from October on.
    assert month_changes(fact, VN) == {("PBD", Month(2026, 10)): Tally(open_overdue=1)}
