"""Pure rules of officials' work plans: periods, the last working day, counting items, when a plan may be
assessed and reviewed."""

from datetime import date

import pytest

from services.tasks import domain
from shared.calendar import WorkingCalendar
from shared.errors import Conflict, InvalidInput

CAL = WorkingCalendar()


@pytest.mark.parametrize("label, kind, first, last", [
    ("2026-W47", "week", date(2026, 11, 16), date(2026, 11, 22)),
    ("2026-w1", None, None, None),
    ("2026-W01", "week", date(2025, 12, 29), date(2026, 1, 4)),  # ISO week 1 starts in the year before
    ("2026-W53", "week", date(2026, 12, 28), date(2027, 1, 3)),  # 2026 has 53 ISO weeks
    ("2026-02", "month", date(2026, 2, 1), date(2026, 2, 28)),
    ("2026-Q4", "quarter", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026-Q1", "quarter", date(2026, 1, 1), date(2026, 3, 31)),
    ("2025-W53", None, None, None),  # 2025 has 52
    ("2026-13", None, None, None),
    ("2026-Q5", None, None, None),
    ("26-11", None, None, None),
    ("2026/11", None, None, None),
    ("", None, None, None),
])
def test_plans_periods_are_iso_weeks_months_and_quarters(label, kind, first, last):
    """Plan 69/KH-UBND (2017) II.3.c: plans for the week, month and quarter; weeks are ISO 8601 weeks."""
    if kind is None:
        with pytest.raises(ValueError, match="2026-W48"):
            domain.parse_period(label)
        return
    period = domain.parse_period(label)
    assert (period.kind, period.first_day, period.last_day) == (kind, first, last)


def test_plans_the_period_of_a_day():
    assert domain.period_of("week", date(2026, 11, 19)).label == "2026-W47"
    assert domain.period_of("month", date(2026, 11, 19)).label == "2026-11"
    assert domain.period_of("quarter", date(2026, 11, 19)).label == "2026-Q4"
    assert domain.period_of("week", date(2027, 1, 1)).label == "2026-W53"


def test_plans_the_last_working_day_skips_weekends_and_holidays():
    """A self-assessment is made from the last working day of the period (Labour Code 2019 art. 112 days
    off are not worked): April 2026 ends with 30/4 off, so on Wednesday 29th; August 2026 with Monday 31st
    off (swapped for Saturday 22nd), so on Friday 28th; a week on its Friday; the third quarter on 30/9."""
    assert domain.parse_period("2026-W47").last_working_day(CAL.is_working_day) == date(2026, 11, 20)
    assert domain.parse_period("2026-04").last_working_day(CAL.is_working_day) == date(2026, 4, 29)
    assert domain.parse_period("2026-08").last_working_day(CAL.is_working_day) == date(2026, 8, 28)
    assert domain.parse_period("2026-Q3").last_working_day(CAL.is_working_day) == date(2026, 9, 30)
    # A period without a single working day keeps its last day.
    assert domain.parse_period("2026-W47").last_working_day(lambda d: False) == date(2026, 11, 22)


def test_plans_items_outside_the_period_are_named_by_position():
    period = domain.parse_period("2026-W47")
    items = [domain.PlanItemDraft("Trả lời văn bản của Sở Nội vụ", date(2026, 11, 17)),
             domain.PlanItemDraft("Báo cáo tuần", date(2026, 11, 23))]
    with pytest.raises(InvalidInput) as raised:
        domain.check_plan_items(period, items, first_position=2)
    assert list(raised.value.errors["items"]) == [3]
    assert "planned_on" in raised.value.errors["items"][3]


def test_plans_done_on_time_means_by_the_planned_day():
    count = domain.count_items([
        (date(2026, 11, 17), date(2026, 11, 17)),  # on the day: on time
        (date(2026, 11, 18), date(2026, 11, 16)),  # early: on time
        (date(2026, 11, 19), date(2026, 11, 20)),  # a day late: done, not on time
        (date(2026, 11, 20), None),
    ])
    assert count == domain.PlanCount(items=4, done=3, done_on_time=2)


def test_plans_self_assessment_not_before_the_last_working_day():
    """Seed 000 §1 (monthly self-evaluation) and Decree 90/2020/ND-CP: the results of a period are judged
    at its end; the official may assess from its last working day on, once."""
    period = domain.parse_period("2026-W47")
    with pytest.raises(Conflict, match="2026-11-20"):
        domain.check_self_assessment("submitted", period, "good", date(2026, 11, 19), CAL.is_working_day)
    domain.check_self_assessment("submitted", period, "good", date(2026, 11, 20), CAL.is_working_day)
    domain.check_self_assessment("submitted", period, "good", date(2026, 11, 24), CAL.is_working_day)
    with pytest.raises(Conflict):
        domain.check_self_assessment("draft", period, "good", date(2026, 11, 20), CAL.is_working_day)
    with pytest.raises(Conflict):
        domain.check_self_assessment("self_assessed", period, "good", date(2026, 11, 20), CAL.is_working_day)


def test_plans_the_evaluation_levels_are_those_of_decree_90():
    """Decree 90/2020/ND-CP as amended by Decree 48/2023/ND-CP: hoàn thành xuất sắc / tốt / hoàn thành /
    không hoàn thành nhiệm vụ."""
    assert domain.LEVELS == ("excellent", "good", "completed", "not_completed")
    with pytest.raises(InvalidInput):
        domain.check_self_assessment("submitted", domain.parse_period("2026-W47"), "average", date(2026, 11, 20),
                                     CAL.is_working_day)


def test_plans_a_review_that_disagrees_says_why():
    with pytest.raises(InvalidInput) as raised:
        domain.check_review("self_assessed", False, "  ")
    assert "note" in raised.value.errors
    domain.check_review("self_assessed", True, None)
    with pytest.raises(Conflict):
        domain.check_review("submitted", True, None)
    with pytest.raises(Conflict):
        domain.check_review("reviewed", True, None)
