"""What the dossiers pages share: the blueprint, reading a form, and turning a use case's refusal into the
form shown again with its errors (422, nothing changed)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint, request

from shared.web.pages import lang
from shared.web.schemas import LOCAL_TZ

pages = Blueprint("dossiers_pages", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))
PAGE_SIZE = 50

# The pages' own text is written in Vietnamese; a reader who asked for English (?lang=en, as the shared layout
# offers) reads it from here. A text missing here is shown in Vietnamese.
ENGLISH: dict[str, str] = {
    "In giấy tiếp nhận (mã bí mật, mã QR tra cứu)": "Print the receipt (secret and look-up QR code)",
    # the workbench
    "Hồ sơ của tôi": "My dossiers",
    "← Hồ sơ của tôi": "← My dossiers",
    "Các hồ sơ đang chờ bạn xử lý, hồ sơ còn ít thời gian nhất ở trên cùng. Thời gian tính theo ngày làm việc.":
        "The dossiers waiting for you, the least time left first. Time is counted in working days.",
    "Bước": "Step", "Tất cả các bước": "All steps", "Trạng thái": "Status", "Tất cả": "All",
    "Thủ tục": "Procedure", "Tất cả các thủ tục": "All procedures", "Lọc": "Filter", "Bỏ lọc": "Clear filters",
    "Lọc hồ sơ": "Filter dossiers", "Hồ sơ đang chờ xử lý": "Dossiers waiting for you",
    "Mã hồ sơ": "Dossier code", "Hạn xử lý": "Due", "Còn lại": "Time left",
    "Tạm dừng: chờ bổ sung": "Paused: awaiting supplement",
    "Không có hồ sơ nào khớp với bộ lọc.": "No dossier matches the filters.",
    "Bạn không có hồ sơ nào đang chờ xử lý.": "No dossier is waiting for you.",
    "{count} hồ sơ.": "{count} dossiers.",
    # statuses and standings
    "Đang giải quyết": "Being handled", "Chờ công dân bổ sung": "Awaiting the citizen's supplement",
    "Đã có kết quả": "Result ready", "Đã trả kết quả": "Result handed over", "Đã từ chối giải quyết": "Refused",
    "Công dân đã rút hồ sơ": "Withdrawn by the citizen", "Đã dừng xử lý": "Stopped",
    "Sắp đến hạn": "Due soon", "Quá hạn": "Overdue", "Chờ bổ sung": "Awaiting supplement",
    # the unit
    "Hồ sơ của đơn vị": "Unit's dossiers",
    "Hồ sơ đang giải quyết của đơn vị {unit}, tính đến {at}. Sắp đến hạn: còn không quá một ngày làm việc.":
        "Open dossiers of unit {unit}, as of {at}. Due soon: one working day or less left.",
    "Theo bước": "By step", "Số hồ sơ theo bước xử lý": "Dossiers by step", "Chưa vào bước": "No step",
    "Theo cán bộ": "By official", "Số hồ sơ theo cán bộ đang xử lý": "Dossiers by the official holding them",
    "Cán bộ": "Official", "Chưa giao cán bộ": "No official", "Danh sách hồ sơ": "Dossiers",
    "Tất cả cán bộ": "All officials", "Tình trạng": "Standing",
    "Hồ sơ đang giải quyết của đơn vị": "Unit's open dossiers",
    "Lọc hồ sơ của đơn vị": "Filter the unit's dossiers", "Không có hồ sơ nào.": "No dossier.",
    # apologies
    "Thư xin lỗi chờ ký": "Apologies to sign",
    "Cán bộ đã dự thảo thư xin lỗi cho các hồ sơ trễ hạn dưới đây. Đọc bản dự thảo, rồi ký: thư được phát hành "
    "với ngày hẹn trả mới (chỉ được đặt một lần). Hạn xử lý theo quy định không thay đổi: hồ sơ vẫn được đánh giá "
    "là trễ hạn.": "Officers drafted apologies for the late dossiers below. Read the draft, then sign: the letter "
    "is issued with the new return date (set once only). The legal due date does not change: the dossier is still "
    "judged late.",
    "Thư xin lỗi hồ sơ": "The apology for dossier", "đã được phát hành:": "has been issued:",
    "tải thư đã ký (PDF)": "download the signed letter (PDF)",
    "Không có thư xin lỗi nào chờ ký.": "No apology is waiting for your signature.",
    "Hạn xử lý theo quy định": "Legal due date", "Ngày hẹn trả mới đề xuất": "Proposed new return date",
    "Lý do": "Reason", "Người dự thảo": "Drafted by", "Xem bản dự thảo thư (PDF)": "Read the draft letter (PDF)",
    "Họ và tên người ký": "Full name of the signer", "Chức vụ (không bắt buộc)": "Title (optional)",
    "Ví dụ: Giám đốc, Chủ tịch UBND.": "For example: Director, Chair of the People's Committee.",
    "Ký và phát hành thư xin lỗi {code}": "Sign and issue the apology {code}",
    "{count} thư chờ ký.": "{count} letters to sign.",
    # one dossier
    "Hồ sơ {code}": "Dossier {code}", "Người nộp": "Applicant", "Bước hiện tại": "Current step",
    "Cán bộ đang xử lý": "Official holding it", "Tiếp nhận": "Received",
    "Ngày hẹn trả mới (thư xin lỗi)": "New return date (apology)", "Hoàn thành": "Completed",
    "Xử lý hồ sơ": "Handle the dossier", "Chuyển hồ sơ": "Hand over", "Bước tiếp theo": "Next step",
    "Chọn bước mà hồ sơ chuyển đến (giữ bước hiện tại để chỉ đổi cán bộ).":
        "Choose the step the dossier goes to (keep the current step to change the official only).",
    "Cán bộ nhận hồ sơ": "Official receiving it", "— Không chỉ định —": "— None —",
    "Yêu cầu bổ sung hồ sơ": "Ask the citizen to supplement", "Yêu cầu bổ sung": "Ask for a supplement",
    "Lý do cần bổ sung (mỗi lý do một dòng)": "What to supplement and why (one reason a line)",
    "Công dân đã bổ sung": "The citizen supplemented", "Ghi nhận đã bổ sung": "Record the supplement",
    "Kết quả đã có: hồ sơ được đánh giá trước hạn, đúng hạn hoặc quá hạn theo hạn xử lý.":
        "The result is ready: the dossier is judged early, on time or late against its due date.",
    "Hoàn thành hồ sơ": "Complete the dossier", "Dự thảo thư xin lỗi": "Draft the apology",
    "Lý do chậm trễ": "Reason for the delay", "Ngày, giờ hẹn trả kết quả mới": "New return date and time",
    "Gửi dự thảo để lãnh đạo ký": "Send the draft to the head to sign",
    "Tải thư xin lỗi (PDF)": "Download the apology (PDF)",
    "Từ chối hoặc công dân rút hồ sơ": "Refuse, or the citizen withdraws", "Hình thức": "How it ends",
    "— Chọn —": "— Choose —", "Từ chối giải quyết": "Refuse", "Công dân rút hồ sơ": "The citizen withdraws",
    "Lý do được ghi vào hồ sơ và thông báo cho công dân.": "The reason is recorded and told to the citizen.",
    "Dừng hồ sơ": "End the dossier",
    "Phiếu kiểm soát quá trình giải quyết hồ sơ": "Process control sheet",
    "Các bước xử lý, thời hạn từng bước và thời gian đã dùng": "Steps, their budgets and the time used",
    "Thời hạn": "Budget", "Đã dùng": "Used", "Bắt đầu": "Started", "Kết thúc": "Finished", "Đánh giá": "Judged",
    "(đang xử lý)": "(in progress)", "Trễ hạn": "Late", "Đúng hạn": "On time",
    "Thủ tục này không có quy trình các bước.": "This procedure has no step plan.",
    "Các lần chuyển hồ sơ": "Hand-overs", "Các lần chuyển hồ sơ, theo thời gian": "Hand-overs, in time order",
    "Thời điểm": "When", "Từ bước": "From step", "Người giao": "Handed by", "Đến bước": "To step",
    "Người nhận": "Received by", "Có kết quả": "Result ready", "Chưa có lần chuyển nào.": "No hand-over yet.",
    "Các lần yêu cầu bổ sung": "Supplement requests", "Các ngày không tính:": "Days not counted:",
    "Vì sao hạn xử lý là {due}": "Why the dossier is due {due}",
    "{days} ngày": "{days} days",
    "{at} — không thay đổi hạn theo quy định": "{at} — the legal due date does not change",
    "(còn {hours} giờ làm việc)": "({hours} working hours left)",
    "Thời hạn tạm dừng đến khi công dân bổ sung. Pháp luật chỉ cho phép yêu cầu bổ sung một lần; lần thứ hai tính "
    "là trễ hạn.": "The clock stops until the citizen supplements. The law allows one request; a second one counts "
    "the dossier as late.",
    "Hồ sơ đã được yêu cầu bổ sung một lần: yêu cầu lần nữa sẽ tính hồ sơ là trễ hạn.":
        "A supplement was already requested once: another request counts the dossier as late.",
    "Hồ sơ đang chờ công dân bổ sung từ {at}. Khi nhận được, thời hạn được tính tiếp.":
        "Awaiting the citizen's supplement since {at}. Once it arrives, the clock runs again.",
    "Hồ sơ đã quá hạn.": "The dossier is overdue.", "Hồ sơ sắp đến hạn.": "The dossier is due soon.",
    "Dự thảo được gửi lãnh đạo đơn vị ký; ngày hẹn mới chỉ được đặt một lần và không thay đổi hạn xử lý theo quy "
    "định.": "The draft goes to the head of the unit to sign; the new date is set once only and does not change the "
    "legal due date.",
    "Đã có dự thảo của {who} ({at}), hẹn trả {due}, đang chờ ký. Gửi lại sẽ thay dự thảo này.":
        "{who} drafted one ({at}), new date {due}, waiting for the signature. Sending again replaces it.",
    "Sau hạn xử lý {due}.": "After the due date, {due}.",
    "Đơn vị đã gửi thư xin lỗi ngày {at}, hẹn trả {due} (lãnh đạo ký: {who}).":
        "The unit apologised on {at}, new return date {due} (signed by {who}).",
    "Lần {number}: {start}": "Request {number}: {start}", "(đang chờ)": "(waiting)",
    "{hours} giờ làm việc.": "{hours} working hours.", "Lý do:": "Reasons:",
    "Thời hạn giải quyết: trong ngày làm việc, tính từ {start}": "Time allowed: the same working day, from {start}",
    "Thời hạn giải quyết: {days} ngày làm việc, tính từ {start}": "Time allowed: {days} working days, from {start}",
    "(hồ sơ tiếp nhận sau giờ quy định nên bắt đầu tính từ ngày làm việc tiếp theo)":
        "(received after the cut-off, so counting starts on the next working day)",
    "Hạn theo thời gian luật định: {due}.": "Due by the legal time alone: {due}.",
    "Ngày hẹn mới theo thư xin lỗi: {due} — hồ sơ vẫn được đánh giá theo hạn xử lý theo quy định.":
        "New date promised by the apology: {due} — the dossier is still judged against its legal due date.",
}


def tr(text: str, **values) -> str:
    """A text of these pages in the reader's language, with `values` put in (escaped by the template)."""
    chosen = ENGLISH.get(text, text) if lang() == "en" else text
    return chosen.format(**values) if values else chosen


pages.add_app_template_global(tr, "tr")

STATUS_LABELS = {
    "received": "Đang giải quyết",
    "awaiting_supplement": "Chờ công dân bổ sung",
    "completed": "Đã có kết quả",
    "returned": "Đã trả kết quả",
    "refused": "Đã từ chối giải quyết",
    "withdrawn": "Công dân đã rút hồ sơ",
    "stopped": "Đã dừng xử lý",
}


def arg(name: str, allowed=None) -> str | None:
    """A query argument, None when empty or not among `allowed`."""
    value = (request.args.get(name) or "").strip() or None
    if value is not None and allowed is not None and value not in allowed:
        return None
    return value


def form_text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def local_datetime(value: str) -> datetime | None:
    """A `datetime-local` field (`2026-12-04T16:30`) as an instant in Hà Nội time; None when not one."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=LOCAL_TZ) if moment.tzinfo is None else moment


def field_errors(error, fields: dict[str, str], fallback: str) -> dict[str, str]:
    """A use case's refusal as the form's errors: each field it names that the form has (`fields` maps the
    use case's field to the form's), in Vietnamese first with the detail; else on `fallback`."""
    found: dict[str, str] = {}
    for name, messages in (getattr(error, "errors", None) or {}).items():
        target = fields.get(name)
        if target is not None and target not in found:
            detail = "; ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
            found[target] = f"Không thực hiện được: {error.message} ({detail})"
    return found or {fallback: f"Không thực hiện được: {error.message}"}
