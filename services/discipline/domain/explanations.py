"""Explanation requests (giải trình): whom to ask, why, and the life of a request (submitted in time or
not, judged, missed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.errors import Conflict

EXPLANATION_ROLES = ("official", "head")
UNASSIGNED = "unassigned"
REQUESTED = "requested"


def explanation_action(existing: Sequence[tuple[str | None, str]], official: str | None) -> str:
    """What one (late fact, role) needs, given the requests already stored for it as (official, status).

    "create": nothing covers it yet; "assign": a request stored without a person can now name one;
    "none": it is already asked, or there is still nobody to ask and the fact is already kept.
    """
    if official is None:
        return "none" if existing else "create"
    if any(o == official for o, _ in existing):
        return "none"
    if any(o is None and status == UNASSIGNED for o, status in existing):
        return "assign"
    return "create"


# Explanations about a dossier's missing apology or broken promise are kept apart from those about its
# lateness (their own request, once each), and are about the dossier for the event catalog.
DOSSIER_SUBJECTS = {"apology": "dossier", "promise": "dossier"}


def event_subject_type(subject_type: str) -> str:
    """The catalog's subject type of a request (explanation.* events know dossier, task, feedback …)."""
    return DOSSIER_SUBJECTS.get(subject_type, subject_type)


def explanation_reason(role: str, subject: str, unit_name: str, due_local: datetime,
                       subject_type: str = "dossier", title: str | None = None) -> str:
    """Why an explanation is asked, in Vietnamese. `subject_type` "apology": the unit let the dossier pass
    its legal due time without an apology (`due_local`); "promise": the dossier passed the new return date
    its apology promised (`due_local`; `title` carries the legal due time as text)."""
    due = f"{due_local:%H:%M} ngày {due_local:%d/%m/%Y}"
    if subject_type == "apology":
        return (f"Hồ sơ {subject} của {unit_name} quá hạn giải quyết (hạn trả kết quả {due}) mà đơn vị không gửi "
                "phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04, Thông tư 01/2018/TT-VPCP) theo Điều 19 Nghị "
                "định 61/2018/NĐ-CP. Đề nghị người đứng đầu, người ký phiếu xin lỗi, giải trình.")
    if subject_type == "promise":
        legal = f" (hạn theo quy định {title})" if title else ""
        if role == "head":
            return (f"Hồ sơ {subject} của {unit_name} đã quá hạn{legal}, đơn vị đã xin lỗi và hẹn lại ngày trả kết "
                    f"quả {due} nhưng tiếp tục trễ hẹn. Đề nghị người đứng đầu giải trình về lần trễ hẹn thứ hai.")
        return (f"Hồ sơ {subject} đã quá hạn{legal} và tiếp tục trễ ngày hẹn lại {due} ghi trong phiếu xin lỗi. "
                "Đề nghị công chức xử lý hồ sơ giải trình rõ lý do.")
    if subject_type == "feedback":
        stage = {"refuse": "xem xét, quyết định thụ lý", "forward": "chuyển đơn vị có thẩm quyền",
                 "answer": "trả lời", "publish": "công khai kết quả trả lời"}.get(title or "", "xử lý")
        if role == "head":
            return (f"Phản ánh, kiến nghị {subject} gửi {unit_name} chưa được {stage} đúng hạn (hạn {due}). "
                    "Đề nghị người đứng đầu đơn vị giải trình lý do chậm trễ.")
        return (f"Phản ánh, kiến nghị {subject} chưa được {stage} đúng hạn (hạn {due}). "
                "Đề nghị cán bộ được giao giải trình rõ lý do chậm trễ.")
    if subject_type == "task":
        what = f"Nhiệm vụ {subject}" + (f" «{title}»" if title else "")
        if role == "head":
            return (f"{what} do {unit_name} chủ trì chưa hoàn thành đúng hạn (hạn {due}). "
                    "Đề nghị người đứng đầu đơn vị chủ trì giải trình lý do chậm trễ.")
        return (f"{what} chưa hoàn thành đúng hạn (hạn {due}). "
                "Đề nghị cán bộ được giao giải trình rõ lý do chậm trễ.")
    if role == "head":
        return (f"Hồ sơ {subject} của {unit_name} quá hạn giải quyết (hạn trả kết quả {due}). "
                "Đề nghị người đứng đầu giải trình về việc chậm trễ tại đơn vị và trách nhiệm liên đới.")
    return (f"Hồ sơ {subject} quá hạn giải quyết (hạn trả kết quả {due}). "
            "Đề nghị công chức xử lý hồ sơ giải trình rõ lý do chậm trễ.")


# --- explanations: submission, judgement, missed deadlines (lifecycle) ---------------------------------

SUBMITTED = "submitted"
ACCEPTED = "accepted"
REJECTED = "rejected"
MISSED = "missed"
EXPLANATION_TEXT_MAX = 20_000
JUDGEMENT_REASON_MAX = 4_000

EXPLANATION_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
EXPLANATION_ATTACHMENTS_MAX = 5



def submission_outcome(status: str, due_at: datetime, now: datetime) -> str:
    """What a submission does to a request: "on_time" (→ submitted), "missed_now" (the deadline has
    passed but the sweep has not marked it yet: mark it missed, then keep the text), "late" (already
    missed: keep the text, it stays missed). A request already answered or judged cannot take another."""
    if status == REQUESTED:
        return "on_time" if now <= due_at else "missed_now"
    if status == MISSED:
        return "late"
    if status == UNASSIGNED:
        raise Conflict("Yêu cầu giải trình chưa giao cho ai nên chưa thể nộp — the request names nobody yet",
                       {"status": [status]})
    raise Conflict(f"Giải trình đã được nộp (trạng thái: {status}); không nộp lại được — the explanation was "
                   "already submitted", {"status": [status]})


def check_judgeable(status: str) -> None:
    """Only a submitted explanation, in time, is judged; a missed one is a violation whatever it says."""
    if status == SUBMITTED:
        return
    reasons = {
        REQUESTED: "chưa có giải trình để xem xét — nothing has been submitted yet",
        UNASSIGNED: "yêu cầu chưa giao cho ai — the request names nobody yet",
        MISSED: "giải trình đã quá hạn, việc không giải trình đúng hạn đã được ghi nhận là vi phạm — the "
                "deadline was missed and recorded as a violation",
        ACCEPTED: "giải trình đã được chấp nhận — already accepted",
        REJECTED: "giải trình đã bị bác — already rejected",
    }
    raise Conflict(f"Không thể xem xét giải trình: {reasons.get(status, status)}", {"status": [status]})


def check_explanation_text(text: str | None, max_length: int = EXPLANATION_TEXT_MAX,
                           field: str = "text") -> dict[str, list[str]]:
    if text is None or not text.strip():
        return {field: ["bắt buộc, không được để trống — required, not blank"]}
    if len(text) > max_length:
        return {field: [f"tối đa {max_length} ký tự — at most {max_length} characters"]}
    return {}


def missed_explanation_facts(role: str, subject_type: str, subject: str, request: str, due_local: datetime) -> str:
    """The violation's facts, in Vietnamese, as the decision will quote them."""
    what = {"dossier": "hồ sơ", "task": "nhiệm vụ", "feedback": "phản ánh, kiến nghị",
            "apology": "việc không xin lỗi, hẹn lại đối với hồ sơ",
            "promise": "việc trễ ngày hẹn lại của hồ sơ"}.get(subject_type, subject_type)
    who = "người đứng đầu đơn vị" if role == "head" else "cán bộ"
    return (f"Không giải trình đúng hạn: {who} được yêu cầu giải trình ({request}) về {what} {subject}, "
            f"hạn nộp {due_local:%H:%M} ngày {due_local:%d/%m/%Y}, nhưng không nộp giải trình.")

