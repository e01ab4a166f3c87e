"""The reporting cadence (DOMAIN.md "Reporting cadence"; seeds 001, 003, 004): which days a periodic report
covers, when it is due, what it is called; the Monday list's selection; the texts of the public lists.

Pure: no Flask, no database, no clock call (today and instants are passed in).

Reporting windows, not calendar months. Units send their figures "định kỳ ngày 20 hằng tháng, ngày 20 của
tháng cuối quý" (seed 003; seed 001 for the quarter) and Home Affairs consolidates by the 25th, so a report
issued on the 25th can only stand on figures cut off on the 20th:
- the monthly report of month M covers the 21st of M−1 through the 20th of M, judged at the end of the 20th,
  issued on the 25th of M;
- the quarterly report covers the 21st of the month before the quarter through the 20th of its last month,
  issued on the 25th of that month;
- the Monday list ("thứ hai hằng tuần", seed 001 item 8) covers the week starting that Monday: tasks due
  before the next Monday and not completed, judged at 00:00 on the Monday, issued that Monday.
Every report says which window it covers, in words, on its first lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from shared.errors import InvalidInput

KINDS = ("monthly", "quarterly", "weekly_tasks")
CUTOFF_DAY = 20  # units' figures stop at the end of this day
CONSOLIDATION_DAY = 25  # the consolidated report is issued on this day
TREND_MONTHS = 6  # monthly windows shown in the trend chart, the report's own last
UNREPORTED_AFTER = timedelta(days=7)  # a task with a progress report newer than this is not on the Monday list

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


# --------------------------------------------------------------------------- figures of a ranking

def _rate(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def summary(items: Sequence[Mapping]) -> dict:
    """The whole province's figures from the ranked units: dossiers in the window, on time (early, on time,
    open within the deadline), late, overdue open, the on-time rate and the average progress score."""
    received = sum(item["received"] for item in items)
    on_time = sum(item["on_time"] for item in items)
    scores = [Decimal(str(item["score"])) for item in items if item.get("score") is not None]
    average = (sum(scores) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP) if scores else None
    return {
        "units_ranked": len(items),
        "received": received,
        "on_time": on_time,
        "early": sum(item["early"] for item in items),
        "late": sum(item["late"] for item in items),
        "overdue_open": sum(item["overdue_open"] for item in items),
        "on_time_rate": _rate(on_time, received),
        "average_score": float(average) if average is not None else None,
    }


def units_with_late_dossiers(items: Sequence[Mapping]) -> list[dict]:
    """Seed 004, 1.b: the units with dossiers finished late or overdue while open, most first."""
    late = [dict(item) for item in items if item["late"] or item["overdue_open"]]
    late.sort(key=lambda item: (-(item["late"] + item["overdue_open"]), item["rank"], item["unit"]))
    return late


def trend_point(window: ReportPeriod, received: int, on_time: int) -> dict:
    """One point of the trend chart: a monthly window, its dossiers and its on-time rate."""
    return {"period": window.label, "label": f"T{window.last_day.month}/{window.last_day.year}",
            "received": received, "on_time": on_time, "on_time_rate": _rate(on_time, received)}


def good_performer_rule(top_band: Mapping | None, lang: str) -> str:
    """Who is on the public list of good performers, in words."""
    if top_band is None:
        return ("Chưa có quy tắc xếp loại cho kỳ này." if lang == "vi"
                else "No classification rule applies to this period.")
    minimum = vn_decimal(top_band["min"]) if lang == "vi" else f"{top_band['min']:g}"
    if lang == "vi":
        return (f"Đơn vị có thành tích tốt: đơn vị được xếp loại {top_band['vi']} (điểm tổng hợp từ {minimum} trên "
                "thang 100) trong kỳ; chỉ xét đơn vị có hồ sơ trong kỳ.")
    return (f"Good performers: units classified {top_band['en']} (composite score {minimum} or more out of 100) in "
            "the period; only units with dossiers in the period are considered.")


def is_good_performer(item: Mapping, top_band: Mapping | None) -> bool:
    band = item.get("band")
    return top_band is not None and isinstance(band, Mapping) and band.get("code") == top_band["code"]


def vn_decimal(value: float) -> str:
    """90 → "90", 87.5 → "87,5": Vietnamese writes a decimal comma."""
    return f"{value:g}".replace(".", ",")


# --------------------------------------------------------------------------- the Monday list

@dataclass(frozen=True)
class TaskLine:
    code: str
    lead_unit: str | None
    due_at: datetime | None
    completed_at: datetime | None
    last_report_at: datetime | None


def due_but_unreported(task: TaskLine, period: ReportPeriod, tz: tzinfo) -> bool:
    """On the Monday list: a deadline before the next Monday, not completed at 00:00 on the Monday, and
    no progress report in the 7 days before it (the tasks service's Monday digest applies the same rule)."""
    judged_at = period.judged_at(tz)
    week_end = judged_at + timedelta(days=7)
    if task.due_at is None or task.due_at >= week_end:
        return False
    if task.completed_at is not None and task.completed_at < judged_at:
        return False
    return task.last_report_at is None or task.last_report_at < judged_at - UNREPORTED_AFTER


def days_overdue(due_at: datetime, judged_at: datetime, tz: tzinfo) -> int:
    """Calendar days from the deadline's day to the list's Monday; 0 for a deadline later in the week."""
    return max((judged_at.astimezone(tz).date() - due_at.astimezone(tz).date()).days, 0)


def task_rows(tasks: Iterable[TaskLine], titles: Mapping[str, Mapping], unit_names: Mapping[str, str | None],
              period: ReportPeriod, tz: tzinfo) -> list[dict]:
    """The Monday list's rows, most overdue first, then by unit and code."""
    judged_at = period.judged_at(tz)
    rows = []
    for task in tasks:
        if not due_but_unreported(task, period, tz):
            continue
        overdue = task.due_at < judged_at
        said = titles.get(task.code, {})
        rows.append({
            "code": task.code,
            "title": said.get("title"),
            "document": said.get("document"),
            "lead_unit": task.lead_unit,
            "lead_unit_name": unit_names.get(task.lead_unit),
            "due_at": task.due_at.isoformat(),
            "status": "overdue" if overdue else "due_this_week",
            "status_vi": "Quá hạn" if overdue else "Đến hạn trong tuần",
            "days_overdue": days_overdue(task.due_at, judged_at, tz) if overdue else 0,
            "last_report_at": task.last_report_at.isoformat() if task.last_report_at else None,
        })
    rows.sort(key=lambda row: (-row["days_overdue"], row["due_at"], row["lead_unit"] or "", row["code"]))
    return rows


def tasks_by_unit(rows: Sequence[Mapping]) -> list[dict]:
    """Counts of the Monday list per lead unit (the chart of the list), most first."""
    counts: dict[str, dict] = {}
    for row in rows:
        entry = counts.setdefault(row["lead_unit"], {"unit": row["lead_unit"], "unit_name": row["lead_unit_name"],
                                                     "overdue": 0, "due_this_week": 0})
        entry[row["status"]] += 1
    return sorted(counts.values(), key=lambda e: (-(e["overdue"] + e["due_this_week"]), e["unit"] or ""))


# --------------------------------------------------------------------------- words

def vn_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def vn_long_date(day: date) -> str:
    """"ngày 25 tháng 11 năm 2026", as dated on an administrative document."""
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


# Disciplinary forms as discipline's decisions name them (its SANCTION_FORMS), for the public list.
SANCTION_FORMS = {
    "phe_binh": ("Phê bình", "Criticism"),
    "khien_trach": ("Khiển trách", "Reprimand"),
    "canh_cao": ("Cảnh cáo", "Warning"),
    "ha_bac_luong": ("Hạ bậc lương", "Salary step down"),
    "giang_chuc": ("Giáng chức", "Demotion"),
    "cach_chuc": ("Cách chức", "Removal from post"),
    "dinh_chi_cong_tac": ("Đình chỉ công tác", "Suspension"),
    "mien_nhiem": ("Miễn nhiệm", "Removal from office"),
    "buoc_thoi_viec": ("Buộc thôi việc", "Dismissal"),
}


def sanction_form_label(form: str, lang: str) -> str:
    labels = SANCTION_FORMS.get(form)
    if labels is None:
        return form
    return labels[0] if lang == "vi" else labels[1]


UNIT_KINDS = {
    "province": ("Tỉnh, thành phố", "Province or city"),
    "city": ("Thành phố", "City"),
    "department": ("Sở, ban, ngành", "Department"),
    "district": ("Quận, huyện, thị xã", "District"),
    "ward": ("Phường", "Ward"),
    "commune": ("Xã", "Commune"),
}


def unit_kind_label(kind: str | None, lang: str = "vi") -> str:
    if kind is None:
        return ""
    labels = UNIT_KINDS.get(kind)
    return kind if labels is None else labels[0 if lang == "vi" else 1]


VIOLATORS_NOTES = [
    {"code": "decided_only",
     "vi": "Chỉ công bố quyết định kỷ luật đã ban hành; đề xuất, kiến nghị đang xem xét không được công bố.",
     "en": "Only disciplinary decisions taken are published; proposals still under consideration never are."},
    {"code": "no_personal_data",
     "vi": "Danh sách chỉ gồm họ tên cán bộ, công chức, đơn vị, hình thức kỷ luật và ngày quyết định; không có "
           "thông tin cá nhân của người dân.",
     "en": "The list names the public servant, the unit, the disciplinary form and the decision date only; it "
           "holds no personal data of citizens."},
    {"code": "year_of_decision",
     "vi": "Quyết định được xếp theo năm ban hành (giờ Hà Nội); quyết định có hiệu lực 12 tháng.",
     "en": "Decisions are listed by the year they were taken (Hà Nội time); a decision is in force 12 months."},
]

MONDAY_LIST_NOTES = [
    {"code": "due_but_unreported",
     "vi": "Danh sách gồm nhiệm vụ có hạn xử lý trước thứ Hai tuần sau, chưa hoàn thành và không có báo cáo tiến "
           "độ trong 7 ngày trước 00 giờ 00 thứ Hai.",
     "en": "The list holds tasks due before next Monday, not completed and without a progress report in the 7 days "
           "before 00:00 on the Monday."},
    {"code": "deadline_in_force",
     "vi": "Hạn xử lý là hạn đang có hiệu lực: gia hạn đã được duyệt thay cho hạn cũ.",
     "en": "The deadline is the one in force: an approved extension replaces the old one."},
    {"code": "days_are_calendar_days",
     "vi": "Số ngày quá hạn tính theo ngày lịch đến thứ Hai lập danh sách.",
     "en": "Days overdue are calendar days up to the list's Monday."},
]

# Kinds of unit that head a directory: the report is issued in the name of its People's Committee.
ROOT_KINDS = ("province", "city")


def issuer_name(root_name: str | None) -> str:
    """The authority in the report's header, upper case as on an administrative document."""
    if not root_name:
        return "HỆ THỐNG THEO DÕI KỶ LUẬT, KỶ CƯƠNG HÀNH CHÍNH"
    name = root_name.strip()
    if name.upper().startswith(("UBND", "ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN")):
        return name.upper()
    return f"ỦY BAN NHÂN DÂN {name.upper()}"
