"""The reads Home Affairs' workspace adds (SQLite, the in-memory broker): open proposals nearest their
handling limit first, a proposal's timeline, the workspace's counts, violations of a month."""

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from services.discipline.use_cases import decisions, proposals, violations
from services.discipline.use_cases.directory import upsert_official, upsert_unit
from shared.auth import Principal

HANOI = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)  # the clock fixture
INSPECTOR = Principal("TT-01", "HN-SNV", frozenset({"inspector"}))


@pytest.fixture
def svc(start_service):
    running = start_service("discipline")
    uow = running.runtime.uow
    upsert_unit(uow(), "P01", "Thành phố Hà Nội", None, "province")
    upsert_unit(uow(), "W00070", "Phường Hoàn Kiếm", "P01", "ward")
    upsert_unit(uow(), "W00004", "Phường Ba Đình", "P01", "ward")
    for code, unit in [("CB-001", "W00070"), ("CB-002", "W00070"), ("CB-003", "W00004"), ("CB-100", "W00070")]:
        upsert_official(uow(), code, f"Cán bộ {code}", unit, "cong_chuc", None, code == "CB-100")
    # No head in office: only the officials' own proposals are made, none for a head's joint liability.
    return running


def violation(svc, official, *, kind="misconduct", fact_date="2026-11-10", discovered_at=None, unit="W00070"):
    return violations.record_violation(svc.runtime.uow(), official=official, unit=unit, kind=kind,
                                       source_type="misconduct", source=f"XM-{uuid.uuid4().hex[:6]}",
                                       fact_date=fact_date, facts="Gây phiền hà cho người dân.", actor="TT-01",
                                       discovered_at=discovered_at)


def proposal_of(svc, official):
    [found] = proposals.list_sanction_proposals(svc.runtime.uow(), INSPECTOR, official=official).items
    return found


def test_open_proposals_come_nearest_their_handling_limit_first(svc):
    violation(svc, "CB-001", discovered_at=NOW)
    violation(svc, "CB-002", discovered_at=NOW - timedelta(days=60))
    violation(svc, "CB-003", unit="W00004", discovered_at=NOW - timedelta(days=30))
    late, middle, early = proposal_of(svc, "CB-002"), proposal_of(svc, "CB-003"), proposal_of(svc, "CB-001")
    assert late.handling_until == date(2026, 11, 16) + timedelta(days=30)
    found = proposals.list_proposals_by_urgency(svc.runtime.uow(), INSPECTOR, state="open")
    assert [p.code for p in found.items] == [late.code, middle.code, early.code]
    decisions.drop_proposal(svc.runtime.uow(), middle.code, reason="Không đủ căn cứ", actor="TT-01")
    assert [p.code for p in proposals.list_proposals_by_urgency(svc.runtime.uow(), INSPECTOR,
                                                                 state="open").items] == [late.code, early.code]
    assert [p.code for p in proposals.list_proposals_by_urgency(svc.runtime.uow(), INSPECTOR,
                                                                 state="dropped").items] == [middle.code]
    # All of them: the open ones first, still by their limit.
    assert [p.code for p in proposals.list_proposals_by_urgency(svc.runtime.uow(), INSPECTOR,
                                                                 state=None).items] == [late.code, early.code,
                                                                                        middle.code]
    # An official sees only their own.
    own = proposals.list_proposals_by_urgency(svc.runtime.uow(), Principal("CB-001", "W00070", frozenset({"officer"})))
    assert [p.code for p in own.items] == [early.code]


def test_the_timeline_marks_done_current_and_upcoming_steps(svc):
    violation(svc, "CB-001", discovered_at=NOW)
    code = proposal_of(svc, "CB-001").code
    decisions.record_step(svc.runtime.uow(), code, step="review", at=NOW, actor="TT-01")
    timeline = proposals.proposal_timeline(svc.runtime.uow(), INSPECTOR, code)
    assert [(s["step"], s["state"]) for s in timeline["steps"]] == [
        ("review", "done"), ("council", "current"), ("recommendation", "upcoming"), ("decision", "upcoming")]
    review, council = timeline["steps"][:2]
    assert review["on_time"] is True and review["at"] == NOW and review["days"] == 3
    assert council["due_at"] is not None and council["remaining_days"] == 5  # 5 working days from the review
    assert (timeline["limit_days"], timeline["extended_limit_days"], timeline["days_left"]) == (90, 150, 90)
    assert "khien_trach" in timeline["forms"] and timeline["council_size"] == 3
    decisions.drop_proposal(svc.runtime.uow(), code, reason="Không đủ căn cứ", actor="TT-01")
    dropped = proposals.proposal_timeline(svc.runtime.uow(), INSPECTOR, code)
    assert [s["state"] for s in dropped["steps"]] == ["done", "not_taken", "not_taken", "not_taken"]
    assert dropped["is_open"] is False and dropped["near_limit"] is False


def test_the_overview_counts_open_proposals_by_step_and_this_month_s_violations(svc):
    violation(svc, "CB-001", discovered_at=NOW)
    violation(svc, "CB-002", discovered_at=NOW - timedelta(days=80))  # 10 days left
    violation(svc, "CB-003", unit="W00004", kind="conduct", fact_date="2026-10-30")
    code = proposal_of(svc, "CB-001").code
    decisions.record_step(svc.runtime.uow(), code, step="review", at=NOW, actor="TT-01")
    overview = proposals.home_affairs_overview(svc.runtime.uow(), INSPECTOR)
    assert overview["open_proposals"] == 2 and overview["near_limit"] == 1
    assert [(step, n) for step, _, n in overview["proposals_by_step"]] == [
        ("review", 1), ("council", 1), ("recommendation", 0), ("decision", 0)]
    assert overview["nearest"][0]["proposal"].official == "CB-002" and overview["nearest"][0]["days_left"] == 10
    november = violations.list_violations_of_month(svc.runtime.uow(), INSPECTOR, month=date(2026, 11, 1)).total
    assert overview["violations_this_month"] == november >= 2  # the October one is not counted
    assert overview["month_start"] == date(2026, 11, 1) and overview["inspections_this_year"] == 0


def test_violations_of_a_month_keep_to_its_days_and_the_unit_asked(svc):
    for day in ("2025-12-31", "2026-01-01", "2026-01-31", "2026-02-01"):
        violation(svc, "CB-003", unit="W00004", kind="conduct", fact_date=day)
    violation(svc, "CB-001", kind="conduct", fact_date="2026-01-15")

    def days(month, unit=None):
        found = violations.list_violations_of_month(svc.runtime.uow(), INSPECTOR, month=month, unit=unit)
        return sorted(v.fact_date.isoformat() for v in found.items if v.responsibility == "direct")

    assert days(date(2026, 1, 20), unit="W00004") == ["2026-01-01", "2026-01-31"]
    assert days(date(2025, 12, 1), unit="W00004") == ["2025-12-31"]
    assert days(date(2026, 1, 1)) == ["2026-01-01", "2026-01-15", "2026-01-31"]
