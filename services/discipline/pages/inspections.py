"""Public-service inspections in a browser (kiểm tra công vụ, by Home Affairs' inspectors): the list with the
form that records an inspection (with a finding made on the spot, if any), and an inspection's page with its
findings and the form that adds one. Each finding about an official is recorded as a violation (the use case
does it); a refusal re-renders the form with its errors (422), nothing changed."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, redirect, request

from services.discipline.domain.inspections import FINDING_CATEGORIES, INSPECTION_KINDS
from services.discipline.pages.home_affairs_forms import ROLES, form_errors, parse_day
from services.discipline.use_cases import inspections
from shared.errors import InvalidInput
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import Pager, flash, page_number, render

pages = Blueprint("inspection_pages", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))
PAGE_SIZE = 50
INSPECTION_FIELDS = {"unit": "unit", "kind": "kind", "inspected_on": "inspected_on", "team": "team", "notes": "notes",
                     "category": "category", "officials": "officials", "facts": "facts", "fact_date": "fact_date"}
CATEGORY_OPTIONS = [("", "— chọn loại phát hiện —"), *FINDING_CATEGORIES.items()]


def _officials(text: str) -> tuple[str, ...]:
    return tuple(code for code in re.split(r"[\s,;]+", text.strip()) if code)


def _finding(form, errors: dict[str, str], required: bool) -> inspections.Finding | None:
    """The finding typed in the form, or None when its fields are all empty and it may be left out."""
    category, officials, facts = form.get("category", ""), form.get("officials", ""), form.get("facts", "")
    fact_text = form.get("fact_date", "").strip()
    if not required and not (category or officials.strip() or facts.strip() or fact_text):
        return None
    fact_date = parse_day(fact_text) if fact_text else None
    if fact_text and fact_date is None:
        errors["fact_date"] = "Ngày vi phạm viết theo dạng ngày/tháng/năm, ví dụ 01/12/2026"
    if not category:
        errors["category"] = "Chọn loại phát hiện"
    if not _officials(officials):
        errors["officials"] = "Nêu mã ít nhất một cán bộ"
    if not facts.strip():
        errors["facts"] = "Mô tả sự việc: điều gì, khi nào, ở đâu"
    return inspections.Finding(category=category, officials=_officials(officials), facts=facts.strip(),
                               fact_date=fact_date)


def _list(status: int = 200, errors: dict | None = None, values: dict | None = None):
    found = inspections.list_inspections(runtime().uow(), current_principal(), page=page_number(),
                                         page_size=PAGE_SIZE)
    return render("inspection_list.html", status=status, title="Kiểm tra công vụ", rows=found.items,
                  total=found.total, pager=Pager(found.page, found.page_size, found.total), errors=errors or {},
                  values=values or {}, kinds=list(INSPECTION_KINDS.items()), categories=CATEGORY_OPTIONS,
                  may_record="inspector" in current_principal().roles)


@pages.get("/inspections")
@require_roles(*ROLES)
def inspection_list():
    return _list()


@pages.post("/inspections")
@require_roles("inspector")
def record_inspection():
    form = request.form
    values = form.to_dict()
    errors: dict[str, str] = {}
    inspected_on = parse_day(form.get("inspected_on"))
    if inspected_on is None:
        errors["inspected_on"] = "Ngày kiểm tra viết theo dạng ngày/tháng/năm, ví dụ 01/12/2026"
    finding = _finding(form, errors, required=False)
    if errors:
        return _list(422, errors, values)
    command = inspections.NewInspection(
        unit=form.get("unit", "").strip(), kind=form.get("kind", ""), inspected_on=inspected_on,
        team=tuple(line.strip() for line in form.get("team", "").splitlines() if line.strip()),
        notes=form.get("notes", "").strip() or None, findings=(finding,) if finding else ())
    try:
        recorded = inspections.record_inspection(runtime().uow(), current_principal(), command)
    except InvalidInput as refused:
        return _list(422, form_errors(refused, INSPECTION_FIELDS, "unit"), values)
    flash(f"Đã ghi nhận cuộc kiểm tra {recorded['code']}"
          + (f" với {len(recorded['findings'])} phát hiện, mỗi phát hiện là một vi phạm." if recorded["findings"]
             else "."))
    return redirect(f"/discipline/inspections/{recorded['code']}", code=303)


def _detail(code: str, status: int = 200, errors: dict | None = None, values: dict | None = None):
    inspection = inspections.get_inspection(runtime().uow(), current_principal(), code)
    return render("inspection_detail.html", status=status, title=f"Cuộc kiểm tra {code}", inspection=inspection,
                  errors=errors or {}, values=values or {}, categories=CATEGORY_OPTIONS,
                  may_record="inspector" in current_principal().roles)


@pages.get("/inspections/<code>")
@require_roles(*ROLES)
def inspection_detail(code: str):
    return _detail(code)


@pages.post("/inspections/<code>/findings")
@require_roles("inspector")
def add_finding(code: str):
    values = request.form.to_dict()
    errors: dict[str, str] = {}
    finding = _finding(request.form, errors, required=True)
    if errors:
        return _detail(code, 422, errors, values)
    try:
        inspections.add_inspection_findings(runtime().uow(), current_principal(), code, [finding])
    except InvalidInput as refused:
        return _detail(code, 422, form_errors(refused, INSPECTION_FIELDS, "facts"), values)
    flash(f"Đã thêm phát hiện vào cuộc kiểm tra {code}; phát hiện được ghi nhận là vi phạm của "
          f"{', '.join(finding.officials)}.")
    return redirect(f"/discipline/inspections/{code}", code=303)
