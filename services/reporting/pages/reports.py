"""The reports library in a browser (`/reporting/reports`): every issued report and version, downloaded as
XLSX or PDF; the Office issues a period's report once its window has closed, or issues it again with the
reason (the earlier version is kept)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, request

from services.reporting.use_cases import reports
from shared.errors import Conflict, InvalidInput
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import Pager, flash, page_number, render, words

pages = Blueprint("reporting_reports", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))
PAGE_SIZE = 25
KINDS = ("monthly", "quarterly", "weekly_tasks")

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Báo cáo định kỳ", "Periodic reports"),
    "lead": ("Báo cáo tháng (ngày 25), quý và danh sách nhiệm vụ thứ Hai, như đã ban hành; mỗi lần ban hành lại "
             "là một phiên bản mới, phiên bản cũ vẫn được giữ.",
             "Monthly (on the 25th), quarterly and Monday reports as issued; each re-issue is a new version and "
             "the earlier one is kept."),
    "kind": ("Loại báo cáo", "Kind"), "all": ("Tất cả", "All"), "monthly": ("Báo cáo tháng", "Monthly"),
    "quarterly": ("Báo cáo quý", "Quarterly"), "weekly_tasks": ("Danh sách nhiệm vụ thứ Hai", "Monday list"),
    "period": ("Kỳ", "Period"), "show": ("Xem", "Show"), "report": ("Báo cáo", "Report"),
    "version": ("Phiên bản", "Version"), "issued": ("Ban hành", "Issued"), "by": ("Người ban hành", "By"),
    "reason": ("Lý do ban hành lại", "Why re-issued"), "files": ("Tệp", "Files"),
    "none": ("Chưa có báo cáo nào.", "No report yet."),
    "issue_title": ("Ban hành báo cáo", "Issue a report"),
    "issue_hint": ("Kỳ: 2026-11 (tháng), 2026-Q4 (quý) hoặc 2026-W48 (tuần); chỉ ban hành được khi kỳ đã kết thúc.",
                   "Period: 2026-11 (month), 2026-Q4 (quarter) or 2026-W48 (week); only once the period has closed."),
    "reissue": ("Ban hành lại (phiên bản mới)", "Issue again (a new version)"),
    "reissue_reason": ("Lý do ban hành lại", "Why it is issued again"),
    "issue": ("Ban hành", "Issue"), "issued_ok": ("Đã ban hành báo cáo {code}, phiên bản {version}.",
                                                  "Issued report {code}, version {version}."),
    "need_reason": ("Nhập lý do ban hành lại: người đọc sẽ thấy lý do trên báo cáo.",
                    "Give the reason for issuing again: readers see it on the report."),
}
w = words(WORDS)


@pages.get("/reports")
@require_roles()
def library(errors: dict | None = None, form: dict | None = None, status: int = 200):
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    period = (request.args.get("period") or "").strip() or None
    found = reports.list_reports(runtime().uow(), kind, period, page_number(), PAGE_SIZE)
    principal = current_principal(required=True)
    return render("reports.html", status=status, title=w("title"), w=w, found=found, kinds=KINDS, kind=kind,
                  period=period or "", pager=Pager(found["page"], PAGE_SIZE, found["total"]),
                  may_issue=principal.has_any(("office", "admin")), errors=errors or {}, form=form or {})


@pages.post("/reports")
@require_roles("office", "admin")
def issue():
    form = {"kind": request.form.get("kind", ""), "period": request.form.get("period", "").strip(),
            "reason": request.form.get("reason", "").strip(), "reissue": request.form.get("reissue") == "yes"}
    if form["kind"] not in KINDS:
        return library(errors={"kind": w("kind")}, form=form, status=422)
    if form["reissue"] and not form["reason"]:
        return library(errors={"reason": w("need_reason")}, form=form, status=422)
    try:
        issued = reports.issue_report(runtime().uow(), form["kind"], form["period"],
                                      issued_by=current_principal(required=True).sub, reissue=form["reissue"],
                                      reason=form["reason"] or None)
    except (InvalidInput, Conflict) as exc:
        field = "reissue" if isinstance(exc, Conflict) else "period"
        return library(errors={field: exc.message}, form=form, status=422)
    flash(w("issued_ok", code=issued["code"], version=issued["version"]))
    return redirect("/reporting/reports", code=303)
