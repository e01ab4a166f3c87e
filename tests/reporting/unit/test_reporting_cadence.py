"""The reporting cadence: windows from the 21st to the 20th, due dates, the Monday list's week.
"""

from datetime import date

import pytest

from services.reporting.domain.cadence import due_reports, report_period, trend_windows
from shared.errors import InvalidInput


def test_reporting_monthly_window_runs_from_the_21st_to_the_20th_and_is_due_on_the_25th():
    period = report_period("monthly", "2026-11")
    assert (period.first_day, period.last_day, period.judged_on, period.due_on) == (
        date(2026, 10, 21), date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 25))
    assert period.code == "BC-2026-11"
    assert period.ranking_period == "2026-10-21..2026-11-20"
    assert period.title_vi.endswith("THÁNG 11 NĂM 2026")
    assert "từ ngày 21/10/2026 đến hết ngày 20/11/2026" in period.window_vi
    january = report_period("monthly", "2027-01")
    assert (january.first_day, january.last_day) == (date(2026, 12, 21), date(2027, 1, 20))


def test_reporting_quarterly_window_ends_on_the_20th_of_the_quarters_last_month():
    q4 = report_period("quarterly", "2026-Q4")
    assert (q4.first_day, q4.last_day, q4.due_on) == (date(2026, 9, 21), date(2026, 12, 20), date(2026, 12, 25))
    assert q4.title_vi.endswith("QUÝ IV NĂM 2026")
    q1 = report_period("quarterly", "2027-Q1")
    assert (q1.first_day, q1.last_day) == (date(2026, 12, 21), date(2027, 3, 20))


def test_reporting_monday_list_covers_the_iso_week_from_its_monday():
    week = report_period("weekly_tasks", "2026-W47")
    assert (week.first_day, week.last_day, week.judged_on, week.due_on) == (
        date(2026, 11, 16), date(2026, 11, 22), date(2026, 11, 16), date(2026, 11, 16))
    assert week.title_vi == "DANH SÁCH NHIỆM VỤ ĐẾN HẠN NHƯNG CHƯA BÁO CÁO TUẦN 47 NĂM 2026"


def test_reporting_monday_list_of_iso_week_53_spans_the_new_year():
    # 2026 has an ISO week 53 (it starts on a Thursday); 2027 has none, and is refused below.
    week = report_period("weekly_tasks", "2026-W53")
    assert (week.first_day, week.last_day) == (date(2026, 12, 28), date(2027, 1, 3))
    assert week.title_vi.endswith("TUẦN 53 NĂM 2026")


@pytest.mark.parametrize(("kind", "label", "field"), [
    ("monthly", "2026-13", "period"), ("monthly", "2026-Q4", "period"), ("quarterly", "2026-Q5", "period"),
    ("weekly_tasks", "2026-W54", "period"), ("weekly_tasks", "2027-W53", "period"), ("yearly", "2026", "kind"),
])
def test_reporting_a_period_that_does_not_fit_its_kind_is_refused_naming_the_field(kind, label, field):
    with pytest.raises(InvalidInput) as caught:
        report_period(kind, label)
    assert list(caught.value.errors) == [field]


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 11, 24), ["2026-10", "2026-Q3", "2026-W48"]),
    (date(2026, 11, 25), ["2026-11", "2026-Q3", "2026-W48"]),
    (date(2026, 12, 24), ["2026-11", "2026-Q3", "2026-W52"]),
    (date(2026, 12, 25), ["2026-12", "2026-Q4", "2026-W52"]),
    (date(2027, 1, 4), ["2026-12", "2026-Q4", "2027-W01"]),
])
def test_reporting_the_sweep_looks_for_the_newest_report_of_each_kind_due_by_today(today, expected):
    assert [period.label for period in due_reports(today)] == expected


def test_reporting_trend_shows_the_six_monthly_windows_ending_with_the_reports_own():
    q4 = report_period("quarterly", "2026-Q4")
    assert [w.label for w in trend_windows(q4)] == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
                                                    "2026-12"]
