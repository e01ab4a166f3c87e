"""The Office's directives in a browser: the list of directing documents with how their tasks stand, the
form that registers one, a directive's page with each of its tasks, and the form that assigns a task from
it (Decision 42/2014/QĐ-TTg as amended by 23/2018: a task names its directing document, a lead unit,
co-operating units, a deadline and the product required).

A directive's number and symbol hold "/" (01/CT-UBND), so its address takes the rest of the path, as the
JSON API's does. Each view parses the form, calls one use case and renders, or flashes and redirects (303);
a form with something to fix is shown again with the error summary (422) and nothing is saved.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from flask import redirect, request

from services.tasks import domain
from services.tasks.pages.common import PAGE_SIZE, labels, pages, parse_date, translator
from services.tasks.use_cases import assignment, directives, follow_up
from shared.errors import Conflict, InvalidInput
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import Pager, flash, page_number, render
from shared.web.schemas import LOCAL_TZ

ASSIGNERS = ("office", "admin")

ENGLISH = {
    "Văn bản chỉ đạo": "Directing documents", "Đăng ký văn bản chỉ đạo": "Register a directing document",
    "Văn bản của Chủ tịch, UBND giao nhiệm vụ cho các đơn vị, mới nhất trước; số nhiệm vụ theo trạng thái.":
        "Documents of the Chairman and the People's Committee that give units tasks, newest first; tasks by state.",
    "Chưa có văn bản chỉ đạo nào được đăng ký.": "No directing document is registered yet.",
    "Danh sách văn bản chỉ đạo, mới nhất trước": "Directing documents, newest first",
    "Số, ký hiệu": "Number and symbol", "Ngày ban hành": "Issued on", "Người ký": "Signed by",
    "Trích yếu": "Summary", "Số nhiệm vụ": "Tasks", "Quá hạn": "Overdue", "Chưa hoàn thành": "Open",
    "Đã hoàn thành": "Completed", "trễ hạn": "late", "{count} văn bản.": "{count} documents.",
    "Số, ký hiệu văn bản": "Number and symbol of the document",
    "Ví dụ 01/CT-UBND. Mỗi văn bản đăng ký một lần; nhiệm vụ giao theo văn bản này dẫn chiếu số đó.":
        "For example 01/CT-UBND. A document is registered once; the tasks it gives name that number.",
    "Ngày ban hành (ngày/tháng/năm)": "Issued on (day/month/year)",
    "Ví dụ: Chủ tịch UBND Thành phố": "For example: Chairman of the City People's Committee",
    "Trích yếu nội dung": "Summary of the content", "Đăng ký văn bản": "Register the document",
    "Nhập số, ký hiệu văn bản (3 đến 64 ký tự)": "Enter the document's number and symbol (3 to 64 characters)",
    "Chọn ngày ban hành (ngày/tháng/năm)": "Choose the day it was issued (day/month/year)",
    "Nhập người ký (ít nhất 2 ký tự)": "Enter who signed it (at least 2 characters)",
    "Nhập trích yếu nội dung (ít nhất 3 ký tự)": "Enter the summary (at least 3 characters)",
    "Văn bản {number} đã được đăng ký trước đó.": "Document {number} is already registered.",
    "Đã đăng ký văn bản {number}.": "Document {number} registered.",
    "Văn bản {number}": "Document {number}", "← Văn bản chỉ đạo": "← Directing documents",
    "Giao nhiệm vụ": "Assign a task", "Nhiệm vụ được giao": "Tasks assigned",
    "Văn bản này chưa giao nhiệm vụ nào.": "This document has given no task yet.",
    "Nhiệm vụ theo văn bản, hạn sớm nhất trước": "The document's tasks, earliest deadline first",
    "Báo cáo gần nhất": "Latest report", "Chưa báo cáo": "Not reported", "Không": "None",
    "Đơn vị ban hành": "Issuing unit", "Tổng số nhiệm vụ": "Tasks in all",
    "Giao nhiệm vụ theo văn bản {number}": "Assign a task under {number}",
    "Tên nhiệm vụ": "Task", "Nội dung công việc đơn vị phải thực hiện.": "What the unit must do.",
    "Chọn đơn vị chủ trì": "Choose the lead unit",
    "Giữ phím Ctrl (Cmd trên máy Mac) để chọn nhiều đơn vị; không bắt buộc.":
        "Hold Ctrl (Cmd on a Mac) to choose several units; optional.",
    "Hạn hoàn thành (ngày/tháng/năm)": "Deadline (day/month/year)",
    "Hạn tính đến 17:00 ngày đã chọn.": "The deadline is 17:00 on the day chosen.",
    "Sản phẩm yêu cầu (không bắt buộc)": "Product required (optional)",
    "Ví dụ: báo cáo kết quả, dự thảo văn bản.": "For example: a report of the results, a draft document.",
    "Mã cán bộ thực hiện (không bắt buộc)": "Assignee's official code (optional)",
    "Cán bộ của đơn vị chủ trì, nếu đã biết.": "An official of the lead unit, when known.",
    "Nhập tên nhiệm vụ (ít nhất 3 ký tự)": "Enter the task (at least 3 characters)",
    "Chọn hạn hoàn thành (ngày/tháng/năm)": "Choose the deadline (day/month/year)",
    "Hạn hoàn thành phải sau thời điểm hiện tại": "The deadline must be in the future",
    "Đơn vị chủ trì không đồng thời là đơn vị phối hợp": "The lead unit cannot also be a co-operating unit",
    "Không giao được nhiệm vụ: {message}": "The task was not assigned: {message}",
    "Đã giao nhiệm vụ {code} cho {unit}.": "Task {code} assigned to {unit}.",
    "Tiếp tục": "Continue", "Kiểm tra trước khi giao nhiệm vụ": "Check before assigning the task",
    "Nhiệm vụ chưa được giao. Kiểm tra lại, sửa nếu cần, rồi xác nhận.":
        "The task is not assigned yet. Check it, change it if needed, then confirm.",
    "Sửa": "Change", "Xác nhận giao nhiệm vụ": "Confirm and assign", "Chưa rõ": "Not named yet", "Văn bản": "Document",
}
_ = translator(ENGLISH)
REGISTER_FIELDS = ("number_symbol", "issued_on", "signer", "summary")
ASSIGN_FIELDS = ("title", "lead_unit", "due_date", "required_product", "assignee")
# Where the assignment use case's field errors are shown on the form.
ASSIGN_ERROR_FIELDS = {"lead_unit": "lead_unit", "co_units": "co_units", "due_at": "due_date",
                       "assignee": "assignee", "directive": "title", "document": "title"}


def directive_path(number: str) -> str:
    return "/tasks/directives/" + quote(number, safe="/")


@pages.get("/directives")
@require_roles(*ASSIGNERS)
def directive_list():
    board = follow_up.directive_board(runtime().uow(), page_number(), PAGE_SIZE)
    return render("tasks_directives.html", title=_("Văn bản chỉ đạo"), board=board,
                  pager=Pager(board.page, board.page_size, board.total), directive_path=directive_path, **labels(_))


@pages.get("/directives/new")
@require_roles(*ASSIGNERS)
def new_directive():
    return _register_form()


def _register_form(status: int = 200, errors: dict | None = None, values: dict | None = None):
    return render("tasks_directive_new.html", status=status, title=_("Đăng ký văn bản chỉ đạo"),
                  errors=errors or {}, values=values or {}, **labels(_))


@pages.post("/directives/new")
@require_roles(*ASSIGNERS)
def register_directive():
    values = {key: request.form.get(key, "").strip() for key in REGISTER_FIELDS}
    errors = {}
    if not 3 <= len(values["number_symbol"]) <= 64:
        errors["number_symbol"] = _("Nhập số, ký hiệu văn bản (3 đến 64 ký tự)")
    issued_on = parse_date(values["issued_on"])
    if issued_on is None:
        errors["issued_on"] = _("Chọn ngày ban hành (ngày/tháng/năm)")
    if not 2 <= len(values["signer"]) <= 200:
        errors["signer"] = _("Nhập người ký (ít nhất 2 ký tự)")
    if not 3 <= len(values["summary"]) <= 4000:
        errors["summary"] = _("Nhập trích yếu nội dung (ít nhất 3 ký tự)")
    if errors:
        return _register_form(422, errors, values)
    command = directives.RegisterDirective(number_symbol=values["number_symbol"], issued_on=issued_on,
                                           signer=values["signer"], summary=values["summary"])
    try:
        directive = directives.register_directive(runtime().uow(), command, current_principal())
    except Conflict:
        return _register_form(422, {"number_symbol": _("Văn bản {number} đã được đăng ký trước đó.",
                                                         number=values["number_symbol"])}, values)
    flash(_("Đã đăng ký văn bản {number}.", number=directive.number_symbol))
    return redirect(directive_path(directive.number_symbol), code=303)


@pages.get("/directives/<path:number>")
@require_roles(*ASSIGNERS)
def directive(number: str):
    view = follow_up.directive_view(runtime().uow(), number, current_principal(required=True), page_number(),
                                    PAGE_SIZE)
    return render("tasks_directive.html", title=_("Văn bản {number}", number=number), view=view,
                  directive=view.directive, pager=Pager(view.tasks.page, view.tasks.page_size, view.tasks.total),
                  directive_path=directive_path, **labels(_))


@pages.get("/directives/<path:number>/assign")
@require_roles(*ASSIGNERS)
def new_task(number: str):
    return _assign_form(number)


def _assign_form(number: str, status: int = 200, errors: dict | None = None, values: dict | None = None):
    found = directives.get_directive(runtime().uow(), number)  # 404 for a directive not registered
    units = follow_up.unit_choices(runtime().uow())
    return render("tasks_assign.html", status=status, title=_("Giao nhiệm vụ theo văn bản {number}", number=number),
                  directive=found, units=units, errors=errors or {}, values=values or {"co_units": []},
                  directive_path=directive_path, **labels(_))


@pages.post("/directives/<path:number>/assign")
@require_roles(*ASSIGNERS)
def assign_task(number: str):
    """Three steps on one address: the form is checked and its answers shown for checking (nothing saved);
    `step=change` goes back to the form with them; `step=confirm` assigns the task."""
    values = {key: request.form.get(key, "").strip() for key in ASSIGN_FIELDS}
    values["co_units"] = [u.strip() for u in request.form.getlist("co_units") if u.strip()]
    step = request.form.get("step")
    if step == "change":
        return _assign_form(number, values=values)
    errors = {}
    if len(values["title"]) < 3:
        errors["title"] = _("Nhập tên nhiệm vụ (ít nhất 3 ký tự)")
    if not values["lead_unit"]:
        errors["lead_unit"] = _("Chọn đơn vị chủ trì")
    elif values["lead_unit"] in values["co_units"]:
        errors["co_units"] = _("Đơn vị chủ trì không đồng thời là đơn vị phối hợp")
    day = parse_date(values["due_date"])
    if day is None:
        errors["due_date"] = _("Chọn hạn hoàn thành (ngày/tháng/năm)")
    if errors:
        return _assign_form(number, 422, errors, values)
    # A deadline given as a day is the end of office hours of that day, as an occurrence's is.
    command = assignment.AssignTask(
        title=values["title"], lead_unit=values["lead_unit"], co_units=values["co_units"],
        due_at=datetime.combine(day, domain.OCCURRENCE_DUE_TIME, tzinfo=LOCAL_TZ), directive=number,
        assignee=values["assignee"] or None, required_product=values["required_product"] or None)
    names = dict(follow_up.unit_choices(runtime().uow()))
    try:
        if step != "confirm":
            assignment.check_task(runtime().uow(), command, current_principal())
            return render("tasks_assign_check.html", title=_("Kiểm tra trước khi giao nhiệm vụ"),
                          directive=directives.get_directive(runtime().uow(), number), values=values,
                          command=command, unit_names=names, directive_path=directive_path, **labels(_))
        task = assignment.assign_task(runtime().uow(), command, current_principal())
    except InvalidInput as error:
        return _assign_form(number, 422, _assignment_errors(error), values)
    flash(_("Đã giao nhiệm vụ {code} cho {unit}.", code=task.code, unit=names.get(task.lead_unit, task.lead_unit)))
    return redirect(directive_path(number), code=303)


def _assignment_errors(error: InvalidInput) -> dict[str, str]:
    """The use case's errors by form field, in the reader's language where the page knows the rule."""
    found: dict[str, str] = {}
    for key, messages in (error.errors or {}).items():
        field = ASSIGN_ERROR_FIELDS.get(key, "title")
        if key == "due_at":
            text = _("Hạn hoàn thành phải sau thời điểm hiện tại")
        else:
            text = _("Không giao được nhiệm vụ: {message}",
                     message="; ".join(messages) if isinstance(messages, list) else str(messages))
        found.setdefault(field, text)
    return found or {"title": _("Không giao được nhiệm vụ: {message}", message=error.message)}
