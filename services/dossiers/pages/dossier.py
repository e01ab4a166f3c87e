"""One dossier in a browser: its summary, control sheet and deadline explanation, and the forms of what the
officer does with it (hand over, ask the citizen to supplement, record the supplement, complete, refuse or
withdraw, draft the apology for the head). Each form posts to its use case; success is a message and a
redirect back here (303); an invalid form shows the page again with its errors (422) and nothing changed."""

from __future__ import annotations

from datetime import date

from flask import redirect

from services.dossiers.pages.common import STATUS_LABELS, field_errors, form_text, local_datetime, pages, tr
from services.dossiers.use_cases import apology_drafts, lifecycle
from services.dossiers.use_cases import workbench as use_case
from shared.errors import Conflict, InvalidInput
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import flash, render, vn_datetime

ENDS = (("refused", "Từ chối giải quyết"), ("withdrawn", "Công dân rút hồ sơ"))
REFUSABLE = {key for key, _ in ENDS}


def show(code: str, status: int = 200, errors: dict[str, str] | None = None, values: dict | None = None):
    found = use_case.dossier_file(runtime().uow(), code, current_principal(required=True))
    deadline = found["deadline"]
    skipped = [{**day, "date": date.fromisoformat(day["day"])} for day in deadline["skipped_days"]]
    return render("dossier.html", status=status, title=tr("Hồ sơ {code}", code=code), f=found, d=found["dossier"],
                  deadline=deadline, skipped=skipped, errors=errors or {}, values=values or {},
                  status_labels=STATUS_LABELS, ends=[(key, tr(label)) for key, label in ENDS],
                  officials_options=[(official, official) for official in found["officials"]])


def back(code: str, message: str):
    flash(message)
    return redirect(f"/dossiers/workbench/{code}", code=303)


@pages.get("/workbench/<code>")
@require_roles("officer", "head")
def dossier_page(code):
    return show(code)


@pages.post("/workbench/<code>/handover")
@require_roles("officer", "head")
def hand_over(code):
    to_step, to_official = form_text("to_step") or None, form_text("to_official") or None
    values = {"to_step": to_step, "to_official": to_official}
    if to_step is None and to_official is None:
        return show(code, 422, {"to_step": "Chọn bước tiếp theo hoặc cán bộ nhận hồ sơ"}, values)
    try:
        lifecycle.record_handover(runtime().uow(), code, lifecycle.HandOver(to_step=to_step, to_official=to_official),
                                  principal=current_principal())
    except (InvalidInput, Conflict) as error:
        return show(code, 422, field_errors(error, {"to_step": "to_step", "to_official": "to_official"}, "to_step"),
                    values)
    return back(code, "Đã chuyển hồ sơ" + (f" cho {to_official}" if to_official else "") + ".")


@pages.post("/workbench/<code>/supplement-request")
@require_roles("officer", "head")
def request_supplement(code):
    text = form_text("supplement_reasons")
    reasons = tuple(line.strip() for line in text.splitlines() if line.strip())
    if not reasons:
        return show(code, 422, {"supplement_reasons": "Nêu lý do cần bổ sung: công dân phải biết cần bổ sung gì "
                                                      "và vì sao"}, {"supplement_reasons": text})
    try:
        lifecycle.request_supplement(runtime().uow(), code, lifecycle.RequestSupplement(reasons=reasons),
                                     principal=current_principal())
    except (InvalidInput, Conflict) as error:
        return show(code, 422, field_errors(error, {"reasons": "supplement_reasons"}, "supplement_reasons"),
                    {"supplement_reasons": text})
    return back(code, "Đã yêu cầu công dân bổ sung hồ sơ; thời hạn tạm dừng đến khi công dân bổ sung.")


@pages.post("/workbench/<code>/supplement-received")
@require_roles("officer", "head")
def supplement_received(code):
    try:
        lifecycle.receive_supplement(runtime().uow(), code, lifecycle.ReceiveSupplement(),
                                     principal=current_principal())
    except (InvalidInput, Conflict) as error:
        return show(code, 422, field_errors(error, {}, "supplement-received"))
    return back(code, "Đã ghi nhận công dân bổ sung hồ sơ; thời hạn được tính tiếp.")


@pages.post("/workbench/<code>/completion")
@require_roles("officer", "head")
def complete(code):
    try:
        done = lifecycle.complete_dossier(runtime().uow(), code, principal=current_principal())
    except (InvalidInput, Conflict) as error:
        return show(code, 422, field_errors(error, {}, "complete"))
    judged = {"early": "trước hạn", "on_time": "đúng hạn", "late": "quá hạn"}.get(done.timeliness, "")
    return back(code, f"Đã hoàn thành hồ sơ ({judged}).")


@pages.post("/workbench/<code>/end")
@require_roles("officer", "head")
def end(code):
    how, reason = form_text("end"), form_text("end_reason")
    values = {"end": how, "end_reason": reason}
    errors = {}
    if how not in REFUSABLE:
        errors["end"] = "Chọn từ chối giải quyết hoặc công dân rút hồ sơ"
    if not reason:
        errors["end_reason"] = "Nêu lý do: công dân phải được biết vì sao hồ sơ dừng lại"
    if errors:
        return show(code, 422, errors, values)
    try:
        lifecycle.end_dossier(runtime().uow(), code, lifecycle.EndDossier(end=how, reason=reason),
                              principal=current_principal())
    except (InvalidInput, Conflict) as error:
        return show(code, 422, field_errors(error, {"end": "end", "reason": "end_reason"}, "end_reason"), values)
    return back(code, "Đã từ chối giải quyết hồ sơ." if how == "refused" else "Đã ghi nhận công dân rút hồ sơ.")


@pages.post("/workbench/<code>/apology-draft")
@require_roles("officer", "head")
def draft_apology(code):
    reason, when = form_text("apology_reason"), form_text("apology_new_due_at")
    values = {"apology_reason": reason, "apology_new_due_at": when}
    errors = {}
    if not reason:
        errors["apology_reason"] = "Nêu lý do hồ sơ bị chậm"
    new_due_at = local_datetime(when) if when else None
    if new_due_at is None:
        errors["apology_new_due_at"] = "Nhập ngày, giờ hẹn trả kết quả mới"
    if errors:
        return show(code, 422, errors, values)
    try:
        apology_drafts.draft_apology(runtime().uow(), code, apology_drafts.DraftApology(reason, new_due_at),
                                     principal=current_principal())
    except (InvalidInput, Conflict) as error:
        return show(code, 422, field_errors(error, {"reason": "apology_reason", "new_due_at": "apology_new_due_at"},
                                            "apology_reason"), values)
    return back(code, f"Đã gửi dự thảo thư xin lỗi (hẹn trả {vn_datetime(new_due_at)}) để lãnh đạo đơn vị ký.")
