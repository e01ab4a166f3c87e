"""Explanation requests: who is asked to explain a late fact, once, and why."""

from datetime import datetime, timedelta, timezone

import pytest

from services.discipline.domain import explanations


@pytest.mark.parametrize("existing, official, action", [
    ([], "CB-A", "create"),
    ([], None, "create"),
    ([("CB-A", "requested")], "CB-A", "none"),
    ([(None, "unassigned")], None, "none"),
    ([(None, "unassigned")], "CB-A", "assign"),
    ([("CB-A", "requested")], None, "none"),
])
def test_each_late_fact_asks_each_person_once(existing, official, action):
    assert explanations.explanation_action(existing, official) == action


def test_the_reason_names_the_dossier_and_its_due_date_in_vietnamese():
    due = datetime(2026, 11, 13, 17, 0, tzinfo=timezone(timedelta(hours=7)))
    reason = explanations.explanation_reason("head", "HS-001", "Phường Hoàn Kiếm", due)
    assert "HS-001" in reason and "17:00 ngày 13/11/2026" in reason and "Phường Hoàn Kiếm" in reason
    assert "người đứng đầu" in reason
