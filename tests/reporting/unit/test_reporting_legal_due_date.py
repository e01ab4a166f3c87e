"""Lateness against the legal due date (an apology never moves it), ends without a result counted as finished,
the counting of apologies and the whole 766 index.

Expected values are worked out by hand in the comments, not by calling the code under test.
"""

import itertools
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.reporting.domain.dossier_facts import DossierFact, month_changes, slots_from_event, standing_at
from services.reporting.domain.index766 import GROUPS, index_766
from services.reporting.domain.occurrences import occurrence_from_event
from services.reporting.domain.periods import Month, Period, as_of
from services.reporting.domain.progress import Tally, formula_for

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOVEMBER = Month(2026, 11)


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


def told(kind, data, when):
    base = {"code": "D1", "unit": "PBD", "procedure_code": "1.001", "received_at": at(11, 2).isoformat()}
    return slots_from_event(kind, {**base, **{k: v.isoformat() if isinstance(v, datetime) else v
                                              for k, v in data.items()}}, when)


def fact_of(*slot_lists):
    fact = DossierFact("D1")
    for slots in slot_lists:
        for slot in slots:
            fact = fact.merged(slot)
    return fact


def standing(fact, now):
    november = Period.parse("2026-11")
    return standing_at(fact.view(), november.start(VN), november.end(VN), as_of(november, now, VN))


RECEIVED = told("dossier.received", {"due_at": at(11, 10, 17)}, at(11, 2))
# Before the correction the platform apologised by itself and moved due_at to the promised 13/11.
OLD_APOLOGY = told("dossier.apology_issued", {"issued_at": at(11, 9, 10), "previous_due_at": at(11, 10, 17),
                                              "due_at": at(11, 13, 17), "reason": "Quá tải", "automatic": True},
                   at(11, 9, 10))
# …and the completion on 12/11 was judged against the moved date: "early".
OLD_COMPLETION = told("dossier.completed", {"due_at": at(11, 13, 17), "completed_at": at(11, 12, 10),
                                            "timeliness": "early"}, at(11, 12, 10))


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_reporting_an_archived_completion_judged_against_the_apologys_date_is_judged_again_against_the_legal_date(
        order):
    """Circular 01/2018/TT-VPCP, Form 04 and Decree 61/2018/ND-CP art. 19: the apology's new date is a promise;
    the dossier stays judged against its legal due date (10/11), so finishing on 12/11 is late, in any order."""
    stories = [RECEIVED, OLD_APOLOGY, OLD_COMPLETION]
    fact = fact_of(*(stories[i] for i in order))
    assert fact.due_at == at(11, 10, 17)
    assert fact.timeliness == "late"
    assert month_changes(fact, VN) == {("PBD", NOVEMBER): Tally(completed_late=1)}


def test_reporting_an_apology_does_not_move_the_deadline_of_an_open_dossier():
    """Form 04 of Circular 01/2018/TT-VPCP: on 11/11 the apologised dossier is past its legal due date (10/11)
    and overdue, though the promised 13/11 has not come."""
    apology = told("dossier.apology_issued", {"issued_at": at(11, 9, 10), "previous_due_at": at(11, 10, 17),
                                              "due_at": at(11, 13, 17), "reason": "Quá tải"}, at(11, 9, 10))
    fact = fact_of(RECEIVED, apology)
    assert fact.due_at == at(11, 10, 17) and fact.apologised
    assert standing(fact, at(11, 11, 9)) == Tally(open_overdue=1)


def test_reporting_a_completion_under_the_corrected_contract_keeps_its_legal_timeliness():
    """dossier.completed now carries the legal due date and timeliness against it: kept as told."""
    completion = told("dossier.completed", {"due_at": at(11, 10, 17), "completed_at": at(11, 12, 10),
                                            "timeliness": "late", "promised_at": at(11, 13, 17),
                                            "promise_kept": True}, at(11, 12, 10))
    apology = told("dossier.apology_issued", {"issued_at": at(11, 9, 10), "previous_due_at": at(11, 10, 17),
                                              "due_at": at(11, 13, 17), "reason": "Quá tải"}, at(11, 9, 10))
    fact = fact_of(RECEIVED, apology, completion)
    assert (fact.due_at, fact.timeliness) == (at(11, 10, 17), "late")


@pytest.mark.parametrize(("end", "ended_at", "expected"), [
    ("dossier.refused", at(11, 10, 16), "on_time"),  # ended on the legal due date
    ("dossier.withdrawn", at(11, 5), "on_time"),  # before it: on time, never "early"
    ("dossier.stopped", at(11, 11, 9), "late"),  # after it
])
def test_reporting_refused_stopped_and_withdrawn_dossiers_count_as_finished(end, ended_at, expected):
    """Decision 766/QĐ-TTg (the portal's method): refused, stopped and withdrawn dossiers count as finished,
    on time when ended before the legal due date, late after it; no longer open at the month's end."""
    fact = fact_of(RECEIVED, told(end, {"at": ended_at, "reason": "Không đủ điều kiện"}, ended_at))
    assert (fact.completed_at, fact.timeliness) == (ended_at, expected)
    assert month_changes(fact, VN) == {("PBD", NOVEMBER): Tally.completed(expected)}
    assert standing(fact, at(11, 20)) == Tally.completed(expected)


def test_reporting_a_dossier_ended_after_a_second_supplement_request_is_late():
    """Decision 766/QĐ-TTg: more than one supplement request is late whatever the dates."""
    marked = told("dossier.marked_late", {"at": at(11, 4), "reason": "second_supplement"}, at(11, 4))
    fact = fact_of(RECEIVED, marked, told("dossier.withdrawn", {"at": at(11, 5)}, at(11, 5)))
    assert fact.timeliness == "late"


def test_reporting_apologies_missed_and_promises_broken_count_once_per_dossier():
    """Decree 61/2018/ND-CP art. 19: a late dossier without an apology is a breach, once per dossier; an
    apologised one past its promised date is a second failure, once per dossier."""
    data = {"code": "D1", "unit": "PBD", "procedure_code": "1.001", "due_at": at(11, 10, 17).isoformat(),
            "detected_at": at(11, 10, 17, 5).isoformat(), "official": "CB-01"}
    missed = occurrence_from_event("dossier.apology_missed", data, at(11, 10, 17, 5))
    again = occurrence_from_event("dossier.apology_missed", {**data, "detected_at": at(11, 11).isoformat()},
                                  at(11, 11))
    assert (missed.kind, missed.subject, missed.key) == (again.kind, again.subject, again.key)
    broken = occurrence_from_event("dossier.promise_broken", {**data, "promised_at": at(11, 13, 17).isoformat()},
                                   at(11, 13, 17, 5))
    assert (broken.unit, broken.official, broken.on_time) == ("PBD", "CB-01", False)
    assert broken.detail["promised_at"] == at(11, 13, 17).isoformat()


def test_reporting_the_766_index_has_five_groups_of_100_points_and_claims_no_total():
    """Decision 766/QĐ-TTg: publicity 18, progress 20, online services 22, satisfaction 18 (dossier handling one
    indicator of 6), digitisation 22. Only progress and dossier satisfaction are measured: 26 points."""
    assert [(g.key, g.max_points) for g in GROUPS] == [("publicity", 18), ("progress", 20), ("online_services", 22),
                                                       ("satisfaction", 18), ("digitisation", 22)]
    for group in GROUPS:
        assert sum(i.max_points for i in group.indicators) == group.max_points
    index = index_766({"progress": Decimal("15.00"), "dossier_satisfaction": Decimal("4.67")})
    assert (index["total"], index["measured_points"], index["measurable_points"]) == (None, Decimal("19.67"), 26)
    satisfaction = next(g for g in index["groups"] if g["key"] == "satisfaction")
    assert [(i["key"], i["max_points"], i["measured"], i["points"]) for i in satisfaction["indicators"]] == [
        ("dossier_satisfaction", 6, True, Decimal("4.67")), ("other_satisfaction", 12, False, None)]
    assert satisfaction["indicators"][1]["why_not_measured"]["vi"]
    assert "766/QĐ-TTg" in index["source"]


def test_reporting_the_progress_formula_cites_its_source_and_version():
    """Every score cites its formula's source and version: December 2026 uses version 2 (legal due date)."""
    december, november = formula_for(Month(2026, 12)), formula_for(NOVEMBER)
    assert "766/QĐ-TTg" in december.as_dict()["source"] and "phiên bản 2" in december.version
    assert november.version != december.version
