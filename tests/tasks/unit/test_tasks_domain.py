"""Pure task rules: derived states at their edges, recurrence across months and holidays, reminder points."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from services.tasks import domain
from shared.calendar import WorkingCalendar
from shared.errors import Conflict, InvalidInput

HANOI = timezone(timedelta(hours=7))
CAL = WorkingCalendar()
DUE = datetime(2026, 12, 15, 17, 0, tzinfo=HANOI)


def at(day, hour, minute=0, month=12, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


# -- derived states ---------------------------------------------------------------------------------

@pytest.mark.parametrize("completed, expected", [
    (at(15, 16, 59), domain.COMPLETED_ON_TIME),
    (at(15, 17, 0), domain.COMPLETED_ON_TIME),
    (at(15, 17, 1), domain.COMPLETED_LATE),
])
def test_tasks_completion_is_on_time_up_to_the_deadline_minute(completed, expected):
    assert domain.derive_state(DUE, completed, True, at(20, 9)) == expected


@pytest.mark.parametrize("now, reported, expected", [
    (at(15, 16, 59), False, domain.NOT_STARTED),
    (at(15, 17, 0), False, domain.NOT_STARTED),
    (at(15, 17, 0), True, domain.IN_PROGRESS),
    (at(15, 17, 1), True, domain.OVERDUE),
    (at(15, 17, 1), False, domain.OVERDUE),
])
def test_tasks_an_open_task_is_overdue_only_after_its_deadline(now, reported, expected):
    assert domain.derive_state(DUE, None, reported, now) == expected


def test_tasks_an_extension_moves_the_deadline_so_a_later_completion_is_on_time():
    extended = DUE + timedelta(days=7)
    completed = at(18, 10)
    assert domain.derive_state(DUE, completed, True, completed) == domain.COMPLETED_LATE
    assert domain.derive_state(extended, completed, True, completed) == domain.COMPLETED_ON_TIME
    assert domain.timeliness(extended, completed) == "on_time"
    assert domain.timeliness(DUE, completed) == "late"


def test_tasks_a_task_without_deadline_is_never_overdue():
    assert domain.derive_state(None, None, False, at(31, 23)) == domain.NOT_STARTED
    assert domain.derive_state(None, at(31, 23), True, at(31, 23)) == domain.COMPLETED_ON_TIME


# -- recurrence ------------------------------------------------------------------------------------

def occurrences(rule, after, count):
    """(nominal day, deadline) of the next occurrences, skipping those the calendar merges away."""
    result, previous = [], domain.occurrence_due_at(after, CAL.is_working_day, HANOI)
    for day in rule.nominal_days(after):
        due = domain.occurrence_due_at(day, CAL.is_working_day, HANOI)
        if due > previous:
            result.append((day, due))
            previous = due
        if len(result) == count:
            break
    return result


def test_tasks_monthly_on_the_31st_falls_on_the_last_day_or_the_working_day_before():
    rule = domain.Recurrence(domain.MONTHLY, day_of_month=31)
    got = occurrences(rule, date(2027, 1, 1), 4)
    assert [day for day, _ in got] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    # 31 Jan 2027 is a Sunday, 28 Feb 2027 a Sunday: due the Friday before at 17:00.
    assert [due for _, due in got][:2] == [at(29, 17, month=1, year=2027), at(26, 17, month=2, year=2027)]
    assert got[2][1] == at(31, 17, month=3, year=2027)


def test_tasks_monthly_on_the_29th_in_february_of_a_common_year():
    rule = domain.Recurrence(domain.MONTHLY, day_of_month=29)
    assert [d for d, _ in occurrences(rule, date(2026, 1, 30), 2)] == [date(2026, 2, 28), date(2026, 3, 29)]


def test_tasks_a_deadline_on_a_holiday_moves_to_the_working_day_before():
    # 2 September 2026 (National Day, a Wednesday): 29 August to 2 September are all off.
    due = domain.occurrence_due_at(date(2026, 9, 2), CAL.is_working_day, HANOI)
    assert due == datetime(2026, 8, 28, 17, tzinfo=HANOI)
    # 1 January 2027 (Friday, New Year) → Thursday 31 December 2026.
    assert domain.occurrence_due_at(date(2027, 1, 1), CAL.is_working_day, HANOI) == at(31, 17)


def test_tasks_quarterly_is_due_in_the_last_month_of_each_quarter():
    rule = domain.Recurrence(domain.QUARTERLY, day_of_month=20)
    got = occurrences(rule, date(2026, 11, 16), 3)
    assert [day for day, _ in got] == [date(2026, 12, 20), date(2027, 3, 20), date(2027, 6, 20)]
    # All three fall on a weekend: due the Friday before.
    assert [due for _, due in got] == [at(18, 17), at(19, 17, month=3, year=2027), at(18, 17, month=6, year=2027)]


def test_tasks_weekly_across_tet_2026():
    wednesdays = occurrences(domain.Recurrence(domain.WEEKLY, weekday=2), date(2026, 2, 5), 3)
    # Wednesday 18 February is Tết: that week's report is due Friday 13 February, the last office day.
    assert [due for _, due in wednesdays] == [
        datetime(2026, 2, 11, 17, tzinfo=HANOI), datetime(2026, 2, 13, 17, tzinfo=HANOI),
        datetime(2026, 2, 25, 17, tzinfo=HANOI)]
    fridays = occurrences(domain.Recurrence(domain.WEEKLY, weekday=4), date(2026, 2, 5), 3)
    # Friday 20 February (Tết) would fall back onto the 13th's deadline: the holiday week has no report.
    assert [day for day, _ in fridays] == [date(2026, 2, 6), date(2026, 2, 13), date(2026, 2, 27)]


def test_tasks_a_recurrence_stops_at_its_until_date():
    rule = domain.Recurrence(domain.MONTHLY, day_of_month=25, until=date(2027, 1, 31))
    assert list(rule.nominal_days(date(2026, 11, 16))) == [date(2026, 11, 25), date(2026, 12, 25), date(2027, 1, 25)]


@pytest.mark.parametrize("rule, field", [
    (domain.Recurrence(domain.WEEKLY), "weekday"),
    (domain.Recurrence(domain.MONTHLY), "day_of_month"),
    (domain.Recurrence("daily"), "kind"),
])
def test_tasks_an_incomplete_recurrence_names_what_is_missing(rule, field):
    with pytest.raises(InvalidInput) as error:
        rule.validate()
    assert field in error.value.errors["recurrence"]


# -- reminders and the Monday list -------------------------------------------------------------------

@pytest.mark.parametrize("left, point", [
    (Decimal("7.5"), None),
    (Decimal("7"), 7),
    (Decimal("3.01"), 7),
    (Decimal("3"), 3),
    (Decimal("0.5"), 1),
    (Decimal("0"), None),
    (Decimal("-1"), None),
])
def test_tasks_the_tightest_reached_reminder_point(left, point):
    assert domain.reminder_point((7, 3, 1), left) == point


def test_tasks_reminder_points_count_working_days_not_calendar_days():
    # Due Monday 4 January 2027 17:00; New Year's Day and the weekend are not counted.
    due = datetime(2027, 1, 4, 17, tzinfo=HANOI)
    now = at(30, 17)  # Wednesday 30 December, end of office hours
    left = CAL.working_days_between(now, due)
    assert left == Decimal("2")  # Thursday 31 and Monday 4
    assert domain.reminder_point((7, 3, 1), left) == 3


def test_tasks_the_monday_list_takes_tasks_due_this_week_and_unreported_for_a_week():
    monday = at(14, 8)
    _, week_end = domain.digest_window(date(2026, 12, 14), HANOI)
    assert week_end == datetime(2026, 12, 21, tzinfo=HANOI)
    assert domain.due_but_unreported(at(18, 17), None, None, week_end, monday)
    assert domain.due_but_unreported(at(1, 17), None, at(6, 9), week_end, monday)  # past due, stale report
    assert not domain.due_but_unreported(at(18, 17), None, at(10, 9), week_end, monday)  # reported this week
    assert not domain.due_but_unreported(at(21, 17), None, None, week_end, monday)  # due next week
    assert not domain.due_but_unreported(at(18, 17), at(11, 9), None, week_end, monday)  # completed


# -- progress and extensions ------------------------------------------------------------------------

def test_tasks_only_the_lead_units_hundred_percent_completes():
    assert domain.check_progress(None, 100, is_lead=True)
    assert not domain.check_progress(None, 100, is_lead=False)
    assert not domain.check_progress(None, 90, is_lead=True)
    with pytest.raises(Conflict):
        domain.check_progress(at(1, 9), 50, is_lead=True)


def test_tasks_an_extension_is_asked_before_the_deadline_for_a_later_date():
    domain.check_extension_request(DUE, None, DUE + timedelta(days=3), False, at(15, 16, 59))
    with pytest.raises(Conflict, match="deadline in force has passed"):
        domain.check_extension_request(DUE, None, DUE + timedelta(days=3), False, at(15, 17, 0))
    with pytest.raises(InvalidInput) as error:
        domain.check_extension_request(DUE, None, DUE, False, at(10, 9))
    assert "requested_due_at" in error.value.errors
    with pytest.raises(Conflict, match="already waiting"):
        domain.check_extension_request(DUE, None, DUE + timedelta(days=3), True, at(10, 9))
