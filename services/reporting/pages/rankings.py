"""Rankings over months (`/reporting/rankings?kind=…&months=6|12&show=both|top|bottom`; 6 months unless asked):
the first and the last units of the latest ranking, each with a small chart of its rank month by month and the
table of the same ranks and scores behind the charts. For the Office and the Chairman; every staff member may look (the
monthly rankings are public anyway)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, request

from services.reporting.domain.rank_history import SHOW, ChartBox, chart_points, rank_range, segments
from services.reporting.domain.texts import unit_kind_label
from services.reporting.pages.classification import month_label
from services.reporting.use_cases import rankings_over_time
from shared.web import require_roles, runtime
from shared.web.pages import lang, render, words

pages = Blueprint("reporting_rankings", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))
FOLLOWED = 5  # units followed at each end of the ranking
BOX = ChartBox()

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Xếp hạng qua các tháng", "Rankings over the months"),
    "lead": ("Hạng của các đơn vị dẫn đầu và cuối bảng xếp hạng tháng gần nhất, qua từng tháng, theo điểm tiến độ "
             "giải quyết hồ sơ (Bộ chỉ số 766) như đã công bố hằng tháng. Bảng dưới các biểu đồ có đủ số liệu.",
             "The rank, month by month, of the first and the last units of the latest monthly ranking, by the "
             "dossier progress score (Index 766) as published each month. The table below the charts has every "
             "figure."),
    "kind": ("Loại đơn vị", "Kind of unit"), "all": ("Tất cả đơn vị", "All units"),
    "months": ("Số tháng", "Months"), "n_months": ("{n} tháng", "{n} months"),
    "show": ("Hiển thị", "Show"), "both": ("Dẫn đầu và cuối bảng", "First and last"),
    "top": ("Dẫn đầu", "First"), "bottom": ("Cuối bảng", "Last"), "apply": ("Xem", "Show"),
    "top_title": ("{n} đơn vị dẫn đầu tháng {month}", "The first {n} units, {month}"),
    "bottom_title": ("{n} đơn vị cuối bảng tháng {month}", "The last {n} units, {month}"),
    "rank_of": ("hạng {rank}/{of}", "rank {rank} of {of}"),
    "summary": ("Tháng {month}: {rank}.", "{month}: {rank}."),
    "since": ("Tháng {month}: {rank}; ", "{month}: {rank}; "),
    "not_ranked": ("chưa xếp hạng", "not ranked"),
    "chart_note": ("Biểu đồ: hạng càng cao (số càng nhỏ) thì điểm càng ở trên; các đơn vị trong một nhóm dùng chung "
                   "thang hạng từ {low} đến {high}.",
                   "Charts: a better rank (a smaller number) is higher up; the units of a group share one scale of "
                   "ranks, {low} to {high}."),
    "table": ("Hạng (điểm tiến độ) theo tháng", "Rank (progress score) by month"),
    "unit": ("Cơ quan, đơn vị", "Office"), "group": ("Nhóm", "Group"),
    "cell": ("{rank} ({score})", "{rank} ({score})"),
    "ranked": ("Số đơn vị được xếp hạng", "Units ranked"),
    "empty": ("Chưa có bảng xếp hạng nào được công bố trong các tháng này.",
              "No ranking has been published in these months yet."),
    "how": ("Cách tính", "How it is computed"),
}
w = words(WORDS)


@pages.get("/rankings")
@require_roles()
def rankings_page():
    kind = (request.args.get("kind") or "").strip() or None
    months = int(request.args["months"]) if request.args.get("months") in ("6", "12") else 6
    show = request.args.get("show") if request.args.get("show") in SHOW else "both"
    found = rankings_over_time.rankings_over_time(runtime().uow(), kind, months=months, show=show,
                                                  count=FOLLOWED)
    if kind and kind not in found["kinds"]:
        kind = None
        found = rankings_over_time.rankings_over_time(runtime().uow(), None, months=months, show=show,
                                                      count=FOLLOWED)
    groups = []
    for group in ("top", "bottom"):
        members = [entry for entry in found["histories"] if entry["group"] == group]
        if not members:
            continue
        low, high = rank_range([entry["history"] for entry in members])
        charts = []
        for entry in members:
            points = chart_points(entry["history"], low, high, BOX)
            charts.append({**entry, "points": points, "lines": segments(points)})
        groups.append({"group": group, "low": low, "high": high, "charts": charts})
    return render("rankings.html", title=w("title"), w=w, found=found, groups=groups, box=BOX, kind=kind or "",
                  months=months, show=show, followed=FOLLOWED, month_label=month_label,
                  kinds=[(k, unit_kind_label(k, lang())) for k in found["kinds"]],
                  formula=found["formula"], lang_key="vi" if lang() == "vi" else "en")
