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

# What these pages say, Vietnamese first, English when the reader asked for it (the layout's language link).
TEXTS: dict[str, tuple[str, str]] = {
    "status_requested": ("Chờ giải trình", "Waiting for the explanation"),
    "status_submitted": ("Đã nộp", "Submitted"),
    "status_accepted": ("Chấp nhận", "Accepted"),
    "status_rejected": ("Không chấp nhận", "Not accepted"),
    "status_missed": ("Quá hạn", "Deadline missed"),
    "status_unassigned": ("Chưa giao", "Not assigned"),
    "subject_dossier": ("Hồ sơ quá hạn", "Overdue dossier"),
    "subject_task": ("Nhiệm vụ quá hạn", "Overdue task"),
    "subject_feedback": ("Phản ánh, kiến nghị chậm xử lý", "Feedback handled late"),
    "subject_apology": ("Hồ sơ quá hạn không xin lỗi", "Overdue dossier without an apology"),
    "subject_promise": ("Hồ sơ trễ ngày hẹn lại", "Dossier late again after its apology"),
    "action_explanation.requested": ("Yêu cầu giải trình", "Explanation requested"),
    "action_explanation.assigned": ("Giao yêu cầu giải trình", "Request assigned"),
    "action_explanation.submitted": ("Nộp giải trình", "Explanation submitted"),
    "action_explanation.submitted_late": ("Nộp giải trình sau hạn", "Explanation submitted late"),
    "action_explanation.accepted": ("Chấp nhận giải trình", "Explanation accepted"),
    "action_explanation.rejected": ("Không chấp nhận giải trình", "Explanation not accepted"),
    "action_explanation.missed": ("Quá hạn giải trình", "Deadline missed"),
    "role_head": ("người đứng đầu đơn vị", "head of the unit"),
    "role_official": ("cán bộ xử lý", "official in charge"),
    # The list of her requests
    "mine_title": ("Giải trình của tôi", "My explanations"),
    "mine_lead": ("Các yêu cầu giải trình gửi tới bạn. Yêu cầu còn chờ giải trình ở trên cùng, hạn gần nhất trước; "
                  "thời gian còn lại tính theo ngày làm việc.",
                  "The explanations you are asked for. Those still waiting are on top, nearest deadline first; the "
                  "time left is counted in working days."),
    "mine_none": ("Bạn không có yêu cầu giải trình nào.", "Nobody has asked you for an explanation."),
    "mine_caption": ("Yêu cầu giải trình của bạn, yêu cầu còn chờ giải trình ở trên cùng",
                     "Your explanation requests, those still waiting on top"),
    "mine_total": ("{count} yêu cầu.", "{count} requests."),
    "col_code": ("Mã yêu cầu", "Request"),
    "col_subject": ("Về việc", "About"),
    "col_due": ("Hạn giải trình", "Deadline"),
    "col_status": ("Trạng thái", "Status"),
    "col_left": ("Còn lại", "Time left"),
    "col_official": ("Người giải trình", "Explained by"),
    "col_submitted": ("Nộp lúc", "Submitted at"),
    # What waits for judgement
    "judge_title": ("Giải trình chờ xem xét", "Explanations to judge"),
    "judge_lead": ("Giải trình đã nộp của đơn vị bạn và các đơn vị trực thuộc, đang chờ bạn chấp nhận hoặc không "
                   "chấp nhận. Giải trình chờ lâu nhất ở trên cùng.",
                   "Explanations submitted in your unit and the units below it, waiting for you to accept them or "
                   "not. The longest waiting is on top."),
    "judge_none": ("Không có giải trình nào đang chờ bạn xem xét.", "No explanation is waiting for your judgement."),
    "judge_caption": ("Giải trình chờ xem xét, chờ lâu nhất ở trên cùng",
                      "Explanations to judge, longest waiting first"),
    "judge_total": ("{count} giải trình chờ xem xét.", "{count} explanations to judge."),
    # One request
    "request_title": ("Yêu cầu giải trình {code}", "Explanation request {code}"),
    "about": ("Về việc gì", "What it is about"),
    "reason": ("Lý do yêu cầu", "Why it is asked"),
    "asked": ("Người được yêu cầu", "Asked of"),
    "nobody": ("Chưa giao cho ai", "Nobody yet"),
    "unit": ("Đơn vị", "Unit"),
    "rule_set": ("Bộ quy tắc áp dụng", "Rule set applied"),
    "requested_at": ("Ngày yêu cầu", "Asked on"),
    "explanation": ("Giải trình", "Explanation"),
    "late": ("(sau hạn)", "(after the deadline)"),
    "text": ("Nội dung", "Text"),
    "files": ("Tệp đính kèm", "Attachments"),
    "no_files": ("Không có", "None"),
    "text_label": ("Nội dung giải trình", "Your explanation"),
    "text_hint": ("Nêu rõ vì sao việc bị chậm, ai đã làm gì và khi nào; căn cứ nếu có. Hạn nộp: {due}.",
                  "Say why it was late, who did what and when, with the evidence if any. Deadline: {due}."),
    "files_label": ("Tệp đính kèm (không bắt buộc)", "Attachments (optional)"),
    "files_hint": ("Tối đa {files} tệp PDF, PNG hoặc JPEG, mỗi tệp không quá {mb} MB. Nếu biểu mẫu báo lỗi, hãy "
                   "chọn lại tệp.", "At most {files} PDF, PNG or JPEG files, {mb} MB each. If the form shows an "
                   "error, choose the files again."),
    "submit": ("Nộp giải trình", "Submit the explanation"),
    "deadline_passed": ("Đã quá hạn giải trình (hạn {due}) mà chưa có giải trình. Không thể nộp giải trình cho yêu "
                        "cầu này nữa; việc không giải trình đúng hạn được ghi nhận là vi phạm.",
                        "The deadline ({due}) has passed without an explanation. This request can no longer be "
                        "answered; not explaining in time is recorded as a violation."),
    "unassigned": ("Yêu cầu chưa giao cho ai nên chưa thể giải trình.",
                   "The request names nobody yet, so it cannot be answered."),
    "not_yet": ("Chưa có giải trình.", "No explanation yet."),
    "judgement": ("Xem xét", "Judgement"),
    "outcome": ("Kết quả", "Outcome"),
    "judgement_reason": ("Lý do", "Reason"),
    "judged_by": ("Người xem xét", "Judged by"),
    "judged_at": ("Lúc", "At"),
    "decision": ("Kết quả xem xét", "Your judgement"),
    "accept": ("Chấp nhận giải trình", "Accept the explanation"),
    "reject": ("Không chấp nhận giải trình", "Do not accept the explanation"),
    "reason_hint": ("Bắt buộc. Khi không chấp nhận, nêu rõ vì sao: người giải trình được xem lý do này.",
                    "Required. When you do not accept it, say why: the person who explained will read it."),
    "record": ("Ghi kết quả xem xét", "Record the judgement"),
    "waiting_judgement": ("Giải trình đang chờ người đứng đầu đơn vị xem xét.",
                          "The explanation is waiting for the head of the unit's judgement."),
    "no_judgement": ("Chưa có kết quả xem xét.", "Not judged."),
    "audit": ("Nhật ký kiểm toán", "Audit log"),
    "audit_lead": ("Các bước của yêu cầu này trong nhật ký chống sửa đổi (mỗi mục nối với mục trước bằng mã băm).",
                   "The steps of this request in the tamper-evident log (each entry chained to the one before by "
                   "its hash)."),
    "audit_caption": ("Nhật ký kiểm toán của yêu cầu {code}, cũ nhất ở trên cùng",
                      "Audit log of request {code}, oldest first"),
    "audit_none": ("Chưa có mục nào.", "No entry yet."),
    "col_at": ("Lúc", "At"),
    "col_action": ("Việc", "What"),
    "col_actor": ("Người thực hiện", "By"),
    "col_seq": ("Số thứ tự", "Entry"),
    "system": ("Hệ thống", "The system"),
    "back_mine": ("Về danh sách giải trình của tôi", "Back to my explanations"),
    "back_judge": ("Về danh sách giải trình chờ xem xét", "Back to the explanations to judge"),
    # Answers to the forms
    "submitted": ("Đã nộp giải trình {code} lúc {at}; người đứng đầu đơn vị sẽ xem xét.",
                  "Explanation {code} submitted at {at}; the head of the unit will judge it."),
    "submitted_late": ("Giải trình {code} đã được lưu nhưng nộp sau hạn: việc không giải trình đúng hạn đã được ghi "
                       "nhận.", "Explanation {code} is kept, but it came after the deadline, which is recorded."),
    "text_error": ("Nội dung giải trình: {message}", "Your explanation: {message}"),
    "choose": ("Chọn chấp nhận hoặc không chấp nhận giải trình.", "Choose to accept the explanation or not."),
    "reason_error": ("Lý do: {message}", "Reason: {message}"),
    "reason_accept": ("Nêu lý do chấp nhận: căn cứ để chấp nhận giải trình được lưu cùng quyết định của bạn.",
                      "Give the reason for accepting it: it is kept with your judgement."),
    "reason_reject": ("Nêu lý do không chấp nhận: người giải trình cần biết vì sao giải trình của mình không được "
                      "chấp nhận, và lý do này là căn cứ nếu xem xét kỷ luật sau này.",
                      "Give the reason for not accepting it: the person who explained needs to know why, and it is "
                      "the ground for any discipline later."),
    "judged_accept": ("Đã chấp nhận giải trình {code}.", "Explanation {code} accepted."),
    "judged_reject": ("Đã không chấp nhận giải trình {code}.", "Explanation {code} not accepted."),
}
ACCEPTED_TYPES = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


def w(key: str, **values) -> str:
    """This page's text in the reader's language."""
    vi, en = TEXTS[key]
    text = en if lang() == "en" else vi
    return text.format(**values) if values else text


def word(group: str, value: str | None) -> str:
    """A status, subject type or audit action in words (the code itself when unknown)."""
    key = f"{group}_{value}"
    return w(key) if key in TEXTS else str(value)


WORDS = {"w": w, "word": word, "max_files": EXPLANATION_ATTACHMENTS_MAX,
         "max_mb": EXPLANATION_ATTACHMENT_MAX_BYTES // (1024 * 1024), "accepted_types": ACCEPTED_TYPES}


@pages.get("/explanations")
@require_roles()
def my_explanations():
    found = explanations.my_explanation_requests(runtime().uow(), current_principal(), page_number(), PAGE_SIZE)
    return render("explanations.html", title=w("mine_title"), rows=found.items, page=found,
                  pager=Pager(found.page, found.page_size, found.total), **WORDS)


@pages.get("/explanations/to-judge")
@require_roles("head", "inspector")
def to_judge():
    found = explanations.explanations_to_judge(runtime().uow(), current_principal(), page_number(), PAGE_SIZE)
    return render("explanations_to_judge.html", title=w("judge_title"), rows=found.items, page=found,
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
            errors["text"] = w("text_error", message=_words(_first(exc.errors["text"])))
        if attachments.FIELD in exc.errors:
            errors[attachments.FIELD] = _words(exc.message)
        return _request_page(code, status=422, errors=errors or {"text": _words(exc.message)}, text=text)
    if done["status"] == "submitted":
        flash(w("submitted", code=code, at=vn_datetime(done["submitted_at"])))
    else:
        flash(w("submitted_late", code=code), "info")
    return redirect(f"/discipline/explanations/{code}", code=303)


@pages.post("/explanations/<code>/judgement")
@require_roles("head", "inspector")
def judge(code: str):
    decision, reason = request.form.get("decision"), request.form.get("reason", "")
    if decision not in ("accept", "reject"):
        return _request_page(code, status=422, errors={
            "decision-accept": w("choose")}, reason=reason)
    accepted = decision == "accept"
    try:
        explanations.judge_explanation(runtime().uow(), current_principal(), code, accepted, reason)
    except Conflict as exc:
        flash(_words(exc.message), "error")
        return redirect(f"/discipline/explanations/{code}", code=303)
    except InvalidInput as exc:
        if reason.strip():
            message = w("reason_error", message=_words(_first(exc.errors.get("reason", exc.message))))
        else:
            message = w("reason_accept" if accepted else "reason_reject")
        return _request_page(code, status=422, errors={"reason": message}, reason=reason, decision=decision)
    flash(w("judged_accept" if accepted else "judged_reject", code=code))
    return redirect(f"/discipline/explanations/{code}", code=303)


@pages.get("/explanations/<code>/attachments/<int:attachment_id>")
@require_roles()
def attachment(code: str, attachment_id: int):
    path, content_type, filename = explanations.explanation_attachment(runtime().uow(), current_principal(), code,
                                                                       attachment_id)
    return send_file(path, mimetype=content_type, download_name=filename, as_attachment=True)


def _request_page(code: str, status: int = 200, errors: dict | None = None, **entered):
    found = explanations.explanation_for_reader(runtime().uow(), current_principal(), code)
    return render("explanation.html", status=status, title=w("request_title", code=code), item=found,
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

