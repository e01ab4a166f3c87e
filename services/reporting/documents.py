"""The files of a periodic report: XLSX (openpyxl, with native Excel charts) and PDF (WeasyPrint from an HTML
template, with matplotlib charts as SVG).

Both are pure functions of the report's figures snapshot (the JSON dict `service.issue_report` stores with
the files), so what a report says is decided once, when it is issued, and the two files always agree.

matplotlib and WeasyPrint are imported inside the functions that use them: they take about a second to
import, and every reporting process imports this module while only the few that issue reports need them.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from services.reporting.domain.letterhead import dated
from shared.document_fonts import font_face_css, register_with_matplotlib
from shared.document_text import clean_tree, text_only

TEMPLATES = Path(__file__).with_name("templates")
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MEDIA_TYPE = "application/pdf"

# Column headings of the ranking table, shared by the XLSX and the PDF so both say the same.
RANKING_COLUMNS = (
    ("rank", "Hạng"),
    ("unit", "Mã đơn vị"),
    ("unit_name", "Tên đơn vị"),
    ("kind_label", "Loại đơn vị"),
    ("received", "Hồ sơ trong kỳ"),
    ("early", "Trước hạn"),
    ("on_time", "Trước hạn, đúng hạn và còn hạn"),
    ("late", "Trễ hạn"),
    ("overdue_open", "Quá hạn đang giải quyết"),
    ("on_time_rate", "Tỷ lệ đúng hạn"),
    ("score", "Điểm tiến độ (766, tối đa 20)"),
    ("previous_rank", "Hạng kỳ trước"),
)
TASK_COLUMNS = (
    ("number", "STT"),
    ("code", "Mã nhiệm vụ"),
    ("title", "Nội dung nhiệm vụ"),
    ("document", "Văn bản giao"),
    ("lead_unit_name", "Đơn vị chủ trì"),
    ("due", "Hạn xử lý"),
    ("status_vi", "Tình trạng"),
    ("days_overdue", "Số ngày quá hạn"),
    ("last_report", "Báo cáo tiến độ gần nhất"),
)
SUMMARY_ROWS = (
    ("units_ranked", "Số đơn vị được xếp hạng"),
    ("received", "Tổng số hồ sơ trong kỳ"),
    ("early", "Giải quyết trước hạn"),
    ("on_time", "Trước hạn, đúng hạn và còn hạn"),
    ("late", "Giải quyết trễ hạn"),
    ("overdue_open", "Quá hạn đang giải quyết"),
    ("on_time_rate", "Tỷ lệ đúng hạn"),
    ("average_score", "Điểm tiến độ bình quân (tối đa 20)"),
)
TREND_TITLE = "Tỷ lệ hồ sơ đúng hạn qua các kỳ báo cáo tháng"
RANKING_TITLE = "Điểm tiến độ giải quyết hồ sơ theo đơn vị"
TASKS_CHART_TITLE = "Nhiệm vụ đến hạn chưa báo cáo theo đơn vị chủ trì"
RANKING_CHART_UNITS = 25  # the bar chart shows the first units of the ranking; the table has them all


# --------------------------------------------------------------------------- how numbers are written


def vn_number(value, decimals: int = 0) -> str:
    """12.345,67: Vietnamese writes a comma before decimals and dots between thousands."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def vn_rate(value) -> str:
    return "—" if value is None else vn_number(value * 100, 2) + "%"


def vn_instant(iso: str | None) -> str:
    """'08:00 ngày 25/11/2026' from the local ISO instant the snapshot keeps."""
    if not iso:
        return "—"
    moment = datetime.fromisoformat(iso)
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}"


def vn_day(iso: str | None) -> str:
    if not iso:
        return "—"
    return f"{datetime.fromisoformat(iso):%d/%m/%Y}"


def _dated(report: dict) -> str:
    """The place-and-date line: the letterhead's, or for a report issued before letterheads the date alone."""
    if report.get("letterhead"):
        return report["letterhead"]["place_date"]
    return dated(date.fromisoformat(report["issued_at"][:10]))


def _version_line(report: dict) -> str:
    line = f"Ban hành lúc {vn_instant(report['issued_at'])}, phiên bản {report['version']}"
    if report.get("reason"):
        line += f" (ban hành lại: {report['reason']})"
    return line + f". Mã báo cáo {report['code']}."


# --------------------------------------------------------------------------- charts (matplotlib, SVG)


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    return buffer.getvalue()


def _matplotlib():
    import matplotlib

    # Text stays text in the SVG (and so in the PDF: searchable, and drawn in the report's one font).
    return matplotlib.rc_context({"svg.fonttype": "none", "font.family": register_with_matplotlib(), "font.size": 9,
                                  "svg.hashsalt": "kycuong"})


def trend_chart_svg(trend: list[dict]) -> str:
    """Line chart of the on-time rate per monthly window, in percent."""
    from matplotlib.figure import Figure

    with _matplotlib():
        figure = Figure(figsize=(7.5, 2.8))
        axes = figure.subplots()
        labels = [point["label"] for point in trend]
        values = [None if point["on_time_rate"] is None else point["on_time_rate"] * 100 for point in trend]
        positions = range(len(trend))
        # A window without dossiers has no rate: a gap in the line, its month still on the axis.
        axes.plot(positions, [float("nan") if v is None else v for v in values], marker="o", color="#1f5fa8")
        for position, value in zip(positions, values, strict=True):
            if value is not None:
                axes.annotate(vn_number(value, 1) + "%", (position, value), textcoords="offset points",
                              xytext=(0, 6), ha="center", fontsize=8)
        axes.set_xticks(list(positions), labels)
        axes.set_xlim(-0.5, len(trend) - 0.5)
        axes.set_ylim(0, 110)
        axes.set_ylabel("Tỷ lệ đúng hạn (%)")
        axes.set_title(TREND_TITLE)
        axes.grid(axis="y", alpha=0.3)
        return _svg(figure)


def ranking_chart_svg(items: list[dict]) -> str:
    """Horizontal bars of the progress score of the first units of the ranking, best at the top."""
    from matplotlib.figure import Figure

    shown = items[:RANKING_CHART_UNITS]
    with _matplotlib():
        figure = Figure(figsize=(7.5, max(1.6, 0.32 * len(shown) + 0.9)))
        axes = figure.subplots()
        names = [f"{item['rank']}. {item.get('unit_name') or item['unit']}" for item in shown]
        scores = [float(item["score"]) for item in shown]
        axes.barh(names[::-1], scores[::-1], color="#2e7d32")
        for y, score in enumerate(scores[::-1]):
            axes.annotate(vn_number(score, 2), (score, y), textcoords="offset points", xytext=(3, -3), fontsize=8)
        axes.set_xlim(0, 21.5)
        axes.set_xticks([0, 5, 10, 15, 20])
        axes.set_xlabel("Điểm tiến độ (tối đa 20)")
        axes.set_title(RANKING_TITLE)
        return _svg(figure)


def tasks_chart_svg(by_unit: list[dict]) -> str:
    """Stacked bars of the Monday list per lead unit: overdue, and due later in the week."""
    from matplotlib.figure import Figure

    shown = by_unit[:RANKING_CHART_UNITS]
    with _matplotlib():
        figure = Figure(figsize=(7.5, max(1.6, 0.32 * len(shown) + 0.9)))
        axes = figure.subplots()
        names = [entry.get("unit_name") or entry["unit"] for entry in shown][::-1]
        overdue = [entry["overdue"] for entry in shown][::-1]
        due = [entry["due_this_week"] for entry in shown][::-1]
        axes.barh(names, overdue, color="#c62828", label="Quá hạn")
        axes.barh(names, due, left=overdue, color="#f9a825", label="Đến hạn trong tuần")
        axes.set_xlabel("Số nhiệm vụ")
        axes.set_title(TASKS_CHART_TITLE)
        axes.legend(loc="lower right", fontsize=8)
        return _svg(figure)


def _inline(svg: str, title: str) -> Markup:
    """A chart placed in the page itself rather than as an image: an image is drawn apart from the page and
    would not get the document's font (its text fell back to a system font). matplotlib escapes the text it
    writes, so unit names cannot break out of the SVG; the title is given to screen readers."""
    svg = svg[svg.index("<svg"):]
    opening = svg.index(">")
    return Markup(svg[:opening] + ' role="img"' + svg[opening:opening + 1] + "<title>"
                  + str(Markup.escape(title)) + "</title>" + svg[opening + 1:])


# --------------------------------------------------------------------------- PDF


@cache
def _environment() -> Environment:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(number=vn_number, rate=vn_rate, instant=vn_instant, day=vn_day)
    return environment


def render_html(report: dict) -> str:
    """The HTML the PDF is printed from."""
    charts = []
    if report["kind"] == "weekly_tasks":
        if report["tasks_by_unit"]:
            charts.append((TASKS_CHART_TITLE, _inline(tasks_chart_svg(report["tasks_by_unit"]), TASKS_CHART_TITLE)))
    else:
        charts.append((TREND_TITLE, _inline(trend_chart_svg(report["trend"]), TREND_TITLE)))
        if report["ranking"]["items"]:
            charts.append((RANKING_TITLE, _inline(ranking_chart_svg(report["ranking"]["items"]), RANKING_TITLE)))
    return _environment().get_template("report.html").render(
        font_face=Markup(font_face_css()),  # our own CSS, not user text
        report=report, motto=MOTTO, dated=_dated(report), version_line=_version_line(report), charts=charts,
        ranking_columns=RANKING_COLUMNS, summary_rows=SUMMARY_ROWS, task_columns=TASK_COLUMNS)


def build_pdf(report: dict) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(report), base_url=str(TEMPLATES)).write_pdf()


# --------------------------------------------------------------------------- XLSX


def build_xlsx(report: dict) -> bytes:
    from openpyxl import Workbook

    # Unit names, task titles and reasons come from people: nothing in them may break the file or run in it.
    report = clean_tree(report)
    workbook = Workbook()
    sheet = workbook.active
    if report["kind"] == "weekly_tasks":
        sheet.title = "Danh sách nhiệm vụ"
        _weekly_sheets(workbook, sheet, report)
    else:
        sheet.title = "Báo cáo"
        _periodic_sheets(workbook, sheet, report)
    workbook.properties.title = report["title"]
    workbook.properties.creator = "Kỷ Cương"
    text_only(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_classification_xlsx(found: dict, title: str, lines: list[str], headings: list[str]) -> bytes:
    """The month's classification of units (use_cases.classification) as one sheet: `title` and `lines` (when
    it was read, the rule and its source) above the table, laid out and kept text-only as the reports are."""
    from openpyxl import Workbook

    found = clean_tree(found)  # unit names come from people, as in the reports
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Phân loại {found['period']}"
    styles = _styles()
    sheet.append([title])
    sheet["A1"].font = styles["title"]
    for line in lines:
        sheet.append([line])
    header_row = sheet.max_row + 2
    _table_header(sheet, header_row, headings, styles)
    for item in found["items"]:
        sheet.append([item["unit"], item["unit_name"] or item["unit"], item["class"]["vi"], item["received"],
                      item["completed_late"], item["overdue_open"], item["sent_back"], item["sent_back_repeatedly"]])
    for letter, width in zip("ABCDEFGH", (14, 40, 44, 14, 16, 16, 20, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    _tabular(sheet, header_row, sheet.max_row, len(headings))
    workbook.properties.title = title
    workbook.properties.creator = "Kỷ Cương"
    text_only(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    return {
        "bold": Font(bold=True),
        "title": Font(bold=True, size=13),
        "italic": Font(italic=True),
        "header_fill": PatternFill("solid", fgColor="DCE6F1"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "wrap": Alignment(wrap_text=True, vertical="center", horizontal="center"),
        "left_wrap": Alignment(wrap_text=True, vertical="top"),
        "center": Alignment(horizontal="center"),
    }


def _heading(sheet, report: dict, width: int, styles: dict) -> int:
    """The document header: issuer left, national motto right, then title, window and version. Returns the
    next free row."""
    half = max(width // 2, 2)
    head = report.get("letterhead")
    if head:
        # Decree 30/2020, Phụ lục I: parent body, issuing body (bold), number and symbol.
        sheet.cell(1, 1, head["parent"] or "")
        sheet.cell(2, 1, head["agency"]).font = styles["bold"]
        sheet.cell(3, 1, head["number_line"])
        for row in (2, 3):
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=half)
            sheet.cell(row, 1).alignment = styles["center"]
        sheet.cell(1, 1).alignment = styles["center"]
    else:
        sheet.cell(1, 1, report["issuer"]).font = styles["bold"]
    sheet.cell(1, half + 1, MOTTO[0]).font = styles["bold"]
    sheet.cell(2, half + 1, MOTTO[1]).font = styles["bold"]
    sheet.cell(3, half + 1, _dated(report)).font = styles["italic"]
    for row in (1, 2, 3):
        sheet.merge_cells(start_row=row, start_column=half + 1, end_row=row, end_column=width)
        sheet.cell(row, half + 1).alignment = styles["center"]
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=half)
    sheet.cell(5, 1, report["title"]).font = styles["title"]
    sheet.cell(6, 1, report["window"]["text"])
    sheet.cell(7, 1, _version_line(report)).font = styles["italic"]
    for row in (5, 6, 7):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        sheet.cell(row, 1).alignment = styles["left_wrap"]
    sheet.row_dimensions[5].height = 36
    sheet.row_dimensions[6].height = 30
    return 9


def _tabular(sheet, header_row: int, last_row: int, width: int, *, landscape: bool = True) -> None:
    """What makes a table usable in Excel and on paper: the header row stays in view when scrolling (frozen)
    and prints on every page, a filter on every column, A4 fitted to the page's width."""
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    if last_row > header_row:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(width)}{last_row}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.oddFooter.center.text = "Trang &P/&N"


def _table_header(sheet, row: int, headings, styles: dict) -> None:
    for column, heading in enumerate(headings, start=1):
        cell = sheet.cell(row, column, heading)
        cell.font = styles["bold"]
        cell.fill = styles["header_fill"]
        cell.border = styles["border"]
        cell.alignment = styles["wrap"]
    sheet.row_dimensions[row].height = 45


def _periodic_sheets(workbook, sheet, report: dict) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.utils import get_column_letter

    styles = _styles()
    width = len(RANKING_COLUMNS)
    row = _heading(sheet, report, width, styles)

    sheet.cell(row, 1, "I. TỔNG HỢP CHUNG").font = styles["bold"]
    row += 1
    summary = report["summary"]
    for key, label in SUMMARY_ROWS:
        sheet.cell(row, 1, label)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        cell = sheet.cell(row, 4, summary[key])
        if key == "on_time_rate":
            cell.number_format = "0.00%"
        elif key == "average_score":
            cell.number_format = "0.00"
        row += 1

    row += 1
    sheet.cell(row, 1, "II. BẢNG XẾP HẠNG ĐƠN VỊ").font = styles["bold"]
    row += 1
    header_row = row
    _table_header(sheet, header_row, [heading for _, heading in RANKING_COLUMNS], styles)
    items = report["ranking"]["items"]
    for item in items:
        row += 1
        for column, (key, _) in enumerate(RANKING_COLUMNS, start=1):
            cell = sheet.cell(row, column, item.get(key))
            cell.border = styles["border"]
            if key == "on_time_rate":
                cell.number_format = "0.00%"
            elif key == "score":
                cell.number_format = "0.00"
    if not items:
        row += 1
        sheet.cell(row, 1, "Không có đơn vị nào có hồ sơ trong kỳ.")
    _tabular(sheet, header_row, header_row + len(items), width)

    widths = (7, 12, 34, 16, 10, 10, 14, 9, 12, 11, 13, 9)
    for column, column_width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = column_width

    if items:
        shown = min(len(items), RANKING_CHART_UNITS)
        chart = BarChart()
        chart.type = "bar"
        chart.title = RANKING_TITLE
        chart.y_axis.title = "Điểm (tối đa 20)"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 20
        score_column = [key for key, _ in RANKING_COLUMNS].index("score") + 1
        name_column = [key for key, _ in RANKING_COLUMNS].index("unit_name") + 1
        chart.add_data(Reference(sheet, min_col=score_column, min_row=header_row, max_row=header_row + shown),
                       titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=name_column, min_row=header_row + 1,
                                       max_row=header_row + shown))
        chart.x_axis.scaling.orientation = "maxMin"  # rank 1 at the top
        chart.legend = None
        chart.height = max(7.5, 0.6 * shown + 3)
        chart.width = 18
        sheet.add_chart(chart, f"A{row + 3}")

    late = workbook.create_sheet("Đơn vị trễ hạn")
    late.cell(1, 1, "ĐƠN VỊ CÓ HỒ SƠ TRỄ HẠN, QUÁ HẠN TRONG KỲ").font = styles["bold"]
    _table_header(late, 3, ["Hạng", "Mã đơn vị", "Tên đơn vị", "Trễ hạn", "Quá hạn đang giải quyết",
                            "Tỷ lệ đúng hạn"], styles)
    for offset, item in enumerate(report["late_units"], start=4):
        for column, key in enumerate(("rank", "unit", "unit_name", "late", "overdue_open", "on_time_rate"), start=1):
            cell = late.cell(offset, column, item.get(key))
            cell.border = styles["border"]
            if key == "on_time_rate":
                cell.number_format = "0.00%"
    if not report["late_units"]:
        late.cell(4, 1, "Không có đơn vị nào có hồ sơ trễ hạn hoặc quá hạn.")
    _tabular(late, 3, 3 + len(report["late_units"]), 6)
    late.column_dimensions["C"].width = 34

    trend = workbook.create_sheet("Xu hướng")
    trend.cell(1, 1, TREND_TITLE.upper()).font = styles["bold"]
    _table_header(trend, 3, ["Kỳ báo cáo", "Tháng", "Hồ sơ trong kỳ", "Trước hạn, đúng hạn và còn hạn",
                             "Tỷ lệ đúng hạn"], styles)
    for offset, point in enumerate(report["trend"], start=4):
        for column, key in enumerate(("period", "label", "received", "on_time", "on_time_rate"), start=1):
            cell = trend.cell(offset, column, point[key])
            cell.border = styles["border"]
            if key == "on_time_rate":
                cell.number_format = "0.00%"
    _tabular(trend, 3, 3 + len(report["trend"]), 5)
    line = LineChart()
    line.title = TREND_TITLE
    line.y_axis.title = "Tỷ lệ đúng hạn"
    line.y_axis.number_format = "0%"
    line.y_axis.scaling.min = 0
    line.y_axis.scaling.max = 1
    last = 3 + len(report["trend"])
    line.add_data(Reference(trend, min_col=5, min_row=3, max_row=last), titles_from_data=True)
    line.set_categories(Reference(trend, min_col=2, min_row=4, max_row=last))
    line.legend = None
    line.width = 18
    trend.add_chart(line, f"A{last + 2}")

    if "heads" in report:
        _heads_sheet(workbook, report["heads"], styles)
    _formula_sheet(workbook, report, styles)


_HEAD_COLUMNS = (("official", "Người đứng đầu"), ("unit", "Mã đơn vị"), ("unit_name", "Tên đơn vị"),
                 ("progress_rate", "Tỷ lệ đúng hạn (766)"),
                 ("dossier_satisfaction_rate", "Hài lòng về giải quyết hồ sơ"),
                 ("tasks_on_time_rate", "Nhiệm vụ đúng hạn"),
                 ("feedback_on_time_rate", "Phản ánh, kiến nghị đúng hạn"),
                 ("violations", "Vi phạm trong kỳ"), ("decisions_in_year", "Kỷ luật trong năm"),
                 ("self_assessed", "Tự đánh giá"))


def _heads_sheet(workbook, heads: list[dict], styles: dict) -> None:
    """The quarterly report's figures for the evaluation of heads (seed 003 II.2.đ); no proposed level."""
    sheet = workbook.create_sheet("Người đứng đầu")
    sheet.cell(1, 1, "SỐ LIỆU PHỤC VỤ ĐÁNH GIÁ NGƯỜI ĐỨNG ĐẦU").font = styles["bold"]
    _table_header(sheet, 3, [heading for _, heading in _HEAD_COLUMNS], styles)
    for row, item in enumerate(heads, start=4):
        got = item["figures"]
        values = {"official": item["official"], "unit": item["unit"], "unit_name": item["unit_name"],
                  **{key: got[key] for key in ("progress_rate", "dossier_satisfaction_rate", "tasks_on_time_rate",
                                               "feedback_on_time_rate", "decisions_in_year")},
                  "violations": got["violations"] + got["explanations_missed"],
                  "self_assessed": (item["self_assessment"] or {}).get("label")}
        for column, (key, _) in enumerate(_HEAD_COLUMNS, start=1):
            cell = sheet.cell(row, column, values[key])
            cell.border = styles["border"]
            if key.endswith("_rate"):
                cell.number_format = "0.00%"
    if not heads:
        sheet.cell(4, 1, "Chưa có thông tin người đứng đầu đơn vị.")
    _tabular(sheet, 3, 3 + len(heads), len(_HEAD_COLUMNS))
    sheet.column_dimensions["C"].width = 34


def _formula_sheet(workbook, report: dict, styles: dict) -> None:
    sheet = workbook.create_sheet("Cách tính và lưu ý")
    sheet.column_dimensions["A"].width = 120
    row = 1
    sheet.cell(row, 1, "CÁCH TÍNH VÀ LƯU Ý").font = styles["bold"]
    formula = report.get("ranking", {}).get("formula")
    if formula:
        source = formula.get("source")
        for text in (formula["version"], f"Căn cứ: {source}." if source else None, formula["vi"],
                     formula.get("not_measured_vi")):
            if text:
                row += 1
                sheet.cell(row, 1, text).alignment = styles["left_wrap"]
    row += 1
    sheet.cell(row, 1, "Lưu ý:").font = styles["bold"]
    for caveat in report["notes"]:
        row += 1
        sheet.cell(row, 1, "- " + caveat["vi"]).alignment = styles["left_wrap"]


def _weekly_sheets(workbook, sheet, report: dict) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.utils import get_column_letter

    styles = _styles()
    width = len(TASK_COLUMNS)
    row = _heading(sheet, report, width, styles)
    counts = report["task_summary"]
    for label, key in (("Tổng số nhiệm vụ đến hạn chưa báo cáo", "total"), ("Trong đó quá hạn", "overdue"),
                       ("Đến hạn trong tuần", "due_this_week"), ("Số đơn vị chủ trì", "units")):
        sheet.cell(row, 1, label)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        sheet.cell(row, 4, counts[key])
        row += 1
    row += 1
    _table_header(sheet, row, [heading for _, heading in TASK_COLUMNS], styles)
    _tabular(sheet, row, row + len(report["tasks"]), width)
    for number, task in enumerate(report["tasks"], start=1):
        row += 1
        values = dict(task, number=number, due=vn_instant(task["due_at"]), last_report=vn_day(task["last_report_at"]),
                      lead_unit_name=task["lead_unit_name"] or task["lead_unit"])
        for column, (key, _) in enumerate(TASK_COLUMNS, start=1):
            cell = sheet.cell(row, column, values.get(key))
            cell.border = styles["border"]
            cell.alignment = styles["left_wrap"]
    if not report["tasks"]:
        row += 1
        sheet.cell(row, 1, "Không có nhiệm vụ nào đến hạn mà chưa báo cáo.")
    for column, column_width in enumerate((5, 14, 44, 14, 28, 18, 16, 10, 14), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = column_width

    units = workbook.create_sheet("Theo đơn vị")
    _table_header(units, 1, ["Mã đơn vị", "Tên đơn vị", "Quá hạn", "Đến hạn trong tuần"], styles)
    for offset, entry in enumerate(report["tasks_by_unit"], start=2):
        for column, key in enumerate(("unit", "unit_name", "overdue", "due_this_week"), start=1):
            units.cell(offset, column, entry[key] if key != "unit_name" else (entry[key] or entry["unit"]))
    units.column_dimensions["B"].width = 34
    _tabular(units, 1, 1 + len(report["tasks_by_unit"]), 4, landscape=False)
    if report["tasks_by_unit"]:
        last = 1 + len(report["tasks_by_unit"])
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = TASKS_CHART_TITLE
        chart.add_data(Reference(units, min_col=3, max_col=4, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(units, min_col=2, min_row=2, max_row=last))
        chart.x_axis.scaling.orientation = "maxMin"
        chart.width = 18
        units.add_chart(chart, "F2")
    _formula_sheet(workbook, report, styles)
