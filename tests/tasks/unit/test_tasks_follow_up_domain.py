"""What the Office's pages read from the domain: the week a Monday list is for, and a tally's open, completed
and late counts."""

from datetime import date

from services.tasks import domain


def test_the_week_of_a_day_begins_on_its_monday():
    assert domain.week_of(date(2026, 11, 16)) == date(2026, 11, 16)  # a Monday is its own week
    assert domain.week_of(date(2026, 11, 22)) == date(2026, 11, 16)  # Sunday closes it
    assert domain.week_of(date(2026, 11, 23)) == date(2026, 11, 23)
    assert domain.week_of(date(2027, 1, 1)) == date(2026, 12, 28)  # across the year's end


def test_a_tally_counts_open_completed_and_late_tasks():
    groups, overall = domain.tally_by_document([
        ("01/CT-UBND", domain.NOT_STARTED), ("01/CT-UBND", domain.IN_PROGRESS), ("01/CT-UBND", domain.OVERDUE),
        ("01/CT-UBND", domain.COMPLETED_ON_TIME), ("01/CT-UBND", domain.COMPLETED_LATE), (None, domain.OVERDUE)])
    tally = groups[0]
    assert (tally.total, tally.open, tally.completed, tally.late) == (5, 3, 2, 2)
    assert (overall.open, overall.completed, overall.late) == (4, 2, 3)
    assert domain.Tally("02/KH-UBND").open == domain.Tally("02/KH-UBND").completed == 0
