"""Home Affairs' workspace in a browser (Sở Nội vụ, its inspectors): where it starts (counts and links), the
violations of a month, an official's eligibility on a day with the reason, and the audit chain with its
"verify" action.

Each view parses its query or form, calls one use case and renders it in the shared layout.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, redirect, request

from services.discipline.domain.procedure import STEP_LABELS
from services.discipline.pages.home_affairs_forms import ROLES, STATUS_LABELS, parse_day
from services.discipline.use_cases import audit, eligibility, proposals, violations
from shared.errors import NotFound
from shared.events.vocabulary import sanction_form_label
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import Pager, flash, page_number, render, vn_number

pages = Blueprint("home_affairs_pages", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))
PAGE_SIZE = 50
ELIGIBILITY_ROLES = ("inspector", "office", "admin", "head", "officer")  # the use case says who may see whom


@pages.get("/inspector")
@require_roles(*ROLES)
def workspace():
    overview = proposals.home_affairs_overview(runtime().uow(), current_principal())
    return render("inspector_home.html", title="Bàn làm việc Sở Nội vụ", form_label=sanction_form_label,
                  status_labels=STATUS_LABELS, step_labels=STEP_LABELS, **overview)


def _month(text: str | None) -> date | None:
    """`2026-12` (a month field) or `12/2026`; None when not one."""
    text = (text or "").strip()
    for candidate in (f"{text}-01", f"01/{text}"):
        day = parse_day(candidate)
        if day is not None:
            return day
    return None


@pages.get("/violations")
@require_roles(*ROLES)
def violation_list():
    unit = request.args.get("unit", "").strip() or None
    month_text = request.args.get("month", "").strip()
    month = _month(month_text) if month_text else runtime().clock.now().astimezone(runtime().calendar.tz).date()
    errors = {} if month is not None else {"month": "Tháng viết theo dạng tháng/năm, ví dụ 12/2026"}
    found = violations.list_violations_of_month(runtime().uow(), current_principal(), month=month, unit=unit,
                                                page=page_number(), page_size=PAGE_SIZE)
    return render("violation_list.html", status=422 if errors else 200, title="Vi phạm", rows=found.items,
                  total=found.total, pager=Pager(found.page, found.page_size, found.total), unit=unit or "",
                  month=month, month_text=month_text or (month.strftime("%m/%Y") if month else ""), errors=errors)


@pages.get("/eligibility")
@require_roles(*ELIGIBILITY_ROLES)
def eligibility_page():
    official = request.args.get("official", "").strip()
    on_text = request.args.get("on", "").strip()
    asked = "official" in request.args
    errors: dict[str, str] = {}
    on = parse_day(on_text) if on_text else None
    if asked and not official:
        errors["official"] = "Nhập mã cán bộ, ví dụ CB-W070-12"
    if on_text and on is None:
        errors["on"] = "Ngày viết theo dạng ngày/tháng/năm, ví dụ 01/12/2026"
    answer = None
    if asked and not errors:
        try:
            answer = eligibility.official_eligibility(runtime().uow(), current_principal(), official, on)
        except NotFound:
            errors["official"] = f"Không có cán bộ mã {official} trong danh bạ"
    return render("eligibility.html", status=422 if errors else 200, title="Tra cứu điều kiện bổ nhiệm, khen thưởng",
                  official=official, on_text=on_text, errors=errors, answer=answer, form_label=sanction_form_label)


@pages.get("/audit")
@require_roles(*ROLES)
def audit_log():
    subject = request.args.get("subject", "").strip() or None
    found = audit.list_audit(runtime().uow(), subject=subject, page=page_number(), page_size=PAGE_SIZE)
    return render("audit.html", title="Nhật ký kiểm toán", rows=found.items, total=found.total, subject=subject or "",
                  pager=Pager(found.page, found.page_size, found.total))


@pages.post("/audit/verify")
@require_roles(*ROLES)
def verify_audit():
    result = audit.verify_audit_chain(runtime().uow())
    if result["ok"]:
        flash(f"Chuỗi nhật ký toàn vẹn: đã kiểm tra {vn_number(result['entries'])} mục, không mục nào bị sửa, "
              "xóa hay cắt bớt.")
    else:
        broken = result["first_broken"]
        flash(f"Chuỗi nhật ký bị phá vỡ: mắt xích hỏng đầu tiên là mục số {vn_number(broken['seq'])} — "
              f"{broken['reason']}. Đã kiểm tra {vn_number(result['entries'])} mục.", "error")
    return redirect("/discipline/audit", code=303)
