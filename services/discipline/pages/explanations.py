"""Explanation requests in a browser: the officer reads hers and submits her explanation (text and files)
before the deadline; her unit's head judges it, accepting or rejecting it with a reason.

Each view parses the form, calls one use case (services.discipline.use_cases.explanations) and renders the
answer in the shared layout; the use cases decide who may do what and until when. A form with errors is shown
again with status 422 and an error summary, nothing changed; a change done is flashed and redirected (303).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, request, send_file

from services.discipline.domain.explanations import EXPLANATION_ATTACHMENT_MAX_BYTES, EXPLANATION_ATTACHMENTS_MAX
from services.discipline.use_cases import explanations
from shared import attachments
from shared.errors import Conflict, InvalidInput
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import Pager, flash, lang, page_number, render, vn_datetime

pages = Blueprint("explanations_pages", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))
PAGE_SIZE = 50

STATUS_WORDS = {
    "requested": "Chờ giải trình",
    "submitted": "Đã nộp",
    "accepted": "Chấp nhận",
    "rejected": "Không chấp nhận",
    "missed": "Quá hạn",
    "unassigned": "Chưa giao",
}
SUBJECT_WORDS = {
    "dossier": "Hồ sơ quá hạn",
    "task": "Nhiệm vụ quá hạn",
    "feedback": "Phản ánh, kiến nghị chậm xử lý",
    "apology": "Hồ sơ quá hạn không xin lỗi",
    "promise": "Hồ sơ trễ ngày hẹn lại",
}
ACTION_WORDS = {
    "explanation.requested": "Yêu cầu giải trình",
    "explanation.assigned": "Giao yêu cầu giải trình",
    "explanation.submitted": "Nộp giải trình",
    "explanation.submitted_late": "Nộp giải trình sau hạn",
    "explanation.accepted": "Chấp nhận giải trình",
    "explanation.rejected": "Không chấp nhận giải trình",
    "explanation.missed": "Quá hạn giải trình",
}
ACCEPTED_TYPES = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
WORDS = {"status_words": STATUS_WORDS, "subject_words": SUBJECT_WORDS, "action_words": ACTION_WORDS,
         "max_files": EXPLANATION_ATTACHMENTS_MAX, "max_mb": EXPLANATION_ATTACHMENT_MAX_BYTES // (1024 * 1024),
         "accepted_types": ACCEPTED_TYPES}


@pages.get("/explanations")
@require_roles()
def my_explanations():
    found = explanations.my_explanation_requests(runtime().uow(), current_principal(), page_number(), PAGE_SIZE)
    return render("explanations.html", title="Giải trình của tôi", rows=found.items, page=found,
                  pager=Pager(found.page, found.page_size, found.total), **WORDS)


@pages.get("/explanations/to-judge")
@require_roles("head", "inspector")
def to_judge():
    found = explanations.explanations_to_judge(runtime().uow(), current_principal(), page_number(), PAGE_SIZE)
    return render("explanations_to_judge.html", title="Giải trình chờ xem xét", rows=found.items, page=found,
                  pager=Pager(found.page, found.page_size, found.total), **WORDS)


@pages.get("/explanations/<code>")
@require_roles()
def explanation(code: str):
    return _request_page(code)


@pages.post("/explanations/<code>/submission")
@require_roles()
def submit(code: str):
    text = request.form.get("text", "")
    try:
        files = [file for file in request.files.getlist(attachments.FIELD) if file.filename]
        uploads = attachments.read_uploads(files, max_files=EXPLANATION_ATTACHMENTS_MAX,
                                           max_bytes=EXPLANATION_ATTACHMENT_MAX_BYTES) if files else []
        done = explanations.submit_explanation(runtime().uow(), current_principal(), code, text, uploads)
    except Conflict as exc:
        flash(_words(exc.message), "error")
        return redirect(f"/discipline/explanations/{code}", code=303)
    except InvalidInput as exc:
        errors = {}
        if "text" in exc.errors:
            errors["text"] = "Nội dung giải trình: " + _words(_first(exc.errors["text"]))
        if attachments.FIELD in exc.errors:
            errors[attachments.FIELD] = _words(exc.message)
        return _request_page(code, status=422, errors=errors or {"text": _words(exc.message)}, text=text)
    if done["status"] == "submitted":
        flash(f"Đã nộp giải trình {code} lúc {vn_datetime(done['submitted_at'])}; người đứng đầu đơn vị sẽ xem xét.")
    else:
        flash(f"Giải trình {code} đã được lưu nhưng nộp sau hạn: việc không giải trình đúng hạn đã được ghi nhận.",
              "info")
    return redirect(f"/discipline/explanations/{code}", code=303)


@pages.post("/explanations/<code>/judgement")
@require_roles("head", "inspector")
def judge(code: str):
    decision, reason = request.form.get("decision"), request.form.get("reason", "")
    if decision not in ("accept", "reject"):
        return _request_page(code, status=422, errors={
            "decision-accept": "Chọn chấp nhận hoặc không chấp nhận giải trình."}, reason=reason)
    accepted = decision == "accept"
    try:
        explanations.judge_explanation(runtime().uow(), current_principal(), code, accepted, reason)
    except Conflict as exc:
        flash(_words(exc.message), "error")
        return redirect(f"/discipline/explanations/{code}", code=303)
    except InvalidInput as exc:
        if reason.strip():
            message = "Lý do: " + _words(_first(exc.errors.get("reason", exc.message)))
        elif accepted:
            message = "Nêu lý do chấp nhận: căn cứ để chấp nhận giải trình được lưu cùng quyết định của bạn."
        else:
            message = ("Nêu lý do không chấp nhận: người giải trình cần biết vì sao giải trình của mình không được "
                       "chấp nhận, và lý do này là căn cứ nếu xem xét kỷ luật sau này.")
        return _request_page(code, status=422, errors={"reason": message}, reason=reason, decision=decision)
    flash(f"Đã {'chấp nhận' if accepted else 'không chấp nhận'} giải trình {code}.")
    return redirect(f"/discipline/explanations/{code}", code=303)


@pages.get("/explanations/<code>/attachments/<int:attachment_id>")
@require_roles()
def attachment(code: str, attachment_id: int):
    path, content_type, filename = explanations.explanation_attachment(runtime().uow(), current_principal(), code,
                                                                       attachment_id)
    return send_file(path, mimetype=content_type, download_name=filename, as_attachment=True)


def _request_page(code: str, status: int = 200, errors: dict | None = None, **entered):
    found = explanations.explanation_for_reader(runtime().uow(), current_principal(), code)
    return render("explanation.html", status=status, title=f"Yêu cầu giải trình {code}", item=found,
                  errors=errors or {}, entered=entered, **WORDS)


def _first(messages) -> str:
    """The first message of a field's errors (a list, or a mapping of the files' indexes to lists)."""
    if isinstance(messages, str):
        return messages
    if isinstance(messages, dict):
        return _first(next(iter(messages.values()), ""))
    return _first(messages[0]) if messages else ""


def _words(message: str) -> str:
    """The reader's half of a use case's bilingual message (`tiếng Việt — English`)."""
    vi, _, en = message.partition(" — ")
    return en if lang() == "en" and en else vi

