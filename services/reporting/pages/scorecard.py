"""The head's scorecard in a browser: her unit's score this month with its parts (the Index 766 groups,
measured or not), its rank among units, and the trend of the last months as a chart with its table.

One use case (`scorecards.unit_overview`) for the signed-in head's own unit; nothing to parse. A browser
without a session is sent to sign in; another role gets the 403 page (shared.web).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from flask import Blueprint, request

from services.reporting.domain.texts import unit_kind_label
from services.reporting.use_cases import drilldown, scorecards
from shared.errors import NotFound
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import lang, page_number, render

pages = Blueprint("reporting_pages", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))

# The page's words in English (`?lang=en`), by their Vietnamese; a sentence missing here stays Vietnamese.
ENGLISH = {
    "Kết quả của đơn vị": "Unit's scorecard", "số liệu tính đến": "figures as of",
    "Điểm tiến độ (Bộ chỉ số 766)": "Progress score (Index 766)", "Tỉ lệ đúng hạn": "On-time rate",
    "Chưa có hồ sơ trong kỳ": "No dossier in the period", "Xếp hạng": "Rank", "Hạng {rank}/{of}": "Rank {rank}/{of}",
    "trong các đơn vị có hồ sơ trong kỳ": "among the units with dossiers in the period",
    "tăng {n} bậc so với tháng trước": "up {n} since last month",
    "giảm {n} bậc so với tháng trước": "down {n} since last month",
    "giữ nguyên so với tháng trước": "unchanged since last month",
    "Hạng {rank}/{of} trong nhóm {kind}.": "Rank {rank}/{of} among units of kind {kind}.",
    "Chưa xếp hạng: đơn vị không có hồ sơ trong kỳ ({count} đơn vị được xếp hạng).":
        "Not ranked: the unit has no dossier in the period ({count} units ranked).",
    "Điểm tổng hợp Kỷ Cương": "Kỷ Cương composite score", "Xếp loại": "Band",
    "Chưa đủ dữ liệu để xếp loại": "Not enough data for a band",
    "Các nhóm của Bộ chỉ số 766": "The groups of Index 766", "Điểm đo được": "Points measured",
    "Điểm theo nhóm và chỉ số của Bộ chỉ số 766": "Points by group and indicator of Index 766",
    "Nhóm, chỉ số": "Group, indicator", "Điểm tối đa": "Maximum", "Điểm đạt": "Points", "Ghi chú": "Note",
    "Không đo": "Not measured", "Đo được": "Measured", "chưa có hồ sơ trong kỳ": "no dossier in the period",
    "Hồ sơ và nhiệm vụ trong kỳ": "Dossiers and tasks in the period", "xem từng hồ sơ": "see each dossier",
    "Mã hồ sơ": "Dossier", "Thủ tục": "Procedure", "Tiếp nhận": "Received", "Hạn xử lý": "Due",
    "Hoàn thành": "Finished", "Bước, cán bộ chịu trách nhiệm": "Step and official answerable",
    "Không có hồ sơ nào.": "No dossier.", "← Kết quả của đơn vị": "← The unit's scorecard",
    "Hồ sơ trong kỳ": "Dossiers in the period",
    "Trước hạn, đúng hạn, còn hạn": "Early, on time, within the deadline", "Giải quyết trễ hạn": "Finished late",
    "Đang quá hạn": "Open and overdue", "Nhiệm vụ được giao": "Tasks assigned",
    "{assigned} (đúng hạn {on_time}, trễ hạn {late}, đang quá hạn {overdue})":
        "{assigned} (on time {on_time}, late {late}, overdue {overdue})",
    "Xu hướng {n} tháng gần đây": "Trend of the last {n} months",
    "Tỉ lệ hồ sơ đúng hạn (trước hạn, đúng hạn và đang giải quyết còn hạn) mỗi tháng; bảng dưới biểu đồ có đủ số "
    "liệu.": "The share of dossiers on time (early, on time, or open within the deadline) each month; the table "
             "below the chart has every figure.",
    "Biểu đồ cột tỉ lệ đúng hạn theo tháng": "Bar chart of the on-time rate by month",
    "không có hồ sơ": "no dossier", "Số liệu xu hướng theo tháng": "The trend's figures by month",
    "Tháng": "Month", "Hồ sơ": "Dossiers", "Đúng hạn, còn hạn": "On time or within", "Trễ hạn": "Late",
    "Điểm tiến độ": "Progress score",
    "Chưa có số liệu của đơn vị {unit}: hệ thống chưa nhận được hồ sơ, nhiệm vụ hay phản ánh nào của đơn vị. Kết "
    "quả sẽ hiện khi có dữ liệu đầu tiên.": "No figures for unit {unit} yet: no dossier, task or feedback of the "
                                           "unit has reached the platform. Its results show from the first one.",
}


def _(text: str, **values) -> str:
    """A sentence of this page in the reader's language: the Vietnamese, or its English."""
    if lang() != "vi":
        text = ENGLISH.get(text, text)
    return text.format(**values) if values else text


def loc(texts) -> str:
    """The reader's language of a {"vi": …, "en": …} text the scorecard carries."""
    if not texts:
        return ""
    return (texts.get("vi") if lang() == "vi" else texts.get("en") or texts.get("vi")) or ""


# The trend chart (an inline SVG drawn by the template: no script, no style attribute).
CHART = {"width": 640, "height": 240, "top": 24, "bottom": 40, "left": 8}


@pages.app_template_filter("vn_period")
def vn_period(period: str) -> str:
    """`2026-12` → `tháng 12/2026` (`month 12/2026`); a quarter `quý 4/2026`; a year as written."""
    vi = lang() == "vi"
    if len(period) == 7 and period[4] == "-" and period[5:].isdigit():
        return f"{'tháng' if vi else 'month'} {period[5:]}/{period[:4]}"
    if "-Q" in period:
        return f"{'quý' if vi else 'quarter'} {period[-1]}/{period[:4]}"
    return period


@pages.app_template_filter("percent")
def percent(rate) -> Decimal | None:
    """A rate (0 to 1) as a percentage, for vn_number."""
    return None if rate is None else Decimal(str(rate)) * 100


@pages.get("/scorecard")
@require_roles("head")
def scorecard():
    return _scorecard(current_principal(required=True).unit or "", missing=200)  # her unit: not yet, no error


@pages.get("/units/<code>")
def public_scorecard(code: str):
    """Any unit's scorecard for anyone (the figures are public, as the ranking): linked from the home page."""
    response = _scorecard(code, missing=404)
    if response.status_code == 200:
        response.headers["Cache-Control"] = "public, max-age=60"
    return response


@pages.get("/units/<code>/figures/<figure>")
def figure_page(code: str, figure: str):
    """The dossiers behind one count of a unit's scorecard (public, as the API's drill-down)."""
    found = drilldown.get_drilldown(runtime().uow(), code, figure, request.args.get("period") or None,
                                    page_number(), 50)
    response = render("scorecard_figure.html", title=f"{found['unit_name'] or found['unit']} — {loc(found)}",
                      found=found, _=_, loc=loc)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _scorecard(unit: str, missing: int):
    try:
        overview = scorecards.unit_overview(runtime().uow(), unit)
    except NotFound:
        return render("scorecard_no_data.html", status=missing, title=_("Kết quả của đơn vị"), unit=unit, _=_)
    card = overview["scorecard"]
    return render("scorecard.html", title=f"{_('Kết quả của đơn vị')} — {card['unit_name'] or card['unit']}",
                  card=card, rank=overview["rank"], kind_rank=overview["kind_rank"], trend=overview["trend"],
                  kind_label=unit_kind_label(card["unit_kind"], lang()), chart=CHART, _=_, loc=loc)
