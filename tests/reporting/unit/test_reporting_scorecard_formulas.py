"""Pure rules of the scorecard: periods of any kind and their cut-offs, supplement time, the second
supplement, the dossier-satisfaction score, the composite score and its bands, occurrences.

Expected values are worked out by hand in the comments, not by calling the code under test.
"""

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.reporting import domain
from services.reporting.domain import DossierFact, Month, Period, Tally, TaskFigures, UnitFigures
from shared.errors import InvalidInput

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=VN)
SCORING = domain.scoring_rules_from_document(json.loads(
    (Path(domain.__file__).with_name("scoring.json")).read_text(encoding="utf-8")))
RULES = SCORING[-1]


def at(month, day, hour=9, minute=0, year=2026, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=VN)


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(("text", "kind", "first", "last"), [
    ("2026-11", "month", date(2026, 11, 1), date(2026, 11, 30)),
    ("2026-Q4", "quarter", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026-Q1", "quarter", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026", "year", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-11-01..2026-11-20", "range", date(2026, 11, 1), date(2026, 11, 20)),
])
def test_reporting_periods_of_every_kind_are_parsed_and_written_back(text, kind, first, last):
    period = Period.parse(text)
    assert (period.kind, period.first, period.last, str(period)) == (kind, first, last, text)


def test_reporting_the_previous_period_is_of_the_same_kind_and_length():
    assert str(Period.parse("2026-01").previous()) == "2025-12"
    assert str(Period.parse("2026-Q1").previous()) == "2025-Q4"
    assert str(Period.parse("2026").previous()) == "2025"
    # 20 days, so the 20 days just before: 12 October to 31 October.
    assert str(Period.parse("2026-11-01..2026-11-20").previous()) == "2026-10-12..2026-10-31"


def test_reporting_whole_months_are_read_from_the_stored_rows_and_other_ranges_are_not():
    assert Period.parse("2026-Q4").months() == [Month(2026, 10), Month(2026, 11), Month(2026, 12)]
    assert Period.parse("2026-10-01..2026-11-30").month_aligned
    assert not Period.parse("2026-11-01..2026-11-20").month_aligned


@pytest.mark.parametrize("text", ["2026-Q5", "2026-Q0", "2026-11-20..2026-11-01", "2026-02-30..2026-03-01",
                                  "2026-11-01...2026-11-20", "Q4-2026", "26"])
def test_reporting_a_malformed_period_of_any_kind_is_refused_naming_period(text):
    with pytest.raises(InvalidInput) as caught:
        domain.requested_period(text, NOW, VN)
    assert "period" in caught.value.errors


def test_reporting_a_period_may_run_now_but_not_start_after_today():
    assert domain.requested_period("2026-Q4", NOW, VN).kind == "quarter"
    assert domain.requested_period("2026-11-10..2026-11-30", NOW, VN).last == date(2026, 11, 30)
    with pytest.raises(InvalidInput):
        domain.requested_period("2026-11-17..2026-11-30", NOW, VN)
    with pytest.raises(InvalidInput):
        domain.requested_period("2027", NOW, VN)


def test_reporting_a_dossier_finished_at_2359_on_the_last_day_counts_in_that_month_and_at_0000_in_the_next():
    november, december = Period.parse("2026-11"), Period.parse("2026-12")
    later = at(12, 20)

    def judged(completed_at, period):
        view = domain.DossierView(received_at=at(11, 20), due_at=at(12, 4, 17), completed_at=completed_at,
                                  timeliness="early", overdue_detected_at=None)
        return domain.standing_at(view, period.start(VN), period.end(VN), domain.as_of(period, later, VN))

    last_minute = at(11, 30, 23, 59, second=59)
    midnight = at(12, 1, 0, 0)
    assert judged(last_minute, november) == Tally(completed_early=1)
    assert judged(last_minute, december) is None
    assert judged(midnight, november) == Tally(open_within=1)  # still open when November ended
    assert judged(midnight, december) == Tally(completed_early=1)
    # The stored rows put them in the same months (local time, not UTC: 23:59 in Hà Nội is 16:59 UTC).
    assert Month.of(last_minute, VN) == Month(2026, 11) and Month.of(midnight, VN) == Month(2026, 12)


# --------------------------------------------------------------------------- supplements


def event(kind, data, when, code="D1", unit="PBD"):
    base = {"code": code, "unit": unit, "procedure_code": "1.001", "received_at": at(11, 2).isoformat()}
    return domain.slots_from_event(kind, {**base, **data}, when)


def fact_of(*slot_lists):
    fact = DossierFact("D1")
    for slots in slot_lists:
        for slot in slots:
            fact = fact.merged(slot)
    return fact


RECEIVED = event("dossier.received", {"due_at": at(11, 12, 17).isoformat()}, at(11, 2))
PAUSED = event("dossier.supplement_requested", {"at": at(11, 10, 10).isoformat(), "request_number": 1,
                                                "reasons": ["Thiếu bản sao"], "counts_as_late": False}, at(11, 10, 10))


def standing_now(fact, now=NOW):
    november = Period.parse("2026-11")
    return domain.standing_at(fact.view(), november.start(VN), november.end(VN), domain.as_of(november, now, VN))


def test_reporting_time_waiting_for_the_supplement_is_not_counted_against_the_unit():
    # Due 12/11 17:00, paused on 10/11 and still waiting on 16/11: past the old due time, yet within.
    waiting = fact_of(RECEIVED, PAUSED)
    assert waiting.paused_since == at(11, 10, 10)
    assert standing_now(waiting) == Tally(open_within=1)
    # Supplemented on 13/11: the dossiers service moved the due instant by the paused working time, to
    # 18/11 17:00, so on 16/11 it is within and on 19/11 overdue.
    resumed = fact_of(RECEIVED, PAUSED, event("dossier.supplement_received", {
        "at": at(11, 13, 9).isoformat(), "paused_days": "3", "due_at": at(11, 18, 17).isoformat()}, at(11, 13, 9)))
    assert resumed.paused_since is None and resumed.due_at == at(11, 18, 17)
    assert standing_now(resumed) == Tally(open_within=1)
    assert standing_now(resumed, at(11, 19, 9)) == Tally(open_overdue=1)
    # Without the pause the same dossier is overdue on 16/11.
    assert standing_now(fact_of(RECEIVED)) == Tally(open_overdue=1)


def test_reporting_a_second_supplement_request_counts_the_dossier_late_whatever_its_dates():
    second = event("dossier.supplement_requested", {"at": at(11, 14, 9).isoformat(), "request_number": 2,
                                                    "reasons": ["Thiếu chữ ký"], "counts_as_late": True}, at(11, 14, 9))
    marked = event("dossier.marked_late", {"at": at(11, 14, 9).isoformat(), "reason": "second_supplement"},
                   at(11, 14, 9))
    fact = fact_of(RECEIVED, PAUSED, second, marked)
    # Still waiting for the citizen, but marked late: overdue in the scorecard and in the stored rows.
    assert standing_now(fact) == Tally(open_overdue=1)
    assert domain.month_changes(fact, VN) == {("PBD", Month(2026, 11)): Tally(open_overdue=1)}
    # In any order the fact is the same.
    assert fact_of(marked, second, PAUSED, RECEIVED) == fact


def test_reporting_a_second_supplement_before_the_period_began_leaves_it_late_at_the_end():
    marked = event("dossier.marked_late", {"at": at(10, 30).isoformat(), "reason": "second_supplement"}, at(10, 30))
    fact = fact_of(event("dossier.received", {"due_at": at(12, 12, 17).isoformat(),
                                              "received_at": at(10, 20).isoformat()}, at(10, 20)), marked)
    # October: received within, then marked late the same month → overdue from October on.
    assert domain.month_changes(fact, VN) == {("PBD", Month(2026, 10)): Tally(open_overdue=1)}


# --------------------------------------------------------------------------- scores


def test_reporting_dossier_satisfaction_has_full_marks_from_ninety_percent():
    # 10 dossiers, 1 late, no complaint: 100% − 10% = 90% → full marks 18.00.
    result = domain.dossier_satisfaction(Tally(completed_on_time=9, completed_late=1), 0, RULES)
    assert (result["rate"], result["score"]) == (Decimal("0.9000"), Decimal("18.00"))
    # 10 dossiers, 1 late, 2 complaints: 100% − 10% − 20% = 70% → 18 × 70 ÷ 90 = 14.00.
    result = domain.dossier_satisfaction(Tally(completed_on_time=9, completed_late=1), 2, RULES)
    assert (result["rate"], result["complaint_share"], result["score"]) == (
        Decimal("0.7000"), Decimal("0.2000"), Decimal("14.00"))
    assert domain.dossier_satisfaction(Tally(), 0, RULES) is None


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
    values = domain.component_values(BA_DINH, RULES)
    assert values == {"progress": Decimal("50.00"), "dossier_satisfaction": Decimal("18.52"),
                      "citizen_satisfaction": Decimal("50.00"), "tasks": Decimal("50.00"),
                      "feedback": Decimal("0.00"), "discipline": Decimal("66.67")}
    result = domain.composite(BA_DINH, RULES)
    assert result.score == Decimal("41.95")
    assert (result.band.code, result.band.vi) == ("fail", "Chưa đạt")
    assert result.not_measured == []


def test_reporting_components_without_data_are_left_out_and_the_others_weigh_more():
    # Only dossiers, all on time: progress 100 (35) and dossier satisfaction 100 (15); discipline without
    # requests has full marks (10); ratings, tasks, feedback not measured → 100, Xuất sắc.
    result = domain.composite(UnitFigures(tally=Tally(completed_on_time=4)), RULES)
    assert (result.score, result.band.vi) == (Decimal("100.00"), "Xuất sắc")
    assert result.not_measured == ["citizen_satisfaction", "tasks", "feedback"]
    caveat = domain.composite_caveats(result.not_measured, RULES)[-1]
    assert caveat.code == "components_not_measured" and "Nhiệm vụ được giao" in caveat.vi
    # Half the dossiers overdue: progress 50, satisfaction 50%/90% = 55.56, discipline 100:
    # (35×50 + 15×55.56 + 10×100) ÷ 60 = 3583.4 ÷ 60 = 59.72 → Đạt.
    result = domain.composite(UnitFigures(tally=Tally(completed_on_time=2, open_overdue=2)), RULES)
    assert (result.score, result.band.vi) == (Decimal("59.72"), "Đạt")


def test_reporting_a_unit_with_nothing_measured_has_no_composite():
    result = domain.composite(UnitFigures(tally=Tally()), RULES)
    assert (result.score, result.band) == (None, None)


def test_reporting_the_ranking_computes_the_same_composite_and_progress_scores_as_the_scorecard():
    # A ranking scores a thousand units from plain counts (component_percents, composite_score,
    # progress_score); the scorecard explains one (composite, progress). Thousands of random units, small
    # counts (ties, shares of a third, nothing measured) and large ones, must get the same scores exactly.
    import random

    rng = random.Random(766)
    weights_of = domain.weighing(RULES)
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
        values = domain.component_percents(
            tally.received, tally.on_time, tally.completed_late + tally.open_overdue, figures.complaints,
            figures.ratings, figures.ratings_satisfied, tasks.assigned, late + overdue,
            figures.feedback_handled + figures.feedback_overdue, figures.feedback_on_time,
            figures.explanations_requested, figures.explanations_missed, RULES.full_marks_at)
        assert domain.composite_score(values, weights_of) == domain.composite(figures, RULES).score, figures
        assert domain.progress_score(tally) == domain.progress(tally).score, tally
    # BA_DINH worked out by hand above.
    assert domain.composite_score(tuple(domain.component_values(BA_DINH, RULES).values()),
                                  weights_of) == Decimal("41.95")


@pytest.mark.parametrize(("score", "band"), [("90", "Xuất sắc"), ("89.99", "Tốt"), ("75", "Tốt"),
                                             ("74.99", "Đạt"), ("50", "Đạt"), ("49.99", "Chưa đạt"), ("0", "Chưa đạt")])
def test_reporting_bands_start_at_their_minimum(score, band):
    assert RULES.band(Decimal(score)).vi == band


def test_reporting_the_scoring_version_is_the_one_in_force_on_the_first_day_of_the_period():
    later = {**json.loads((Path(domain.__file__).with_name("scoring.json")).read_text(encoding="utf-8"))}
    second = {**later["versions"][0], "version": "phiên bản 2", "effective_from": "2027-01-01"}
    versions = domain.scoring_rules_from_document({"versions": [later["versions"][0], second]})
    assert domain.scoring_for(Period.parse("2026-Q4"), versions).version == RULES.version
    assert domain.scoring_for(Period.parse("2027-01"), versions).version == "phiên bản 2"


@pytest.mark.parametrize(("change", "message"), [
    (lambda v: v["components"][0].update(key="speed"), "unknown components"),
    (lambda v: v["components"][0].update(weight=0), "weights must be positive"),
    (lambda v: v["bands"].reverse(), "bands must go"),
    (lambda v: v.pop("bands"), "missing or malformed"),
])
def test_reporting_a_mistake_in_the_scoring_file_is_refused_saying_where(change, message):
    document = json.loads((Path(domain.__file__).with_name("scoring.json")).read_text(encoding="utf-8"))
    change(document["versions"][0])
    with pytest.raises(ValueError, match=message) as caught:
        domain.scoring_rules_from_document(document)
    assert "versions[0]" in str(caught.value)


# --------------------------------------------------------------------------- occurrences


def test_reporting_a_hand_over_told_twice_is_one_occurrence():
    data = {"code": "D3", "unit": "PBD", "at": at(11, 4, 10).isoformat(), "from_step": "appraise",
            "to_step": "approve", "from_official": "CB-017", "to_official": "CB-002", "step_on_time": False,
            "step_used_days": "1.5", "step_budget_days": "0.5"}
    first = domain.occurrence_from_event("dossier.handed_over", data, at(11, 4, 10))
    again = domain.occurrence_from_event("dossier.handed_over", dict(data), at(11, 4, 11))
    assert (first.kind, first.subject, first.key) == (again.kind, again.subject, again.key)
    assert (first.step, first.official, first.on_time) == ("appraise", "CB-017", False)


def test_reporting_an_explanation_submitted_after_its_deadline_is_not_on_time():
    data = {"code": "GT-1", "official": "CB-017", "unit": "PBD", "subject_type": "dossier", "subject": "D3",
            "submitted_at": at(11, 20).isoformat(), "due_at": at(11, 19, 17).isoformat()}
    occurrence = domain.occurrence_from_event("explanation.submitted", data, at(11, 20))
    assert (occurrence.on_time, occurrence.related) == (False, "D3")
