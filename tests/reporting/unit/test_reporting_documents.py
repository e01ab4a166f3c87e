"""The reporting cadence (windows 21st → 20th, due dates, the Monday list) and the report files made from a
figures snapshot: the XLSX opened with openpyxl, the PDF read back page by page. No database."""

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from pdf_text import page_count, squeezed, text

from services.reporting import cadence, documents
from shared.errors import InvalidInput

HANOI = timezone(timedelta(hours=7))

ITEMS = [
    {"unit": "SXD", "unit_name": "Sở Xây dựng", "kind_label": "Sở, ban, ngành", "rank": 1, "previous_rank": 2,
     "score": 19.5, "received": 40, "early": 10, "on_time": 39, "late": 1, "overdue_open": 0, "on_time_rate": 0.975},
    {"unit": "STP", "unit_name": "Sở Tư pháp", "kind_label": "Sở, ban, ngành", "rank": 2, "previous_rank": None,
     "score": 15.0, "received": 20, "early": 3, "on_time": 15, "late": 3, "overdue_open": 2, "on_time_rate": 0.75},
    {"unit": "PBD", "unit_name": "Phường Ba Đình", "kind_label": "Phường", "rank": 3, "previous_rank": 1,
     "score": 12.0, "received": 10, "early": 0, "on_time": 6, "late": 0, "overdue_open": 4, "on_time_rate": 0.6},
]


def monthly_snapshot(items=ITEMS):
    period = cadence.report_period("monthly", "2026-11")
    return {
        "code": period.code, "kind": "monthly", "period": period.label, "version": 2, "title": period.title_vi,
        "title_en": period.title_en, "issuer": cadence.issuer_name("Thành phố Hà Nội"),
        "window": {"first_day": "2026-10-21", "last_day": "2026-11-20", "text": period.window_vi},
        "as_of": "2026-11-21T00:00:00+07:00", "issued_at": "2026-11-25T08:00:00+07:00", "issued_by": "sweep",
        "reason": "bổ sung số liệu Sở Tư pháp",
        "ranking": {"items": items, "units_not_ranked": 1,
                    "formula": {"version": "Quyết định 766/QĐ-TTg ngày 23/6/2022",
                                "vi": "Điểm tiến độ = 20 × (số hồ sơ đúng hạn) ÷ (tổng số hồ sơ).",
                                "not_measured_vi": "Chưa đo: số hóa hồ sơ (22)."}},
        "summary": cadence.summary(items),
        "late_units": cadence.units_with_late_dossiers(items),
        "trend": [cadence.trend_point(window, *((70, 60) if window.label >= "2026-09" and items else (0, 0)))
                  for window in cadence.trend_windows(period)],
        "notes": [{"code": "supplement", "vi": "Thời gian chờ công dân bổ sung hồ sơ chưa được trừ.", "en": "…"}],
    }


def weekly_snapshot():
    period = cadence.report_period("weekly_tasks", "2026-W47")
    tz = HANOI
    tasks = [
        cadence.TaskLine("NV-1", "SXD", datetime(2026, 11, 10, 17, tzinfo=tz), None, None),
        cadence.TaskLine("NV-2", "SXD", datetime(2026, 11, 19, 17, tzinfo=tz), None, None),
        cadence.TaskLine("NV-3", "STP", datetime(2026, 11, 13, 17, tzinfo=tz), None,
                         datetime(2026, 11, 12, 9, tzinfo=tz)),  # reported within 7 days: not listed
        cadence.TaskLine("NV-4", "STP", datetime(2026, 11, 23, 8, tzinfo=tz), None, None),  # next week
        cadence.TaskLine("NV-5", "STP", datetime(2026, 11, 2, 17, tzinfo=tz), None, None),
    ]
    titles = {"NV-1": {"title": "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND", "document": "01/CT-UBND"}}
    names = {"SXD": "Sở Xây dựng", "STP": "Sở Tư pháp"}
    rows = cadence.task_rows(tasks, titles, names, period, tz)
    by_unit = cadence.tasks_by_unit(rows)
    return {
        "code": period.code, "kind": "weekly_tasks", "period": period.label, "version": 1, "title": period.title_vi,
        "issuer": cadence.issuer_name(None), "window": {"text": period.window_vi},
        "as_of": "2026-11-16T00:00:00+07:00", "issued_at": "2026-11-16T07:00:00+07:00", "issued_by": "sweep",
        "reason": None, "tasks": rows, "tasks_by_unit": by_unit,
        "task_summary": {"total": len(rows), "overdue": sum(r["status"] == "overdue" for r in rows),
                         "due_this_week": sum(r["status"] == "due_this_week" for r in rows), "units": len(by_unit)},
        "notes": cadence.MONDAY_LIST_NOTES,
    }


# --------------------------------------------------------------------------- the cadence


def test_reporting_monthly_window_runs_from_the_21st_to_the_20th_and_is_due_on_the_25th():
    period = cadence.report_period("monthly", "2026-11")
    assert (period.first_day, period.last_day, period.judged_on, period.due_on) == (
        date(2026, 10, 21), date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 25))
    assert period.code == "BC-2026-11"
    assert period.ranking_period == "2026-10-21..2026-11-20"
    assert period.title_vi.endswith("THÁNG 11 NĂM 2026")
    assert "từ ngày 21/10/2026 đến hết ngày 20/11/2026" in period.window_vi
    january = cadence.report_period("monthly", "2027-01")
    assert (january.first_day, january.last_day) == (date(2026, 12, 21), date(2027, 1, 20))


def test_reporting_quarterly_window_ends_on_the_20th_of_the_quarters_last_month():
    q4 = cadence.report_period("quarterly", "2026-Q4")
    assert (q4.first_day, q4.last_day, q4.due_on) == (date(2026, 9, 21), date(2026, 12, 20), date(2026, 12, 25))
    assert q4.title_vi.endswith("QUÝ IV NĂM 2026")
    q1 = cadence.report_period("quarterly", "2027-Q1")
    assert (q1.first_day, q1.last_day) == (date(2026, 12, 21), date(2027, 3, 20))


def test_reporting_monday_list_covers_the_iso_week_from_its_monday():
    week = cadence.report_period("weekly_tasks", "2026-W47")
    assert (week.first_day, week.last_day, week.judged_on, week.due_on) == (
        date(2026, 11, 16), date(2026, 11, 22), date(2026, 11, 16), date(2026, 11, 16))
    assert week.title_vi == "DANH SÁCH NHIỆM VỤ ĐẾN HẠN NHƯNG CHƯA BÁO CÁO TUẦN 47 NĂM 2026"


def test_reporting_monday_list_of_iso_week_53_spans_the_new_year():
    # 2026 has an ISO week 53 (it starts on a Thursday); 2027 has none, and is refused below.
    week = cadence.report_period("weekly_tasks", "2026-W53")
    assert (week.first_day, week.last_day) == (date(2026, 12, 28), date(2027, 1, 3))
    assert week.title_vi.endswith("TUẦN 53 NĂM 2026")


@pytest.mark.parametrize(("kind", "label", "field"), [
    ("monthly", "2026-13", "period"), ("monthly", "2026-Q4", "period"), ("quarterly", "2026-Q5", "period"),
    ("weekly_tasks", "2026-W54", "period"), ("weekly_tasks", "2027-W53", "period"), ("yearly", "2026", "kind"),
])
def test_reporting_a_period_that_does_not_fit_its_kind_is_refused_naming_the_field(kind, label, field):
    with pytest.raises(InvalidInput) as caught:
        cadence.report_period(kind, label)
    assert list(caught.value.errors) == [field]


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 11, 24), ["2026-10", "2026-Q3", "2026-W48"]),
    (date(2026, 11, 25), ["2026-11", "2026-Q3", "2026-W48"]),
    (date(2026, 12, 24), ["2026-11", "2026-Q3", "2026-W52"]),
    (date(2026, 12, 25), ["2026-12", "2026-Q4", "2026-W52"]),
    (date(2027, 1, 4), ["2026-12", "2026-Q4", "2027-W01"]),
])
def test_reporting_the_sweep_looks_for_the_newest_report_of_each_kind_due_by_today(today, expected):
    assert [period.label for period in cadence.due_reports(today)] == expected


def test_reporting_trend_shows_the_six_monthly_windows_ending_with_the_reports_own():
    q4 = cadence.report_period("quarterly", "2026-Q4")
    assert [w.label for w in cadence.trend_windows(q4)] == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
                                                             "2026-12"]


def test_reporting_monday_list_keeps_open_tasks_due_this_week_without_a_recent_progress_report():
    rows = weekly_snapshot()["tasks"]
    assert [(r["code"], r["status"], r["days_overdue"]) for r in rows] == [
        ("NV-5", "overdue", 14), ("NV-1", "overdue", 6), ("NV-2", "due_this_week", 0)]
    assert rows[1]["title"] == "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND"
    period = cadence.report_period("weekly_tasks", "2026-W47")
    done_before = cadence.TaskLine("X", "SXD", datetime(2026, 11, 10, tzinfo=HANOI),
                                   datetime(2026, 11, 15, tzinfo=HANOI), None)
    done_after = cadence.TaskLine("Y", "SXD", datetime(2026, 11, 10, tzinfo=HANOI),
                                  datetime(2026, 11, 16, 9, tzinfo=HANOI), None)
    assert not cadence.due_but_unreported(done_before, period, HANOI)
    assert cadence.due_but_unreported(done_after, period, HANOI)  # still open at 00:00 on the Monday


def test_reporting_summary_adds_up_the_ranked_units():
    summary = cadence.summary(ITEMS)
    assert summary == {"units_ranked": 3, "received": 70, "on_time": 60, "early": 13, "late": 4, "overdue_open": 6,
                       "on_time_rate": 0.8571, "average_score": 15.5}
    assert [u["unit"] for u in cadence.units_with_late_dossiers(ITEMS)] == ["STP", "PBD", "SXD"]


# --------------------------------------------------------------------------- the files


def test_reporting_monthly_xlsx_has_the_vietnamese_headings_the_ranking_figures_and_native_charts():
    workbook = load_workbook(io.BytesIO(documents.build_xlsx(monthly_snapshot())))
    assert workbook.sheetnames == ["Báo cáo", "Đơn vị trễ hạn", "Xu hướng", "Cách tính và lưu ý"]
    sheet = workbook["Báo cáo"]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    values = [value for row in cells for value in row if value is not None]
    assert "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI" in values
    assert {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"} <= set(values)
    assert ("BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH VÀ THỰC HIỆN KỶ LUẬT, KỶ CƯƠNG HÀNH CHÍNH "
            "THÁNG 11 NĂM 2026") in values
    assert any("phiên bản 2" in str(v) and "bổ sung số liệu Sở Tư pháp" in str(v) for v in values)
    header = next(i for i, row in enumerate(cells) if row[0] == "Hạng")
    assert cells[header][:3] == ["Hạng", "Mã đơn vị", "Tên đơn vị"]
    assert "Điểm tiến độ (766, tối đa 20)" in cells[header]
    score = cells[header].index("Điểm tiến độ (766, tối đa 20)")
    rate = cells[header].index("Tỷ lệ đúng hạn")
    table = cells[header + 1:header + 4]
    assert [(row[0], row[2], row[score], row[rate]) for row in table] == [
        (1, "Sở Xây dựng", 19.5, 0.975), (2, "Sở Tư pháp", 15.0, 0.75), (3, "Phường Ba Đình", 12.0, 0.6)]
    summary = {row[0]: row[3] for row in cells if row[0] in dict(documents.SUMMARY_ROWS).values()}
    assert summary["Tổng số hồ sơ trong kỳ"] == 70 and summary["Tỷ lệ đúng hạn"] == 0.8571
    [bar] = sheet._charts
    assert type(bar).__name__ == "BarChart"
    assert bar.title.tx.rich.p[0].r[0].t == documents.RANKING_TITLE
    [line] = workbook["Xu hướng"]._charts
    assert type(line).__name__ == "LineChart"
    trend = [[c.value for c in row] for row in workbook["Xu hướng"].iter_rows(min_row=4, max_row=9)]
    assert [row[1] for row in trend] == ["T6/2026", "T7/2026", "T8/2026", "T9/2026", "T10/2026", "T11/2026"]
    assert [row[4] for row in trend] == [None, None, None, 0.8571, 0.8571, 0.8571]
    late = [[c.value for c in row] for row in workbook["Đơn vị trễ hạn"].iter_rows(min_row=4)]
    assert [row[1] for row in late] == ["STP", "PBD", "SXD"]


def test_reporting_monthly_pdf_is_a_paged_pdf_with_the_vietnamese_headings_and_numbers():
    report = monthly_snapshot()
    pdf = documents.build_pdf(report)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert page_count(pdf) >= 2
    content = squeezed(text(pdf))
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", report["title"], "ngày 25 tháng 11 năm 2026",
                     "từ ngày 21/10/2026 đến hết ngày 20/11/2026", "phiên bản 2", "BẢNG XẾP HẠNG ĐƠN VỊ",
                     "Sở Xây dựng", "Phường Ba Đình", "97,50%", "19,50", "85,71%", "Trang 1/",
                     "Chưa đo: số hóa hồ sơ (22)."):
        assert squeezed(expected) in content, expected
    html = documents.render_html(report)
    assert html.count('<img src="data:image/svg+xml;base64,') == 2
    assert "Biểu đồ 1: Tỷ lệ hồ sơ đúng hạn qua các kỳ báo cáo tháng" in html


def test_reporting_a_report_without_ranked_units_still_opens_and_says_so():
    report = monthly_snapshot(items=[])
    workbook = load_workbook(io.BytesIO(documents.build_xlsx(report)))
    values = [c.value for row in workbook["Báo cáo"].iter_rows() for c in row if c.value is not None]
    assert "Không có đơn vị nào có hồ sơ trong kỳ." in values
    assert squeezed("Không có đơn vị nào có hồ sơ trong kỳ.") in squeezed(text(documents.build_pdf(report)))


def test_reporting_monday_list_files_list_the_tasks_with_a_chart_per_unit():
    report = weekly_snapshot()
    workbook = load_workbook(io.BytesIO(documents.build_xlsx(report)))
    sheet = workbook["Danh sách nhiệm vụ"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "STT")
    assert [(r[1], r[4], r[6], r[7]) for r in rows[header + 1:header + 4]] == [
        ("NV-5", "Sở Tư pháp", "Quá hạn", 14), ("NV-1", "Sở Xây dựng", "Quá hạn", 6),
        ("NV-2", "Sở Xây dựng", "Đến hạn trong tuần", 0)]
    [chart] = workbook["Theo đơn vị"]._charts
    assert chart.title.tx.rich.p[0].r[0].t == documents.TASKS_CHART_TITLE
    content = squeezed(text(documents.build_pdf(report)))
    for expected in (report["title"], "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND", "Quá hạn", "NV-5",
                     "17:00 ngày 10/11/2026"):
        assert squeezed(expected) in content, expected
    assert "NV-3" not in content and "NV-4" not in content
