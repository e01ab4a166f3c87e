"""The Service Center's live board (`/reporting/board`, role office or admin): every unit's open dossiers,
due soon and overdue, worst first, filtered by procedure and step, with the overdue ones by step as a chart
and its table. The figures refresh without a reload: htmx asks for the same page every second and swaps the
live part (a request from htmx gets that part alone, from counters kept half a second per process).
Drill-down: a unit's open dossiers (`/reporting/board/<unit>`), then a dossier's control sheet
(`/reporting/board/<unit>/<code>`)."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlencode

from cachetools import TTLCache
from flask import Blueprint, request

from services.reporting.use_cases import board
from shared.web import require_roles, runtime
from shared.web.pages import Pager, page_number, render, sort_order, words

pages = Blueprint("reporting_board", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))
PAGE_SIZE = 50
POLL_SECONDS = 1  # a change shows within two seconds: one poll, plus the half second the counters are kept

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Bảng theo dõi hồ sơ trực tuyến", "Live dossier board"),
    "lead": ("Hồ sơ đang giải quyết của từng cơ quan, đơn vị: sắp đến hạn và quá hạn, cập nhật mỗi giây.",
             "Every office's open dossiers, due soon and overdue, refreshed every second."),
    "unit": ("Cơ quan, đơn vị", "Office"), "open": ("Đang giải quyết", "Open"),
    "due_soon": ("Sắp đến hạn", "Due soon"), "overdue": ("Quá hạn", "Overdue"), "within": ("Trong hạn", "Within"),
    "procedure": ("Thủ tục", "Procedure"), "step": ("Bước xử lý", "Step"), "all": ("Tất cả", "All"),
    "show": ("Lọc", "Filter"),
    "totals": ("Tổng: {open} hồ sơ đang giải quyết, {due_soon} sắp đến hạn, {overdue} quá hạn.",
               "In all: {open} open, {due_soon} due soon, {overdue} overdue."),
    "as_of": ("Số liệu lúc {at}.", "Figures as of {at}."),
    "chart": ("Hồ sơ quá hạn theo bước xử lý", "Overdue dossiers by step"),
    "chart_table": ("Số liệu của biểu đồ: hồ sơ đang giải quyết và quá hạn theo bước",
                    "The chart's figures: open and overdue dossiers by step"),
    "no_overdue": ("Không có hồ sơ quá hạn.", "No overdue dossier."),
    "empty": ("Chưa có hồ sơ nào đang giải quyết.", "No open dossier."),
    "units_caption": ("Hồ sơ đang giải quyết theo cơ quan, đơn vị", "Open dossiers by office"),
    "unit_title": ("Hồ sơ đang giải quyết: {unit}", "Open dossiers: {unit}"),
    "unit_lead": ("{n} hồ sơ, quá hạn trước, rồi sắp đến hạn, hạn sớm nhất trước.",
                  "{n} dossiers, overdue first, then due soon, the earliest deadline first."),
    "back_board": ("← Bảng theo dõi", "← The board"), "back_unit": ("← Hồ sơ của đơn vị", "← The office's dossiers"),
    "filtered": ("Đang lọc:", "Filtered:"), "unfiltered": ("Xem tất cả hồ sơ của đơn vị", "All the office's dossiers"),
    "code": ("Mã hồ sơ", "Dossier"), "official": ("Cán bộ đang xử lý", "Official holding it"),
    "due": ("Hạn trả kết quả", "Due"), "state": ("Tình trạng", "Standing"), "received": ("Tiếp nhận", "Received"),
    "paused": ("Chờ bổ sung", "Awaiting supplement"),
    "sheet_title": ("Phiếu kiểm soát quá trình giải quyết hồ sơ {code}", "Process control sheet of dossier {code}"),
    "sheet_lead": ("Theo các sự kiện hệ thống báo cáo đã nhận: mỗi lần chuyển bước với thời điểm và người giao, "
                   "người nhận.", "As the events reporting received tell it: each hand-over with its time and "
                                  "the officials who gave and took the dossier."),
    "at": ("Thời điểm", "When"), "what": ("Nội dung", "What"), "from": ("Bên giao", "Handed by"),
    "to": ("Bên nhận", "Taken by"), "used": ("Thời gian của bước (ngày làm việc)", "Step's time (working days)"),
    "used_of": ("{used} / {budget}", "{used} of {budget}"), "late_step": ("trễ", "late"),
    "no_lines": ("Chưa có lần chuyển bước nào.", "No hand-over yet."),
    "finished": ("Đã kết thúc lúc {at}.", "Finished at {at}."),
    "kind_handed_over": ("Chuyển bước", "Hand-over"),
    "kind_supplement_requested": ("Yêu cầu bổ sung", "Supplement asked"),
    "kind_supplement_received": ("Nhận bổ sung", "Supplement received"),
    "kind_marked_late": ("Tính trễ hạn", "Counted late"),
    "kind_deadline_changed": ("Đổi hạn", "Deadline moved"), "kind_apology_issued": ("Thư xin lỗi", "Apology"),
    "kind_apology_missed": ("Quá hạn không xin lỗi", "Late without apology"),
    "kind_promise_broken": ("Trễ hẹn lại", "Promise broken"), "kind_sent_back": ("Trả lại hồ sơ", "Sent back"),
    "kind_returned": ("Trả kết quả", "Returned"), "kind_refused": ("Từ chối", "Refused"),
    "kind_withdrawn": ("Rút hồ sơ", "Withdrawn"), "kind_stopped": ("Dừng xử lý", "Stopped"),
}
# Step keys of the procedures' plans (the catalog's `step_key`); another key is shown as it is.
STEP_WORDS: dict[str, tuple[str, str]] = {
    "": ("Chưa rõ bước", "Step not known"), "receive": ("Tiếp nhận", "Receive"),
    "assign": ("Phân công xử lý", "Assign"), "appraise": ("Thẩm định", "Appraise"), "submit": ("Trình ký", "Submit"),
    "approve": ("Phê duyệt", "Approve"), "return": ("Trả kết quả", "Return the result"),
}
w = words(WORDS)
_step_words = words(STEP_WORDS)


def step_label(step: str | None) -> str:
    return _step_words(step or "") if (step or "") in STEP_WORDS else step


def kind_label(kind: str) -> str:
    return w(f"kind_{kind}") if f"kind_{kind}" in WORDS else kind


# The counters behind the board, kept half a second per process and filter: every office person's poll every
# second costs three grouped reads at most twice a second.
_COUNTS: TTLCache = TTLCache(maxsize=256, ttl=0.5)
_COUNTS_LOCK = threading.Lock()


def _counts(procedure: str | None, step: str | None) -> dict:
    key = (runtime().database_url, procedure, step)
    with _COUNTS_LOCK:
        found = _COUNTS.get(key)
    if found is None:
        found = board.board_counts(runtime().uow(), procedure, step)
        with _COUNTS_LOCK:
            _COUNTS[key] = found
    return found


def _filters() -> tuple[str | None, str | None]:
    procedure = request.args.get("procedure") or None
    step = request.args.get("step")
    return procedure, (step if step is not None and step != "*" else None)


@pages.get("/board")
@require_roles("office", "admin")
def live_board():
    procedure, step = _filters()
    counts = _counts(procedure, step)
    sort = sort_order(board.SORTS, "-overdue")
    units = board.sorted_units(counts["units"], *sort)
    pager = Pager(page_number(), PAGE_SIZE, len(units))
    first = (pager.page - 1) * PAGE_SIZE
    # The unit's drill-down keeps the board's filters.
    kept = {name: value for name, value in (("procedure", procedure), ("step", step)) if value is not None}
    context = dict(title=w("title"), w=w, step_label=step_label, counts=counts, sort=sort, pager=pager,
                   drill_query=("?" + urlencode(kept)) if kept else "",
                   units=units[first:first + PAGE_SIZE], procedure=procedure or "",
                   step="*" if step is None else step, poll=POLL_SECONDS,
                   chart=[s for s in counts["steps"] if s["overdue"]],
                   procedure_options=[("", w("all")), *((code, code) for code in counts["procedures"])],
                   step_options=[("*", w("all")), *((s["step"], step_label(s["step"])) for s in counts["steps"])])
    # htmx's poll takes the live part alone: no layout, no navigation to render every second.
    template = "board_live.html" if request.headers.get("HX-Request") else "board.html"
    response = render(template, **context)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@pages.get("/board/<unit>")
@require_roles("office", "admin")
def unit_board(unit: str):
    procedure, step = _filters()
    found = board.unit_dossiers(runtime().uow(), unit, procedure, step, page_number(), PAGE_SIZE)
    return render("board_unit.html", title=w("unit_title", unit=found["unit_name"] or found["unit"]), w=w,
                  step_label=step_label, found=found, pager=Pager(found["page"], PAGE_SIZE, found["total"]),
                  procedure=procedure, step=step)


@pages.get("/board/<unit>/<code>")
@require_roles("office", "admin")
def dossier_sheet(unit: str, code: str):
    sheet = board.control_sheet(runtime().uow(), unit, code)
    return render("board_dossier.html", title=w("sheet_title", code=sheet["code"]), w=w, step_label=step_label,
                  kind_label=kind_label, sheet=sheet)
