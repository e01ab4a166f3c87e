"""Occurrences: one per fact whatever the retries, on time or not.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from services.reporting.domain.occurrences import occurrence_from_event

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=VN)


def at(month, day, hour=9, minute=0, year=2026, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=VN)


def test_reporting_a_hand_over_told_twice_is_one_occurrence():
    data = {"code": "D3", "unit": "PBD", "at": at(11, 4, 10).isoformat(), "from_step": "appraise",
            "to_step": "approve", "from_official": "CB-017", "to_official": "CB-002", "step_on_time": False,
            "step_used_days": "1.5", "step_budget_days": "0.5"}
    first = occurrence_from_event("dossier.handed_over", data, at(11, 4, 10))
    again = occurrence_from_event("dossier.handed_over", dict(data), at(11, 4, 11))
    assert (first.kind, first.subject, first.key) == (again.kind, again.subject, again.key)
    assert (first.step, first.official, first.on_time) == ("appraise", "CB-017", False)


def test_reporting_an_explanation_submitted_after_its_deadline_is_not_on_time():
    data = {"code": "GT-1", "official": "CB-017", "unit": "PBD", "subject_type": "dossier", "subject": "D3",
            "submitted_at": at(11, 20).isoformat(), "due_at": at(11, 19, 17).isoformat()}
    occurrence = occurrence_from_event("explanation.submitted", data, at(11, 20))
    assert (occurrence.on_time, occurrence.related) == (False, "D3")


def test_reporting_details_write_instants_in_iso_8601_from_typed_event_values():
    """Consumers hand projections typed values (event.values); a drill-down shows instants as the events wrote them."""
    from datetime import timedelta, timezone

    from shared.events import catalog

    hanoi = timezone(timedelta(hours=7))
    data = catalog.load("dossier.deadline_changed", {
        "code": "HS-1", "unit": "W00070", "reason": "calendar_changed",
        "previous_due_at": "2026-11-20T17:00:00+07:00", "due_at": "2026-11-23T17:00:00+07:00"})
    occurrence = occurrence_from_event("dossier.deadline_changed", data, datetime(2026, 11, 19, 9, tzinfo=hanoi))
    assert occurrence.detail["previous_due_at"] == "2026-11-20T17:00:00+07:00"
    assert occurrence.detail["due_at"] == "2026-11-23T17:00:00+07:00"
