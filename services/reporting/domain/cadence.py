"""The reporting cadence: which days a periodic report covers, when it is due, what it is called
(docs/architecture.md, reporting notes).

Reporting windows, not calendar months. Units send their figures "định kỳ ngày 20 hằng tháng, ngày 20 của
tháng cuối quý" and Home Affairs consolidates by the 25th, so a report issued on the 25th can only stand on
figures cut off on the 20th:
- the monthly report of month M covers the 21st of M−1 through the 20th of M, judged at the end of the 20th,
  issued on the 25th of M;
- the quarterly report covers the 21st of the month before the quarter through the 20th of its last month,
  issued on the 25th of that month;
- the Monday list ("thứ hai hằng tuần") covers the week starting that Monday: tasks due before the next
  Monday and not completed, judged at 00:00 on the Monday, issued that Monday.
Every report says which window it covers, in words, on its first lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from services.reporting.domain.texts import vn_date
from shared.errors import InvalidInput

KINDS = ("monthly", "quarterly", "weekly_tasks")
CUTOFF_DAY = 20  # units' figures stop at the end of this day
CONSOLIDATION_DAY = 25  # the consolidated report is issued on this day
TREND_MONTHS = 6  # monthly windows shown in the trend chart, the report's own last

_LABEL_FORMS = {
    "monthly": (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "YYYY-MM, e.g. 2026-11"),
    "quarterly": (re.compile(r"^(\d{4})-Q([1-4])$"), "YYYY-Qn, e.g. 2026-Q4"),
    "weekly_tasks": (re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$"), "YYYY-Www (ISO week), e.g. 2026-W47"),
}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _month_shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


@dataclass(frozen=True, order=True)
class ReportPeriod:
    """One report's period: `label` as users write it, the days it covers (both included), the day its
    figures are judged at the start of, and the day it is due."""

    kind: str
    label: str
    first_day: date
    last_day: date
    judged_on: date  # figures are judged at 00:00 local of this day
    due_on: date

    @property
    def code(self) -> str:
        """The report's code in URLs and events (BC = báo cáo): BC-2026-11, BC-2026-Q4, BC-2026-W47."""
        return f"BC-{self.label}"

    @property
    def ranking_period(self) -> str:
        """The window as a date range in the scorecards' period syntax."""
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    def judged_at(self, tz: tzinfo) -> datetime:
        return datetime.combine(self.judged_on, time(0), tzinfo=tz)

    def is_closed(self, now: datetime, tz: tzinfo) -> bool:
        return now >= self.judged_at(tz)

    @property
    def title_vi(self) -> str:
        if self.kind == "weekly_tasks":
            week = self.first_day.isocalendar().week
            return f"DANH SÁCH NHIỆM VỤ ĐẾN HẠN NHƯNG CHƯA BÁO CÁO TUẦN {week} NĂM {self.first_day.year}"
        return ("BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH VÀ THỰC HIỆN KỶ LUẬT, KỶ CƯƠNG HÀNH CHÍNH "
                + self.period_name_vi.upper())

    @property
    def title_en(self) -> str:
        if self.kind == "weekly_tasks":
            return f"Tasks due but not reported, week {self.label}"
        return f"Report on administrative procedures and administrative discipline, {self.label}"

    @property
    def document_kind_vi(self) -> str:
        """The kind of document above its subject (Decree 30/2020, Phụ lục I: tên loại văn bản)."""
        return "DANH SÁCH" if self.kind == "weekly_tasks" else "BÁO CÁO"

    @property
    def subject_vi(self) -> str:
        """What the document is about, in sentence case below its kind (trích yếu nội dung)."""
        if self.kind == "weekly_tasks":
            return f"Nhiệm vụ đến hạn nhưng chưa báo cáo {self.period_name_vi}"
        return f"Kết quả giải quyết thủ tục hành chính và thực hiện kỷ luật, kỷ cương hành chính {self.period_name_vi}"

    @property
    def period_name_vi(self) -> str:
        """tháng 11 năm 2026 / quý IV năm 2026 / tuần 47 năm 2026."""
        if self.kind == "monthly":
            return f"tháng {self.last_day.month} năm {self.last_day.year}"
        if self.kind == "quarterly":
            return f"quý {_ROMAN[(self.last_day.month - 1) // 3 + 1]} năm {self.last_day.year}"
        return f"tuần {self.first_day.isocalendar().week} năm {self.first_day.year}"

    @property
    def window_vi(self) -> str:
        """Which days the report covers and why, on the report's first lines."""
        days = f"từ ngày {vn_date(self.first_day)} đến hết ngày {vn_date(self.last_day)}"
        if self.kind == "weekly_tasks":
            return (f"Tuần {days}; nhiệm vụ có hạn xử lý trước ngày {vn_date(self.last_day + timedelta(days=1))} "
                    f"chưa hoàn thành, số liệu tính đến 00 giờ 00 ngày {vn_date(self.judged_on)}.")
        return (f"Kỳ báo cáo {days} (số liệu các đơn vị chốt ngày {CUTOFF_DAY} hằng tháng, tổng hợp ngày "
                f"{CONSOLIDATION_DAY}); hồ sơ đang giải quyết được xét tại 00 giờ 00 ngày {vn_date(self.judged_on)}.")


def _monthly(year: int, month: int) -> ReportPeriod:
    start_year, start_month = _month_shift(year, month, -1)
    last = date(year, month, CUTOFF_DAY)
    return ReportPeriod("monthly", f"{year:04d}-{month:02d}", date(start_year, start_month, CUTOFF_DAY + 1), last,
                        last + timedelta(days=1), date(year, month, CONSOLIDATION_DAY))


def _quarterly(year: int, quarter: int) -> ReportPeriod:
    last_month = quarter * 3
    start_year, start_month = _month_shift(year, last_month, -3)
    last = date(year, last_month, CUTOFF_DAY)
    return ReportPeriod("quarterly", f"{year:04d}-Q{quarter}", date(start_year, start_month, CUTOFF_DAY + 1), last,
                        last + timedelta(days=1), date(year, last_month, CONSOLIDATION_DAY))


def _weekly(monday: date) -> ReportPeriod:
    iso = monday.isocalendar()
    return ReportPeriod("weekly_tasks", f"{iso.year:04d}-W{iso.week:02d}", monday, monday + timedelta(days=6),
                        monday, monday)


def report_period(kind: str, label: str) -> ReportPeriod:
    """The period a user asked for; InvalidInput naming `kind` or `period` when it is not one."""
    if kind not in KINDS:
        raise InvalidInput(f"kind {kind!r} is not a kind of periodic report; use one of {', '.join(KINDS)}",
                           {"kind": [f"expected one of {', '.join(KINDS)}; loại báo cáo không hợp lệ"]})
    pattern, form = _LABEL_FORMS[kind]
    match = pattern.match(label or "")
    if not match:
        raise InvalidInput(f"period {label!r} is not a {kind} period; write it as {form}",
                           {"period": [f"expected {form}; kỳ báo cáo không đúng định dạng"]})
    year, number = int(match.group(1)), int(match.group(2))
    if kind == "monthly":
        return _monthly(year, number)
    if kind == "quarterly":
        return _quarterly(year, number)
    try:
        return _weekly(date.fromisocalendar(year, number, 1))
    except ValueError:
        raise InvalidInput(f"{year} has no ISO week {number}",
                           {"period": [f"{year} has no week {number}; năm {year} không có tuần {number}"]}) from None


def latest_due(kind: str, today: date) -> ReportPeriod:
    """The newest report of a kind whose due day is today or past."""
    if kind == "weekly_tasks":
        return _weekly(today - timedelta(days=today.weekday()))
    if kind == "monthly":
        year, month = today.year, today.month
        if today.day < CONSOLIDATION_DAY:
            year, month = _month_shift(year, month, -1)
        return _monthly(year, month)
    year, month = today.year, today.month
    month -= (month - 1) % 3  # first month of the current quarter
    quarter_end_year, quarter_end_month = _month_shift(year, month, 2)
    if (quarter_end_year, quarter_end_month) == (today.year, today.month) and today.day >= CONSOLIDATION_DAY:
        return _quarterly(today.year, (today.month - 1) // 3 + 1)
    previous_year, previous_month = _month_shift(year, month, -1)
    return _quarterly(previous_year, (previous_month - 1) // 3 + 1)


def due_reports(today: date) -> list[ReportPeriod]:
    """The newest report of each kind that is due by `today`: what the sweep makes sure exists. Older ones
    are not made up: a report missed for months is issued on demand (POST /reports)."""
    return [latest_due(kind, today) for kind in KINDS]


def trend_windows(period: ReportPeriod, count: int = TREND_MONTHS) -> list[ReportPeriod]:
    """The monthly windows of a monthly or quarterly report's trend chart, oldest first, ending with the one
    the report ends with (its last day is always a cut-off day)."""
    year, month = period.last_day.year, period.last_day.month
    return [_monthly(*_month_shift(year, month, -back)) for back in range(count - 1, -1, -1)]
