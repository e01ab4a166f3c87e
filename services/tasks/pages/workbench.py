"""Tasks in a browser: the officer's tasks (her unit's, those assigned to her marked), one task with its
progress history, extensions and decisions, the progress report and extension request forms, and the head's
page of the unit's tasks with the extension requests waiting for a decision.

Each view parses the form, calls one use case and renders, or flashes and redirects (303). A form with
something to fix is shown again with an error summary (422) and nothing changed. A browser without a
session is sent to sign in; a reader the task is not for gets the 403 page (shared.web).
"""

from __future__ import annotations

from datetime import datetime

from flask import redirect, request

from services.tasks import domain
from services.tasks.pages.common import PAGE_SIZE, REPORTERS, _, labels, pages, parse_date
from services.tasks.use_cases import extensions, progress, queries
from shared.errors import Conflict, InvalidInput
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import Pager, flash, page_number, render, vn_datetime
from shared.web.schemas import LOCAL_TZ


@pages.get("/workbench")
@require_roles(*REPORTERS)
def workbench():
    principal = current_principal(required=True)
    board = queries.task_board(runtime().uow(), principal, page_number(), PAGE_SIZE)
    return render("tasks_workbench.html", title=_("Nhiệm vụ của tôi"), board=board, principal=principal,
                  pager=_pager(board), **labels())


@pages.get("/unit")
@require_roles("head")
def unit():
    return _unit_page()


def _unit_page(status: int = 200, errors: dict | None = None, values: dict | None = None, extension_id=None):
    principal = current_principal(required=True)
    board = queries.task_board(runtime().uow(), principal, page_number(), PAGE_SIZE)
    return render("tasks_unit.html", status=status, title=_("Nhiệm vụ của đơn vị"), board=board, principal=principal,
                  pager=_pager(board), errors=errors or {}, values=values or {}, failed_extension=extension_id,
                  **labels())


@pages.get("/workbench/<code>")
@require_roles(*REPORTERS, "office", "admin")
def task(code: str):
    return _task_page(code)


def _task_page(code: str, status: int = 200, errors: dict | None = None, values: dict | None = None):
    principal = current_principal(required=True)
    view = queries.task_view(runtime().uow(), code, principal)
    return render("task_page.html", status=status, title=_("Nhiệm vụ {code}", code=view.task.code), view=view,
                  task=view.task, errors=errors or {}, values=values or {}, **labels())


@pages.post("/workbench/<code>/progress")
@require_roles(*REPORTERS)
def report_progress(code: str):
    form = request.form
    values = {key: form.get(key, "").strip() for key in ("progress_percent", "progress_text", "progress_product")}
    errors = {}
    percent = values["progress_percent"]
    if not percent.isdigit() or not 0 <= int(percent) <= 100:
        errors["progress_percent"] = _("Nhập tỉ lệ hoàn thành là số nguyên từ 0 đến 100")
    if len(values["progress_text"]) < 3:
        errors["progress_text"] = _("Nhập nội dung tiến độ (ít nhất 3 ký tự)")
    if errors:
        return _task_page(code, 422, errors, values)
    command = progress.ReportProgress(percent=int(percent), text=values["progress_text"],
                                      product=values["progress_product"] or None)
    try:
        task = progress.report_progress(runtime().uow(), code, command, current_principal())
    except (InvalidInput, Conflict) as error:
        found = {"progress_percent": _("Không ghi nhận được báo cáo: {message}", message=error.message)}
        return _task_page(code, 422, found, values)
    flash(_("Đã hoàn thành nhiệm vụ.") if task.completed_at else
          _("Đã ghi nhận báo cáo tiến độ {percent}%.", percent=int(percent)))
    return redirect(f"/tasks/workbench/{code}", code=303)


@pages.post("/workbench/<code>/extensions")
@require_roles(*REPORTERS)
def request_extension(code: str):
    form = request.form
    values = {key: form.get(key, "").strip() for key in ("extension_date", "extension_reason")}
    errors = {}
    day = parse_date(values["extension_date"])
    if day is None:
        errors["extension_date"] = _("Chọn ngày hạn mới đề nghị (ngày/tháng/năm)")
    if len(values["extension_reason"]) < 3:
        errors["extension_reason"] = _("Nêu lý do đề nghị gia hạn (ít nhất 3 ký tự)")
    if errors:
        return _task_page(code, 422, errors, values)
    requested = datetime.combine(day, domain.OCCURRENCE_DUE_TIME, tzinfo=LOCAL_TZ)
    command = extensions.RequestExtension(requested_due_at=requested, reason=values["extension_reason"])
    try:
        extensions.request_extension(runtime().uow(), code, command, current_principal())
    except (InvalidInput, Conflict) as error:
        found = {"extension_date": _("Không gửi được đề nghị gia hạn: {message}", message=error.message)}
        return _task_page(code, 422, found, values)
    flash(_("Đã gửi đề nghị gia hạn đến {due}; người giao nhiệm vụ sẽ quyết định.", due=vn_datetime(requested)))
    return redirect(f"/tasks/workbench/{code}", code=303)


@pages.post("/workbench/<code>/extensions/<int:extension_id>/decision")
@require_roles(*REPORTERS, "office", "admin")
def decide_extension(code: str, extension_id: int):
    form = request.form
    back_to_unit = form.get("back") == "unit"
    field = f"decision_reason_{extension_id}"
    values = {field: form.get("reason", "").strip()}
    decision = form.get("decision")
    errors = {}
    if decision not in ("approve", "refuse"):
        errors[field] = _("Chọn Đồng ý hoặc Không đồng ý")
    elif decision == "refuse" and not values[field]:
        errors[field] = _("Nêu lý do không đồng ý gia hạn")

    def again(status: int, found: dict):
        if back_to_unit:
            return _unit_page(status, found, values, extension_id)
        return _task_page(code, status, found, values)

    if errors:
        return again(422, errors)
    command = extensions.DecideExtension(approved=decision == "approve", reason=values[field] or None)
    try:
        extensions.decide_extension(runtime().uow(), code, extension_id, command, current_principal())
    except (InvalidInput, Conflict) as error:
        return again(422, {field: _("Không ghi nhận được quyết định: {message}", message=error.message)})
    flash(_("Đã đồng ý gia hạn nhiệm vụ {code}.", code=code) if command.approved else
          _("Đã không đồng ý gia hạn nhiệm vụ {code}.", code=code))
    return redirect("/tasks/unit" if back_to_unit else f"/tasks/workbench/{code}", code=303)


def _pager(board: queries.TaskBoard) -> Pager:
    return Pager(board.open.page, board.open.page_size, board.open.total)
