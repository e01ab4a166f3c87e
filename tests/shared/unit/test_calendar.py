"""Working-day calendar: the deadlines citizens and officers actually see.

Every expected value below was computed by hand from the office day
08:00-12:00 / 13:00-17:00 (8 working hours), the 15:00 cut-off and the
Vietnamese calendar of the year, not by calling the code under test.
"""

import json
import random
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
import pytest

from shared.calendar import CalendarRules, DeadlineExplanation, WorkingCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y, mo, d, h=0, mi=0, s=0):
    return datetime(y, mo, d, h, mi, s, tzinfo=VN)


@pytest.fixture(scope="module")
def cal():
    return WorkingCalendar()


def entry(expl: DeadlineExplanation, day: date):
    (found,) = [e for e in expl.days if e.day == day]
    return found


# --------------------------------------------------------------------------- Tết


def test_tet_2026_is_skipped_and_the_deadline_moves_past_it(cal):
    # Fri 13/02 09:00, 3 days = 24 h: Fri 09-17 gives 7 h; Sat 14 + Sun 15,
    # Tết 16-20, Sat 21 + Sun 22 are off; Mon 23 gives 8 h (15), Tue 24 8 h
    # (23), the last hour is Wed 25 08:00-09:00.
    expl = cal.explain(at(2026, 2, 13, 9), 3)
    assert expl.due_at == at(2026, 2, 25, 9)
    assert cal.due_at(at(2026, 2, 13, 9), 3) == at(2026, 2, 25, 9)
    assert not expl.cutoff_applied

    for d in range(16, 21):
        e = entry(expl, date(2026, 2, d))
        assert not e.working
        assert e.reason == "holiday"
        assert e.label_vi.startswith("Nghỉ lễ: ")
        assert "Tết Nguyên Đán" in e.label_vi
        assert e.counted_hours == 0
    assert entry(expl, date(2026, 2, 17)).label_vi == "Nghỉ lễ: Tết Nguyên Đán"
    assert entry(expl, date(2026, 2, 17)).label_en == "Public holiday: Lunar New Year"
    assert entry(expl, date(2026, 2, 14)).label_vi == "Thứ Bảy"
    assert entry(expl, date(2026, 2, 15)).label_vi == "Chủ nhật"
    assert [entry(expl, date(2026, 2, d)).reason for d in (21, 22)] == ["saturday", "sunday"]

    counted = {e.day.day: e.counted_hours for e in expl.days if e.counted_hours}
    assert counted == {13: 7.0, 23: 8.0, 24: 8.0, 25: 1.0}


def test_day_off_reason_names_the_holiday(cal):
    assert cal.day_off_reason(date(2026, 2, 17)) == (
        "holiday",
        "Nghỉ lễ: Tết Nguyên Đán",
        "Public holiday: Lunar New Year",
    )
    assert cal.day_off_reason(date(2026, 9, 2))[0] == "holiday"
    assert cal.day_off_reason(date(2026, 3, 7)) == ("saturday", "Thứ Bảy", "Saturday")
    assert cal.day_off_reason(date(2026, 3, 2)) is None  # an ordinary Monday


# --------------------------------------------------------------------------- swaps


def test_swapped_saturday_2025_is_worked_and_its_friday_is_off(cal):
    assert cal.is_working_day(date(2025, 4, 26))
    assert not cal.is_working_day(date(2025, 5, 2))

    # Fri 25/04 09:00 + 1 day: the Saturday is a working day, so 09:00 Saturday.
    expl = cal.explain(at(2025, 4, 25, 9), 1)
    assert expl.due_at == at(2025, 4, 26, 9)
    sat = entry(expl, date(2025, 4, 26))
    assert sat.working and sat.reason == "swapped_working_day"
    assert sat.label_vi == "Làm việc bù (thứ bảy)"
    assert sat.counted_hours == 1.0

    # Tue 29/04 09:00 + 1 day: 30/04, 01/05 holidays, 02/05 the swapped day
    # off, then the weekend: 09:00 on Mon 05/05.
    expl = cal.explain(at(2025, 4, 29, 9), 1)
    assert expl.due_at == at(2025, 5, 5, 9)
    fri = entry(expl, date(2025, 5, 2))
    assert not fri.working and fri.reason == "holiday"
    assert "26/04/2025" in fri.label_vi
    assert [entry(expl, date(2025, 5, d)).reason for d in (3, 4)] == ["saturday", "sunday"]


def test_swapped_saturday_2026_is_worked_and_monday_31_august_is_off(cal):
    assert cal.is_working_day(date(2026, 8, 22))
    assert not cal.is_working_day(date(2026, 8, 31))

    # Fri 21/08 16:00 is past the cut-off; the next working day is the
    # swapped Saturday, so counting runs Sat 08:00-17:00.
    expl = cal.explain(at(2026, 8, 21, 16), 1)
    assert expl.cutoff_applied
    assert expl.counting_starts_at == at(2026, 8, 22, 8)
    assert expl.due_at == at(2026, 8, 22, 17)
    assert entry(expl, date(2026, 8, 22)).reason == "swapped_working_day"

    # Fri 28/08 10:00 + 1 day: weekend, Mon 31 (swap), Tue 1 and Wed 2
    # September (National Day) are off, so 10:00 on Thu 03/09.
    expl = cal.explain(at(2026, 8, 28, 10), 1)
    assert expl.due_at == at(2026, 9, 3, 10)
    mon = entry(expl, date(2026, 8, 31))
    assert mon.reason == "holiday" and "22/08/2026" in mon.label_vi
    assert "Quốc khánh" in entry(expl, date(2026, 9, 2)).label_vi


# --------------------------------------------------------------------------- cut-off


def test_cutoff_1459_counts_today_1501_counts_from_tomorrow(cal):
    # Mon 02/03, half a day (4 h).
    start, applied = cal.counting_start(at(2026, 3, 2, 14, 59))
    assert (start, applied) == (at(2026, 3, 2, 14, 59), False)
    # 14:59-17:00 is 2 h 01 min, the remaining 1 h 59 min ends Tue 09:59.
    assert cal.due_at(at(2026, 3, 2, 14, 59), "0.5") == at(2026, 3, 3, 9, 59)

    start, applied = cal.counting_start(at(2026, 3, 2, 15, 1))
    assert (start, applied) == (at(2026, 3, 3, 8), True)
    assert cal.due_at(at(2026, 3, 2, 15, 1), "0.5") == at(2026, 3, 3, 12)


def test_cutoff_at_exactly_1500_still_counts_the_same_day(cal):
    # 15:00:00 is not "after 15:00"; one second later is.
    # Fri 06/03 15:00 + 0.5 day: 2 h on Friday, 2 h on Monday -> Mon 10:00.
    assert cal.counting_start(at(2026, 3, 6, 15)) == (at(2026, 3, 6, 15), False)
    assert cal.due_at(at(2026, 3, 6, 15), Decimal("0.5")) == at(2026, 3, 9, 10)
    assert cal.counting_start(at(2026, 3, 6, 15, 0, 1)) == (at(2026, 3, 9, 8), True)
    assert cal.due_at(at(2026, 3, 6, 15, 0, 1), Decimal("0.5")) == at(2026, 3, 9, 12)


def test_cutoff_disabled_counts_until_closing():
    cal = WorkingCalendar(CalendarRules(cutoff=None))
    assert cal.counting_start(at(2026, 3, 2, 15, 1)) == (at(2026, 3, 2, 15, 1), False)
    # 15:01-17:00 is 1 h 59 min, the remaining 2 h 01 min ends Tue 10:01.
    assert cal.due_at(at(2026, 3, 2, 15, 1), "0.5") == at(2026, 3, 3, 10, 1)


def test_received_outside_office_hours(cal):
    # before opening, lunch, after closing, on a Saturday
    assert cal.counting_start(at(2026, 3, 2, 7)) == (at(2026, 3, 2, 8), False)
    assert cal.counting_start(at(2026, 3, 2, 12, 30)) == (at(2026, 3, 2, 13), False)
    # After closing the next morning is the ordinary rule, not the cut-off.
    assert cal.counting_start(at(2026, 3, 2, 18)) == (at(2026, 3, 3, 8), False)
    assert cal.counting_start(at(2026, 3, 7, 10)) == (at(2026, 3, 9, 8), False)
    assert cal.due_at(at(2026, 3, 2, 7), "0.25") == at(2026, 3, 2, 10)
    assert cal.due_at(at(2026, 3, 2, 12, 30), "0.25") == at(2026, 3, 2, 15)


# --------------------------------------------------------------------------- budgets


def test_half_day_across_lunch(cal):
    # 11:00-12:00 = 1 h, lunch skipped, 13:00-16:00 = 3 h.
    assert cal.due_at(at(2026, 3, 2, 11), 0.5) == at(2026, 3, 2, 16)


def test_quarter_day_across_lunch(cal):
    assert cal.due_at(at(2026, 3, 2, 11), Decimal("0.25")) == at(2026, 3, 2, 14)


def test_half_day_across_a_weekend(cal):
    # Fri 06/03 16:30 is after the cut-off: Mon 08:00 + 4 h = Mon 12:00.
    assert cal.due_at(at(2026, 3, 6, 16, 30), "0.5") == at(2026, 3, 9, 12)
    # Fri 14:00 is before it: 3 h on Friday, 1 h on Monday.
    assert cal.due_at(at(2026, 3, 6, 14), "0.5") == at(2026, 3, 9, 9)


def test_landing_on_end_of_period_returns_that_end(cal):
    assert cal.due_at(at(2026, 3, 2, 8), 1) == at(2026, 3, 2, 17)
    assert cal.due_at(at(2026, 3, 2, 9), 1) == at(2026, 3, 3, 9)
    assert cal.due_at(at(2026, 3, 6, 16), 1) == at(2026, 3, 9, 17)
    assert cal.add_working_hours(at(2026, 3, 2, 11), 1) == at(2026, 3, 2, 12)
    assert cal.add_working_hours(at(2026, 3, 2, 8), Decimal("1.5") * 8) == at(2026, 3, 3, 12)


def test_add_working_hours_moves_to_next_working_instant_without_cutoff(cal):
    assert cal.add_working_hours(at(2026, 3, 2, 12, 30), 0) == at(2026, 3, 2, 13)
    assert cal.add_working_hours(at(2026, 3, 2, 16), 0) == at(2026, 3, 2, 16)
    assert cal.add_working_hours(at(2026, 3, 6, 18), 2) == at(2026, 3, 9, 10)
    # going back lands on the opening of the period, never the previous close
    assert cal.add_working_hours(at(2026, 3, 3, 8), -1) == at(2026, 3, 2, 16)
    assert cal.add_working_days(at(2026, 3, 9, 17), -1) == at(2026, 3, 9, 8)


def test_long_budget_matches_the_holidays_package_day_by_day():
    # Whole-day budgets received 09:00 on a working day end at 09:00 on the
    # n-th working day, which the package can compute slowly on its own. The
    # package counts 24/11 off from 2026, so the calendar compared has the
    # operator's switch on; spans crossing the New Year 2026 swap the package
    # lacks (announcements.json) are left to the tests of that swap.
    cal = WorkingCalendar(CalendarRules(vietnam_culture_day=True))
    package = holidays.country_holidays("VN", years=range(2015, 2041))
    rng = random.Random(20260213)
    checked = 0
    while checked < 300:
        day = date(2016, 1, 1) + timedelta(days=rng.randrange(23 * 365))
        if not package.is_working_day(day):
            continue
        if date(2025, 8, 1) <= day <= date(2026, 1, 10):
            continue
        n = rng.randrange(1, 90)
        got = cal.due_at(at(day.year, day.month, day.day, 9), n)
        assert got.date() == package.get_nth_working_day(day, n), (day, n)
        assert got.time() == time(9)
        assert cal.nth_working_day(day, n) == got.date()
        checked += 1


def test_utc_input_is_converted_and_output_is_local(cal):
    received = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
    due = cal.due_at(received, 1)
    assert due == at(2026, 3, 3, 9)
    assert due.tzinfo is VN
    assert due.isoformat() == "2026-03-03T09:00:00+07:00"


def test_budgets_round_to_whole_seconds(cal):
    # 1/3 day in hours is 2.6666...; to the second that is 2 h 40 min.
    assert cal.due_at(at(2026, 3, 2, 8), Decimal(1) / 3) == at(2026, 3, 2, 10, 40)
    assert cal.add_working_hours(at(2026, 3, 2, 8), Decimal("0.0001")) == at(2026, 3, 2, 8, 0, 0)


# --------------------------------------------------------------------------- overrides


def test_operator_day_off_moves_the_deadline_by_one_working_day(cal):
    assert cal.due_at(at(2026, 3, 2, 9), 1) == at(2026, 3, 3, 9)
    closed = cal.with_overrides(extra_days_off={date(2026, 3, 3): "Bầu cử đại biểu Quốc hội"})
    assert closed.due_at(at(2026, 3, 2, 9), 1) == at(2026, 3, 4, 9)
    assert closed.day_off_reason(date(2026, 3, 3)) == (
        "operator_day_off",
        "Nghỉ theo thông báo: Bầu cử đại biểu Quốc hội",
        "Day off by announcement: Bầu cử đại biểu Quốc hội",
    )
    assert closed.rules.version == "default+overrides"
    # the original calendar is untouched
    assert cal.is_working_day(date(2026, 3, 3))


def test_operator_working_sunday_counts(cal):
    # Fri 06/03 09:00 + 1 day is normally Mon 09:00.
    assert cal.due_at(at(2026, 3, 6, 9), 1) == at(2026, 3, 9, 9)
    worked = cal.with_overrides(
        extra_working_days=[(date(2026, 3, 8), "Làm bù theo QĐ 12/UBND")], version="2026-1"
    )
    expl = worked.explain(at(2026, 3, 6, 9), 1)
    assert expl.due_at == at(2026, 3, 8, 9)
    assert expl.rules_version == "2026-1"
    sunday = entry(expl, date(2026, 3, 8))
    assert sunday.working and sunday.reason == "operator_working_day"
    assert sunday.label_vi == "Làm việc theo thông báo: Làm bù theo QĐ 12/UBND"
    assert entry(expl, date(2026, 3, 7)).reason == "saturday"


def test_operator_announcement_beats_the_package():
    rules = CalendarRules(
        extra_working_days=((date(2026, 8, 31), "Hủy hoán đổi"),),
        extra_days_off=((date(2026, 8, 22), "Hủy hoán đổi"),),
    )
    cal = WorkingCalendar(rules)
    assert cal.is_working_day(date(2026, 8, 31))
    assert not cal.is_working_day(date(2026, 8, 22))


def test_later_override_replaces_an_earlier_opposite_one(cal):
    first = cal.with_overrides(extra_days_off={date(2026, 3, 3): "nghỉ"})
    second = first.with_overrides(extra_working_days={date(2026, 3, 3): "đi làm lại"})
    assert second.is_working_day(date(2026, 3, 3))
    assert second.rules.extra_days_off == ()


# --------------------------------------------------------------------------- elapsed time


def test_working_hours_between_night_weekend_lunch_and_reversed(cal):
    assert cal.working_hours_between(at(2026, 3, 2, 16), at(2026, 3, 3, 9)) == Decimal(2)
    assert cal.working_hours_between(at(2026, 3, 6, 16), at(2026, 3, 9, 9)) == Decimal(2)
    assert cal.working_hours_between(at(2026, 3, 2, 11), at(2026, 3, 2, 14)) == Decimal(2)
    assert cal.working_hours_between(at(2026, 3, 2, 14), at(2026, 3, 2, 11)) == Decimal(-2)
    assert cal.working_hours_between(at(2026, 3, 7, 9), at(2026, 3, 8, 16)) == Decimal(0)
    # 30 minutes is exactly half an hour, not a float approximation
    assert cal.working_hours_between(at(2026, 3, 2, 8), at(2026, 3, 2, 8, 30)) == Decimal("0.5")


def test_working_days_between_and_across_tet(cal):
    assert cal.working_days_between(at(2026, 3, 2, 8), at(2026, 3, 4, 8)) == Decimal(2)
    assert cal.working_days_between(at(2026, 3, 2, 8), at(2026, 3, 2, 12)) == Decimal("0.5")
    # Fri 13/02 17:00 to Mon 23/02 17:00: only Monday counts.
    assert cal.working_days_between(at(2026, 2, 13, 17), at(2026, 2, 23, 17)) == Decimal(1)
    assert cal.working_days_between(at(2026, 2, 23, 17), at(2026, 2, 13, 17)) == Decimal(-1)


def test_remaining_time_round_trips_with_due_at(cal):
    received = at(2026, 2, 12, 10, 17)
    due = cal.due_at(received, "7.5")
    assert cal.working_days_between(received, due) == Decimal("7.5")


# --------------------------------------------------------------------------- explain


def test_explanation_covers_every_day_and_sums_to_the_budget(cal):
    expl = cal.explain(at(2026, 4, 24, 10, 30), "4.25")
    days = [e.day for e in expl.days]
    assert days[0] == expl.counting_starts_at.date()
    assert days[-1] == expl.due_at.date()
    assert days == [days[0] + timedelta(n) for n in range(len(days))]
    assert all(e.reason is not None for e in expl.days if not e.working)
    assert sum(e.counted_hours for e in expl.days) == pytest.approx(34.0)
    assert expl.budget_hours == Decimal("34.00")
    # Sun 26/04 is Hùng Kings' day, Mon 27/04 the substitute day off, 30/04
    # and 01/05 the April/May holidays. Fri 24/04 10:30-12:00 + 13:00-17:00 =
    # 5.5 h, Tue 28 8 h (13.5), Wed 29 8 h (21.5), Mon 04/05 8 h (29.5), Tue
    # 05/05 the last 4.5 h: 08:00-12:00 and 13:00-13:30.
    assert expl.due_at == at(2026, 5, 5, 13, 30)
    counted = {e.day: e.counted_hours for e in expl.days if e.counted_hours}
    assert counted == {
        date(2026, 4, 24): 5.5,
        date(2026, 4, 28): 8.0,
        date(2026, 4, 29): 8.0,
        date(2026, 5, 4): 8.0,
        date(2026, 5, 5): 4.5,
    }
    assert entry(expl, date(2026, 4, 26)).reason == "holiday"
    assert "Hùng Vương" in entry(expl, date(2026, 4, 27)).label_vi


def test_explanation_is_json_ready(cal):
    data = cal.explain(at(2026, 3, 6, 16), "0.5").as_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    assert data["received_at"] == "2026-03-06T16:00:00+07:00"
    assert data["counting_starts_at"] == "2026-03-09T08:00:00+07:00"
    assert data["cutoff_applied"] is True
    assert data["due_at"] == "2026-03-09T12:00:00+07:00"
    assert data["budget_days"] == "0.5"
    assert data["rules_version"] == "default"
    assert data["days"] == [
        {
            "day": "2026-03-09",
            "counted_hours": 4.0,
            "working": True,
            "reason": None,
            "label_vi": "Ngày làm việc",
            "label_en": "Working day",
        }
    ]


# --------------------------------------------------------------------------- configuration


def test_from_mapping_builds_the_rules():
    rules = CalendarRules.from_mapping(
        {
            "office_hours": [["07:30", "11:30"], ["13:30", "17:00"]],
            "cutoff": None,
            "extra_days_off": {"2026-12-31": "Nghỉ cuối năm"},
            "extra_working_days": {"2026-12-27": "Làm bù"},
            "version": "HN-2026.1",
        }
    )
    cal = WorkingCalendar(rules)
    assert cal.hours_per_day() == Decimal("7.5")
    assert rules.cutoff is None
    assert not cal.is_working_day(date(2026, 12, 31))
    assert cal.is_working_day(date(2026, 12, 27))
    # 07:30 + 1 day = closing time of the same day
    assert cal.due_at(at(2026, 3, 2, 7, 30), 1) == at(2026, 3, 2, 17)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"cutof": "15:00"}, "cutof"),
        ({"cutoff": "25:00"}, "cutoff"),
        ({"cutoff": 15}, "cutoff"),
        ({"office_hours": [["13:00", "12:00"]]}, "office_hours"),
        ({"office_hours": [["08:00", "12:00"], ["11:00", "17:00"]]}, "office_hours"),
        ({"office_hours": []}, "office_hours"),
        ({"extra_days_off": {"2026-02-30": "x"}}, "extra_days_off"),
        ({"extra_days_off": {"2026-12-31": ""}}, "extra_days_off"),
        ({"extra_working_days": ["2026-12-27"]}, "extra_working_days"),
        ({"extra_days_off": {"2050-01-02": "x"}}, "extra_days_off"),
        (
            {"extra_days_off": {"2026-12-31": "x"}, "extra_working_days": {"2026-12-31": "y"}},
            "extra_working_days",
        ),
        ({"timezone": "Asia/Saigon_City"}, "timezone"),
        ({"version": ""}, "version"),
        ({"first_year": "2015"}, "first_year"),
    ],
)
def test_from_mapping_errors_name_the_key(data, key):
    with pytest.raises(ValueError, match=f"^{key}:"):
        CalendarRules.from_mapping(data)


# --------------------------------------------------------------------------- instants as stored (UTC)
# Dossiers read their receipt instants back from the database in UTC and their
# budgets as Decimal: due_at answers those without converting zones, so these
# check it still reads the local wall time and date correctly.


def utc(y, mo, d, h=0, mi=0, s=0, us=0):
    return datetime(y, mo, d, h, mi, s, us, tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # 08:00 UTC is 15:00 in Hà Nội: exactly the cut-off still counts Monday.
        (utc(2026, 3, 2, 8), 1, at(2026, 3, 3, 15)),
        # One microsecond later counting starts Tuesday 08:00: due Tuesday's closing.
        (utc(2026, 3, 2, 8, 0, 0, 1), 1, at(2026, 3, 3, 17)),
        # 17:30 UTC Monday is 00:30 Tuesday in Hà Nội: Tue, Wed, Thu -> Thu 17:00.
        (utc(2026, 3, 2, 17, 30), 3, at(2026, 3, 5, 17)),
        # 16:59:59 UTC Sunday is still Sunday in Hà Nội: Mon is the one day.
        (utc(2026, 3, 1, 16, 59, 59), 1, at(2026, 3, 2, 17)),
        # 12:30 at lunch: the afternoon and Tuesday morning, due Tuesday 12:00.
        (utc(2026, 3, 2, 5, 30), 1, at(2026, 3, 3, 12)),
        # 08:00 sharp: Monday and Tuesday whole, due Tuesday 17:00.
        (utc(2026, 3, 2, 1), 2, at(2026, 3, 3, 17)),
        # Inside office hours the wall time is kept, to the microsecond, 5 working days on.
        (utc(2026, 3, 2, 2, 15, 30, 500000), 5, at(2026, 3, 9, 9, 15, 30) + timedelta(microseconds=500000)),
        # Tết 2026 (see the first test) from a UTC instant and a Numeric(…, 2) budget.
        (utc(2026, 2, 13, 2), Decimal("3.00"), at(2026, 2, 25, 9)),
        # A swapped Saturday (25/04/2025) worked: Fri 25/04 is off, Sat 26 counts.
        (utc(2025, 4, 24, 2), 2, at(2025, 4, 26, 9)),
    ],
)
def test_utc_receipts_count_in_local_time(cal, received, days, due):
    assert cal.due_at(received, days) == due
    assert cal.due_at(received, Decimal(days)) == due
    assert cal.due_at(received, Decimal(days)).tzinfo is VN
    # The long way (explain) agrees, and so does the same instant given in local time.
    assert cal.explain(received, days).due_at == due
    assert cal.due_at(received.astimezone(VN), days) == due


def test_same_instant_and_budget_in_any_form_gives_the_same_deadline(cal):
    # Thu 05/03 14:00 in Hà Nội, 5 days: Fri, Mon-Thu of the next week.
    due = at(2026, 3, 12, 14)
    instants = [
        at(2026, 3, 5, 14),
        utc(2026, 3, 5, 7),
        datetime(2026, 3, 5, 14, tzinfo=timezone(timedelta(hours=7))),
        datetime(2026, 3, 5, 16, tzinfo=timezone(timedelta(hours=9))),
        datetime(2026, 3, 5, 2, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 3, 5, 12, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2026, 3, 5, 8, tzinfo=ZoneInfo("Europe/Paris")),
    ]
    for budget in (5, Decimal(5), Decimal("5.00"), Decimal("5E+0"), 5.0, "5", " 5 "):
        for received in instants:
            for _ in range(2):  # the second call answers from what the first one cached
                got = cal.due_at(received, budget)
                assert got == due, (received, budget)
                assert got.tzinfo is VN


def test_utc_receipts_follow_daylight_saving_in_a_zone_that_has_it():
    # The fast UTC conversion assumes one fixed offset; a zone with summer
    # time must still be converted with the offset of the receipt's date.
    paris = ZoneInfo("Europe/Paris")
    cal = WorkingCalendar(CalendarRules(timezone="Europe/Paris", first_year=2025, last_year=2027))
    # Mon 30/03/2026 12:30 UTC is 14:30 summer time (+02:00), before the cut-off.
    assert cal.due_at(utc(2026, 3, 30, 12, 30), 1) == datetime(2026, 3, 31, 14, 30, tzinfo=paris)
    # Mon 02/03/2026 13:30 UTC is 14:30 winter time (+01:00).
    assert cal.due_at(utc(2026, 3, 2, 13, 30), 1) == datetime(2026, 3, 3, 14, 30, tzinfo=paris)
    # 13:30 UTC in summer is 15:30, after the cut-off: due Tuesday's closing.
    assert cal.due_at(utc(2026, 3, 30, 13, 30), 1) == datetime(2026, 3, 31, 17, tzinfo=paris)


def test_announcements_move_deadlines_of_utc_receipts_too(cal):
    received = utc(2026, 3, 2, 2)  # Mon 09:00 in Hà Nội
    assert cal.due_at(received, Decimal(1)) == at(2026, 3, 3, 9)
    closed = cal.with_overrides(extra_days_off={date(2026, 3, 3): "Bầu cử đại biểu Quốc hội"})
    assert closed.due_at(received, Decimal(1)) == at(2026, 3, 4, 9)
    # Received Sat 07/03 10:00 (off), 1 day: all of Monday. Once that Saturday
    # is announced as worked it counts from 10:00, so 1 day ends Mon 10:00.
    assert cal.due_at(utc(2026, 3, 7, 3), 1) == at(2026, 3, 9, 17)
    worked = cal.with_overrides(extra_working_days={date(2026, 3, 7): "Làm bù"})
    assert worked.due_at(utc(2026, 3, 7, 3), 1) == at(2026, 3, 9, 10)
    # the original calendar is untouched
    assert cal.due_at(received, Decimal(1)) == at(2026, 3, 3, 9)


def test_whole_day_deadlines_agree_with_the_explanation_everywhere(cal):
    # explain() walks the general path day by day; due_at answers whole-day
    # budgets from its tables. Random UTC receipts over the range, with extra
    # weight on the instants where the rules change: opening, lunch, cut-off,
    # closing and local midnight, each to the microsecond.
    rng = random.Random(20261121)
    marks = [time(0), time(8), time(12), time(13), time(15), time(17)]
    first = date(2015, 1, 1).toordinal()
    span = date(2040, 11, 30).toordinal() - first
    for i in range(3000):
        day = date.fromordinal(first + rng.randrange(span))
        if i % 2:
            local = at(day.year, day.month, day.day) + timedelta(seconds=rng.randrange(86400))
        else:
            wall = datetime.combine(day, rng.choice(marks), tzinfo=VN)
            local = wall + timedelta(microseconds=rng.choice((-1, 0, 1)))
        received = local.astimezone(UTC)
        days = Decimal(rng.choice((1, 2, 3, 5, 7, 10, 15, 20, 30)))
        assert cal.due_at(received, days) == cal.explain(received, days).due_at, (local, days)


def test_utc_receipts_outside_the_range_are_refused(cal):
    # 17:00 UTC on 31/12/2040 is already 2041 in Hà Nội.
    with pytest.raises(ValueError, match="2015-2040"):
        cal.due_at(utc(2040, 12, 31, 17), 1)
    with pytest.raises(ValueError, match="2015-2040"):
        cal.due_at(utc(2040, 12, 28, 2), Decimal(10))


# --------------------------------------------------------------------------- bad input


def test_naive_datetime_is_rejected(cal):
    with pytest.raises(ValueError, match="aware datetime"):
        cal.due_at(datetime(2026, 3, 2, 9), 1)
    with pytest.raises(ValueError, match="aware datetime"):
        cal.working_hours_between(at(2026, 3, 2, 9), datetime(2026, 3, 3, 9))
    with pytest.raises(ValueError, match="aware datetime"):
        cal.explain(datetime(2026, 3, 2, 9), 1)


def test_dates_outside_the_calendar_range_are_refused(cal):
    with pytest.raises(ValueError, match="2015-2040"):
        cal.due_at(at(2041, 1, 2, 9), 1)
    with pytest.raises(ValueError, match="2015-2040"):
        cal.is_working_day(date(2014, 12, 31))
    with pytest.raises(ValueError, match="2015-2040"):
        cal.due_at(at(2040, 12, 28, 9), 10)


def test_negative_or_nonsense_budgets_are_refused(cal):
    with pytest.raises(ValueError, match="negative"):
        cal.due_at(at(2026, 3, 2, 9), -1)
    with pytest.raises(ValueError, match="not a number"):
        cal.due_at(at(2026, 3, 2, 9), "three")
    with pytest.raises(TypeError):
        cal.due_at(at(2026, 3, 2, 9), True)


# -- the year's announcements and same-day budgets ----------------------------------------------------

ANNOUNCED_DAYS = {
    # day: (working?, where it comes from)
    date(2025, 4, 26): (True, "package"),   # Saturday worked for Friday 2025-05-02 off
    date(2025, 5, 2): (False, "package"),
    date(2026, 1, 2): (False, "data"),      # letter 12729/VPCP-KGVX of 25/12/2025
    date(2026, 1, 10): (True, "data"),
    date(2026, 8, 22): (True, "package"),   # Saturday worked for Monday 2026-08-31 off
    date(2026, 8, 31): (False, "package"),
}


@pytest.mark.parametrize("day", sorted(ANNOUNCED_DAYS))
def test_announced_swaps_come_from_the_package_or_from_our_data(cal, day):
    """Labour Code 2019 art. 112 and the Government's yearly swaps (e.g. letter 12729/VPCP-KGVX of
    25/12/2025 for New Year 2026): each announced day is off or worked as announced, and it comes either
    from the pinned `holidays` package or, when the package lacks it, from shared/calendar/announcements.json,
    whose label names the source."""
    from shared.calendar.working import announcements

    working, origin = ANNOUNCED_DAYS[day]
    package = holidays.country_holidays("VN", years=day.year)
    in_package = day in package.weekend_workdays if working else day in package
    assert in_package == (origin == "package")
    assert (day in announcements()) == (origin == "data")
    assert cal.is_working_day(day) is working
    if origin == "data":
        assert "12729/VPCP-KGVX" in cal._describe(day)[2]


def test_new_year_2026_deadline_counts_the_announced_swap(cal):
    """New Year 2026 (Labour Code 2019 art. 112; letter 12729/VPCP-KGVX of 25/12/2025): Thu 01/01 is the
    holiday and Fri 02/01 is swapped off for Sat 10/01. A 3-working-day (24 h) dossier received Wed
    31/12/2025 09:00: Wed 09:00-17:00 gives 7 h; Thu 01, Fri 02, Sat 03, Sun 04 are off; Mon 05 gives 8 h
    (15), Tue 06 8 h (23), Wed 07 the last hour 08:00-09:00: due Wed 07/01/2026 09:00. Without the swap
    (Fri 02 worked) it would have been Tue 06/01 09:00."""
    assert cal.due_at(at(2025, 12, 31, 9), 3) == at(2026, 1, 7, 9)
    skipped = {e.day: e.reason for e in cal.explain(at(2025, 12, 31, 9), 3).days if not e.working}
    assert skipped == {date(2026, 1, 1): "holiday", date(2026, 1, 2): "holiday",
                       date(2026, 1, 3): "saturday", date(2026, 1, 4): "sunday"}
    # A 7-day (56 h) dossier received Mon 05/01 09:00 counts Sat 10/01: Mon-Fri 7+8+8+8+8 = 39 h, Sat 10
    # 8 h (47), Mon 12 8 h (55), Tue 13 08:00-09:00 the last hour: due Tue 13/01 09:00, not Wed 14/01.
    assert cal.due_at(at(2026, 1, 5, 9), 7) == at(2026, 1, 13, 9)


def test_vietnam_culture_day_is_an_operator_switch_off_by_default():
    """24/11 "Ngày Văn hóa Việt Nam" (Politburo Resolution 80-NQ/TW) is not in the Labour Code 2019
    art. 112 list: the package's day off is ignored unless the operator turns `vietnam_culture_day` on,
    and then its label names its source."""
    assert WorkingCalendar().is_working_day(date(2026, 11, 24))
    switched = WorkingCalendar(CalendarRules.from_mapping({"vietnam_culture_day": True}))
    assert not switched.is_working_day(date(2026, 11, 24))
    assert "80-NQ/TW" in switched.day_off_reason(date(2026, 11, 24))[1]
    with pytest.raises(ValueError, match="vietnam_culture_day"):
        CalendarRules.from_mapping({"vietnam_culture_day": "yes"})


@pytest.mark.parametrize(("received", "due"), [
    (at(2026, 11, 20, 8), at(2026, 11, 20, 17)),    # Friday morning: the same day, by closing time
    (at(2026, 11, 20, 15), at(2026, 11, 20, 17)),   # at the cut-off itself: still the same day
    (at(2026, 11, 20, 15, 1), at(2026, 11, 23, 17)),  # after 15:00: the next working day (Monday)
    (at(2026, 11, 21, 10), at(2026, 11, 23, 17)),   # Saturday: counting starts Monday
])
def test_same_day_budget_is_due_by_closing_of_the_day_counting_starts(cal, received, due):
    """Same-day procedures (Law on Civil Status 2014 art. 16, 18: birth, marriage registration "ngay trong
    ngày"; received after 15:00, the next working day): a budget of 0 working days is due at the end of
    office hours of the day counting starts."""
    assert cal.due_at(received, 0) == due
    assert cal.due_at(received, Decimal("0")) == due
    assert cal.explain(received, 0).due_at == due
