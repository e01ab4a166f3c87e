"""Warning points before a deadline (pure): read from the setting, placed in working time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from services.dossiers.domain import warning_points
from shared.calendar import WorkingCalendar

HANOI = timezone(timedelta(hours=7))
CALENDAR = WorkingCalendar()


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


def local(moment: datetime) -> datetime:
    return moment.astimezone(HANOI)


# -- warning points --------------------------------------------------------------------------------

def test_dossiers_warning_points_are_read_from_the_setting():
    points = warning_points.parse_points("75%, 1d ,4h", "dossier_warning_points")
    assert [(p.label, p.unit, p.value) for p in points] == [
        ("75%", "%", Decimal(75)), ("1d", "d", Decimal(1)), ("4h", "h", Decimal(4))]
    assert [p.alert_kind for p in points] == ["due_soon:75%", "due_soon:1d", "due_soon:4h"]
    [apology] = warning_points.parse_points("1d", "dossier_apology_point", kind=warning_points.APOLOGY_DUE)
    assert apology.alert_kind == "apology_due"


@pytest.mark.parametrize("bad", ["75", "120%", "0%", "one day", "1w"])
def test_dossiers_a_bad_warning_point_fails_loudly_with_the_setting_name(bad):
    with pytest.raises(ValueError, match="dossier_warning_points"):
        warning_points.parse_points(bad, "dossier_warning_points")


def test_dossiers_one_working_day_before_a_monday_deadline_is_the_friday_evening():
    [one_day] = warning_points.parse_points("1d", "x")
    assert local(warning_points.point_instant(CALENDAR, at(11, 23, 17), Decimal(3), one_day)) == at(11, 20, 17)


def test_dossiers_three_quarters_of_a_two_day_budget_falls_four_office_hours_before_the_deadline():
    [share] = warning_points.parse_points("75%", "x")
    # Due Wed 18 Nov 09:00: back one hour to Wed 08:00, three more to Tue 14:00.
    assert local(warning_points.point_instant(CALENDAR, at(11, 18, 9), Decimal(2), share)) == at(11, 17, 14)


def test_dossiers_a_point_before_the_clock_started_does_not_exist():
    points = warning_points.parse_points("75%,1d", "x")
    # Half a day from Mon 09:00 (due 14:00): one working day before is before the receipt itself. Three of
    # the four hours are used at noon (the lunch hour adds nothing), so 75% is reached at 12:00, not 13:00.
    found = warning_points.due_points(CALENDAR, at(11, 16, 14), Decimal("0.5"), at(11, 16, 9), points)
    assert [(local(instant), point.label) for instant, point in found] == [(at(11, 16, 12), "75%")]
