"""Periods: local months, periods of every kind as readers write them, the period asked for and the
instant it is judged at."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.reporting.domain.periods import Month, Period, as_of, requested_period
from shared.errors import InvalidInput

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=VN)


def at(month, day, hour=9, minute=0, year=2026, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=VN)


# --------------------------------------------------------------------------- months


def test_reporting_periods_are_local_months():
    november = Month.parse("2026-11")
    assert november.start(VN) == at(11, 1, 0)
    assert november.end(VN) == at(12, 1, 0)
    # 30/11 23:30 in Hà Nội is 16:30 UTC on the 30th: still November; 00:30 on 1/12 local is December
    # although it is still 30/11 in UTC.
    assert Month.of(at(11, 30, 23, 30).astimezone(UTC), VN) == november
    assert Month.of(at(12, 1, 0, 30).astimezone(UTC), VN) == Month(2026, 12)
    assert str(Month(2026, 12).next()) == "2027-01" and str(Month(2027, 1).previous()) == "2026-12"
    assert [str(p) for p in Month(2026, 11).through(Month(2027, 1))] == ["2026-11", "2026-12", "2027-01"]


# --------------------------------------------------------------------------- periods of every kind


@pytest.mark.parametrize(("text", "kind", "first", "last"), [
    ("2026-11", "month", date(2026, 11, 1), date(2026, 11, 30)),
    ("2026-Q4", "quarter", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026-Q1", "quarter", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026", "year", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-11-01..2026-11-20", "range", date(2026, 11, 1), date(2026, 11, 20)),
])
def test_reporting_periods_of_every_kind_are_parsed_and_written_back(text, kind, first, last):
    period = Period.parse(text)
    assert (period.kind, period.first, period.last, str(period)) == (kind, first, last, text)


def test_reporting_the_previous_period_is_of_the_same_kind_and_length():
    assert str(Period.parse("2026-01").previous()) == "2025-12"
    assert str(Period.parse("2026-Q1").previous()) == "2025-Q4"
    assert str(Period.parse("2026").previous()) == "2025"
    # 20 days, so the 20 days just before: 12 October to 31 October.
    assert str(Period.parse("2026-11-01..2026-11-20").previous()) == "2026-10-12..2026-10-31"


def test_reporting_whole_months_are_read_from_the_stored_rows_and_other_ranges_are_not():
    assert Period.parse("2026-Q4").months() == [Month(2026, 10), Month(2026, 11), Month(2026, 12)]
    assert Period.parse("2026-10-01..2026-11-30").month_aligned
    assert not Period.parse("2026-11-01..2026-11-20").month_aligned


# --------------------------------------------------------------------------- the period asked for


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "11-2026", "2026/11", "tháng 11", " 2026-11"])
def test_reporting_a_malformed_period_is_refused_naming_the_field(text):
    with pytest.raises(InvalidInput) as caught:
        requested_period(text, NOW, VN)
    assert "period" in caught.value.errors


def test_reporting_the_requested_period_defaults_to_the_current_month_and_is_never_in_the_future():
    assert requested_period(None, NOW, VN) == Month(2026, 11).as_period()
    assert requested_period("2025-02", NOW, VN) == Month(2025, 2).as_period()
    with pytest.raises(InvalidInput):
        requested_period("2026-12", NOW, VN)


@pytest.mark.parametrize("text", ["2026-Q5", "2026-Q0", "2026-11-20..2026-11-01", "2026-02-30..2026-03-01",
                                  "2026-11-01...2026-11-20", "Q4-2026", "26"])
def test_reporting_a_malformed_period_of_any_kind_is_refused_naming_period(text):
    with pytest.raises(InvalidInput) as caught:
        requested_period(text, NOW, VN)
    assert "period" in caught.value.errors


def test_reporting_a_period_may_run_now_but_not_start_after_today():
    assert requested_period("2026-Q4", NOW, VN).kind == "quarter"
    assert requested_period("2026-11-10..2026-11-30", NOW, VN).last == date(2026, 11, 30)
    with pytest.raises(InvalidInput):
        requested_period("2026-11-17..2026-11-30", NOW, VN)
    with pytest.raises(InvalidInput):
        requested_period("2027", NOW, VN)


def test_reporting_as_of_is_the_end_of_a_past_period_and_now_for_the_current_one():
    assert as_of(Month(2026, 10), NOW, VN) == at(11, 1, 0)
    assert as_of(Month(2026, 11), NOW, VN) == NOW
