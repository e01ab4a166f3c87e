"""The monthly classification of units (`/reporting/classification?period=YYYY-MM`) for the Office, the
administrators and Home Affairs: units with late dossiers and with dossiers sent back to the citizen several
times through officials' own fault (seed 004, item 2.b), worst first, a month at a time; also as XLSX.

One use case (`classification.monthly_classification`); a month that cannot be read re-renders the page for
the last finished month with 422 and the error on top.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, request, send_file

from services.reporting import documents
from services.reporting.domain.classification import CLASS_CODES
from services.reporting.domain.texts import UNIT_KINDS, unit_kind_label
from services.reporting.use_cases import classification
from shared.errors import InvalidInput
from shared.web import require_roles, runtime
from shared.web.pages import Pager, lang, page_number, render, vn_datetime, words

pages = Blueprint("reporting_classification", __name__,
                  template_folder=str(Path(__file__).parents[1] / "templates"))
PAGE_SIZE = 100
ROLES = ("office", "admin", "inspector")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Phân loại đơn vị tháng {period}", "Classification of units, {period}"),
    "lead": ("Các đơn vị có hồ sơ trễ hạn và có hồ sơ bị trả lại nhiều lần do lỗi chủ quan của cán bộ, công chức, "
             "viên chức trong tháng, đơn vị nặng nhất trước.",
             "Units with late dossiers and with dossiers sent back to the citizen several times through officials' "
             "own fault in the month, worst first."),
    "as_of": ("Số liệu tính đến {at}.", "Figures as of {at}."),
    "running": ("Tháng đang diễn ra: hồ sơ quá hạn là hồ sơ đang quá hạn hiện nay.",
                "The month is still running: overdue dossiers are those overdue now."),
    "month": ("Tháng", "Month"), "kind": ("Loại đơn vị", "Kind of unit"), "all": ("Tất cả", "All"),
    "class": ("Nhóm", "Group"), "show": ("Xem", "Show"),
    "previous": ("← Tháng trước ({period})", "← Previous month ({period})"),
    "next": ("Tháng sau ({period}) →", "Next month ({period}) →"),
    "months": ("Chọn tháng", "Choose a month"),
    "summary": ("Tổng hợp theo nhóm", "Units by group"), "units": ("Số đơn vị", "Units"),
    "unit": ("Cơ quan, đơn vị", "Office"), "received": ("Hồ sơ trong kỳ", "Dossiers"),
    "completed_late": ("Giải quyết trễ hạn", "Completed late"),
    "overdue_open": ("Quá hạn cuối tháng", "Overdue at month end"),
    "sent_back": ("Hồ sơ bị trả lại do lỗi chủ quan", "Sent back through officials' fault"),
    "sent_back_repeatedly": ("Trong đó bị trả lại nhiều lần", "Of which several times"),
    "see": ("xem từng hồ sơ", "see each dossier"),
    "table": ("Phân loại đơn vị tháng {period}, nặng nhất trước", "Classification of units, {period}, worst first"),
    "empty": ("Không có đơn vị nào trong nhóm này.", "No unit in this group."),
    "without": ("{n} đơn vị không có hồ sơ trong tháng, không phân loại.",
                "{n} units without dossiers in the month are not classified."),
    "rule": ("Căn cứ và tiêu chí", "Basis and criteria"),
    "xlsx": ("Tải bảng phân loại (XLSX)", "Download the classification (XLSX)"),
    "times": ("{n} lượt", "{n} times"),
    "bad_period": ("Tháng không hợp lệ hoặc chưa bắt đầu: chọn một tháng đến tháng {latest} (dạng YYYY-MM, ví dụ "
                   "2026-11).", "Not a month, or one not started yet: choose a month up to {latest} (written "
                   "YYYY-MM, e.g. 2026-11)."),
}
w = words(WORDS)


def month_label(period: str) -> str:
    return f"{period[5:]}/{period[:4]}"


def _arguments() -> tuple[str | None, str | None, str | None]:
    period = (request.args.get("period") or "").strip() or None
    kind = request.args.get("kind") if request.args.get("kind") in UNIT_KINDS else None
    only = request.args.get("class") if request.args.get("class") in CLASS_CODES else None
    return period, kind, only


@pages.get("/classification")
@require_roles(*ROLES)
def classification_page():
    period, kind, only = _arguments()
    errors, status = {}, 200
    try:
        found = classification.monthly_classification(runtime().uow(), period, kind=kind, only=only,
                                                       page=page_number(), page_size=PAGE_SIZE)
    except InvalidInput:
        found = classification.monthly_classification(runtime().uow(), None, kind=kind, only=only,
                                                       page=1, page_size=PAGE_SIZE)
        latest = found["next_period"] or found["period"]
        errors, status = {"period": w("bad_period", latest=month_label(latest))}, 422
    label = month_label(found["period"])
    return render("classification.html", status=status, title=w("title", period=label), w=w, found=found,
                  label=label, month_label=month_label, errors=errors, asked=period or found["period"],
                  kind=kind or "", only=only or "", kinds=[(k, unit_kind_label(k, lang())) for k in UNIT_KINDS],
                  loc=_loc, pager=Pager(found["page"], PAGE_SIZE, found["total"]))


@pages.get("/classification.xlsx")
@require_roles(*ROLES)
def classification_xlsx():
    period, kind, only = _arguments()
    found = classification.monthly_classification(runtime().uow(), period, kind=kind, only=only, page=1,
                                                  page_size=100_000)
    book = documents.build_classification_xlsx(
        found, WORDS["title"][0].format(period=month_label(found["period"])),
        [WORDS["as_of"][0].format(at=vn_datetime(found["as_of"])), found["rules"]["version"], found["rules"]["source"]],
        ["Mã đơn vị", *(WORDS[key][0] for key in ("unit", "class", "received", "completed_late", "overdue_open",
                                                    "sent_back", "sent_back_repeatedly"))])
    return send_file(io.BytesIO(book), mimetype=XLSX_MEDIA_TYPE, as_attachment=True,
                     download_name=f"phan-loai-don-vi-{found['period']}.xlsx")


def _loc(texts: dict) -> str:
    return texts.get("vi") if lang() == "vi" else texts.get("en") or texts.get("vi")
