"""Sanction proposals in a browser, for Home Affairs: the open ones nearest their handling limit first, and
each proposal's procedure as a timeline (review meeting, council, recommendation, decision) with the forms that
record its next step, extend its handling limit or drop it.

Each view parses its form, calls one use case and renders; a refusal re-renders the page with the errors
(422 for what the form said, 409 for what the proposal's state refuses), nothing changed; a success flashes and
redirects (303).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, request

from services.discipline.domain.procedure import STEP_LABELS
from services.discipline.pages.home_affairs_forms import (
    ROLES,
    STATUS_LABELS,
    form_errors,
    form_options,
    local_input,
    parse_day,
    parse_moment,
)
from services.discipline.use_cases import decisions, proposals
from shared.errors import Conflict, InvalidInput
from shared.events.vocabulary import sanction_form_label
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import Pager, flash, page_number, render

pages = Blueprint("proposal_pages", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))
PAGE_SIZE = 50
STATES = {"open": "Đang xử lý", "decided": "Đã có quyết định", "dropped": "Đã dừng", "all": "Tất cả"}
STEP_FIELDS = {"at": "step-at", "step": "step-at", "notes": "step-notes", "members": "member_1", "form": "step-form",
               "effective_on": "step-effective-on", "proposal": "step-at"}
DONE_MESSAGES = {"review": "Đã ghi nhận họp kiểm điểm", "council": "Đã ghi nhận thành lập Hội đồng kỷ luật",
                 "recommendation": "Đã ghi nhận kiến nghị của Hội đồng kỷ luật",
                 "decision": "Đã ghi nhận quyết định kỷ luật"}


@pages.get("/proposals")
@require_roles(*ROLES)
def proposal_list():
    state = request.args.get("state", "open")
    state = state if state in STATES else "open"
    found = proposals.list_proposals_by_urgency(runtime().uow(), current_principal(), page=page_number(),
                                                page_size=PAGE_SIZE, state=None if state == "all" else state)
    return render("proposal_list.html", title="Đề xuất kỷ luật", rows=found.items, state=state, states=STATES,
                  pager=Pager(found.page, found.page_size, found.total), total=found.total,
                  status_labels=STATUS_LABELS, form_label=sanction_form_label, step_labels=STEP_LABELS)


def _detail(code: str, status: int = 200, errors: dict | None = None, values: dict | None = None):
    timeline = proposals.proposal_timeline(runtime().uow(), current_principal(), code)
    values = {"step-at": local_input(runtime().clock.now()), **(values or {})}
    return render("proposal_detail.html", status=status, title=f"Đề xuất kỷ luật {code}", errors=errors or {},
                  values=values, status_labels=STATUS_LABELS, form_label=sanction_form_label,
                  form_options=form_options(timeline["forms"]), **timeline)


@pages.get("/proposals/<code>")
@require_roles(*ROLES)
def proposal_detail(code: str):
    return _detail(code)


@pages.post("/proposals/<code>/steps")
@require_roles(*ROLES)
def record_step(code: str):
    form = request.form
    step = form.get("step", "")
    values = {key: form.get(key, "") for key in ("step-at", "step-notes", "step-form", "step-effective-on")}
    values.update({f"member_{i}": form.get(f"member_{i}", "") for i in range(1, 6)})
    errors: dict[str, str] = {}
    at = parse_moment(values["step-at"])
    if at is None:
        errors["step-at"] = "Nhập ngày giờ diễn ra bước này, ví dụ 01/12/2026 10:30"
    effective_text = values["step-effective-on"].strip()
    effective_on = parse_day(effective_text) if effective_text else None
    if effective_text and effective_on is None:
        errors["step-effective-on"] = "Ngày có hiệu lực viết theo dạng ngày/tháng/năm, ví dụ 05/12/2026"
    members = [values[f"member_{i}"].strip() for i in range(1, 6) if values[f"member_{i}"].strip()] \
        if step == "council" else []
    if errors:
        return _detail(code, 422, errors, values)
    try:
        decisions.record_step(runtime().uow(), code, step=step, at=at, actor=current_principal().sub,
                              notes=values["step-notes"].strip() or None, members=members,
                              form=values["step-form"] or None if step in ("recommendation", "decision") else None,
                              effective_on=effective_on if step == "decision" else None)
    except InvalidInput as refused:
        return _detail(code, 422, form_errors(refused, STEP_FIELDS, "step-at"), values)
    except Conflict as refused:
        return _detail(code, 409, {"step-at": refused.message}, values)
    flash(f"{DONE_MESSAGES.get(step, 'Đã ghi nhận')} cho đề xuất {code}.")
    return redirect(f"/discipline/proposals/{code}", code=303)


def _reasoned(code: str, action, field: str, done: str):
    reason = request.form.get(field, "").strip()
    if not reason:
        return _detail(code, 422, {field: "Nêu lý do"}, {field: reason})
    try:
        action(runtime().uow(), code, reason=reason, actor=current_principal().sub)
    except InvalidInput as refused:
        return _detail(code, 422, form_errors(refused, {"reason": field}, field), {field: reason})
    except Conflict as refused:
        return _detail(code, 409, {field: refused.message}, {field: reason})
    flash(done)
    return redirect(f"/discipline/proposals/{code}", code=303)


@pages.post("/proposals/<code>/extension")
@require_roles(*ROLES)
def extend(code: str):
    return _reasoned(code, decisions.extend_proposal, "extend-reason",
                     f"Đã gia hạn thời hạn xử lý kỷ luật của đề xuất {code}.")


@pages.post("/proposals/<code>/drop")
@require_roles(*ROLES)
def drop(code: str):
    return _reasoned(code, decisions.drop_proposal, "drop-reason",
                     f"Đã dừng đề xuất {code}: không xử lý kỷ luật.")
