"""A procedure's step plan (pure): budgets that add up to the legal time, usable keys."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.dossiers.domain import procedure as procedure_rules
from shared.errors import InvalidInput

HANOI = timezone(timedelta(hours=7))
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Promised for Monday 23 November 2026, 17:00 in Hà Nội.
DUE = datetime(2026, 11, 23, 17, 0, tzinfo=HANOI)


def check_procedure(code, processing_days, steps):
    """The plan of a valid procedure; InvalidInput with every problem otherwise (as registering it answers)."""
    plan, errors = procedure_rules.procedure_errors(code, processing_days, steps)
    if errors:
        raise InvalidInput("the procedure cannot be registered as given", errors)
    return plan




# -- step plans ----------------------------------------------------------------------------------

def step(key: str, days: str) -> dict:
    return {"key": key, "name": key.capitalize(), "days": Decimal(days)}


def test_dossiers_step_budgets_that_sum_to_the_legal_time_are_accepted_in_order():
    plan = check_procedure("1.004227", Decimal("3"), [
        step("receive", "0.25"), step("assign", "0.25"), step("appraise", "0.5"), step("submit", "0.5"),
        step("approve", "1.5")])
    assert [p.key for p in plan] == ["receive", "assign", "appraise", "submit", "approve"]


def test_dossiers_a_procedure_without_steps_is_accepted():
    assert check_procedure("1.004227", Decimal("15"), []) == []


@pytest.mark.parametrize("steps", [
    [step("receive", "0.25"), step("approve", "1.5")],  # short of 3 days
    [step("receive", "1"), step("approve", "2.5")],  # over 3 days
])
def test_dossiers_step_budgets_must_add_up_to_the_processing_time(steps):
    with pytest.raises(InvalidInput) as caught:
        check_procedure("1.004227", Decimal("3"), steps)
    assert list(caught.value.errors) == ["steps"]
    assert "processing_days is 3" in caught.value.errors["steps"][0]


def test_dossiers_each_step_needs_a_positive_budget_and_its_own_key():
    with pytest.raises(InvalidInput) as caught:
        check_procedure("1.004227", Decimal("1"), [step("receive", "0"), step("receive", "1")])
    messages = " ".join(caught.value.errors["steps"])
    assert "greater than 0" in messages
    assert "used twice" in messages


@pytest.mark.parametrize(("days", "message"), [
    ("-1", "0 (same day) or more"), ("0.00001", "4 decimal places"), ("1001", "at most 1000")])
def test_dossiers_processing_time_must_be_a_storable_budget(days, message):
    with pytest.raises(InvalidInput) as caught:
        check_procedure("1.004227", Decimal(days), [])
    assert message in " ".join(caught.value.errors["processing_days"])


def test_dossiers_a_same_day_procedure_has_a_processing_time_of_0_days():
    """Law on Civil Status 2014 art. 16, 18 (birth, marriage registration "ngay trong ngày"): a processing time
    of 0 working days is a same-day procedure; its steps share the day (0 each), and only then may a step
    have 0 days."""
    check_procedure("1.001193", Decimal("0"), [step("receive", "0"), step("approve", "0")])
    with pytest.raises(InvalidInput) as caught:
        check_procedure("1.001193", Decimal("0"), [step("receive", "0.5")])
    assert "processing_days is 0" in caught.value.errors["steps"][0]
